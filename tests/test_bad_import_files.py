"""
Hostile import files, every kind in one list (issue 7, item 9).

Each is refused by ``import_articles`` with one line naming the file (and the
line where there is one), a non-zero exit, and nothing saved. The formats'
own tests (test_import_plaintext, test_xml_safety, test_export_json) cover
their ordinary mistakes; this is the list of what an attacker, a broken disk
or a wrong download hands the importer, in each format it can arrive in.
"""

import io
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from .conftest import make_article
from .wxr_files import export, post

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "wxr"
MEGABYTE = 1024 * 1024
HEADER = b"17.11.2023 Author: Boris Kushkhov\n\nA title\n\n"
EXPORT_START = b'{"format": "magazine-export", "version": 1, "articles": ['


def random_bytes(n=4096):
    # Seeded: the same "random" file on every run.
    return random.Random(7).randbytes(n)


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def json_article(**fields):
    row = ", ".join(f'"{key}": "{value}"' for key, value in {"slug": "x", "title": "X", **fields}.items())
    return EXPORT_START + row.join([b"{".decode(), b"}]}".decode()]).encode()


# (id, file name, content, what the message says, the line it names or None)
HOSTILE = [
    # Plain text
    ("text-empty", "empty.txt", lambda: b"", "empty file", 1),
    ("text-random-bytes", "random.txt", random_bytes, "binary file", None),
    ("text-png", "photo.txt", png, "binary file (NUL byte)", None),
    ("text-nul-byte", "nul.txt", lambda: HEADER + b"Some\x00text\n", "binary file (NUL byte)", 5),
    ("text-impossible-date", "date.txt", lambda: b"31.02.2024" + HEADER[10:] + b"Text.\n", "impossible date", 1),
    ("text-truncated", "cut.txt", lambda: HEADER[:34], "no title after the date line", 1),
    ("text-20-mb-line", "line.txt", lambda: HEADER + b"word " * (4 * MEGABYTE) + b"\n", "line longer than", 5),
    ("text-5-mb-line", "first.txt", lambda: b"x" * (5 * MEGABYTE), "line longer than", 1),
    ("text-too-large", "huge.txt", lambda: HEADER + b"A paragraph.\n\n" * 200_000, "larger than an article", None),
    # WordPress (WXR)
    ("wxr-external-entity", "entity.xml", lambda: (DATA / "external_entity.xml").read_bytes(), "refused:", None),
    (
        "wxr-billion-laughs",
        "laughs.xml",
        lambda: (DATA / "billion_laughs.xml").read_bytes(),
        "declares the entity",
        None,
    ),
    ("wxr-truncated", "cut.xml", lambda: export(post(1)).encode()[:-40], "the file ends before the XML does", None),
    ("wxr-empty", "empty.xml", lambda: b"", "empty file", 1),
    ("wxr-random-bytes", "random.xml", random_bytes, "binary file", None),
    ("wxr-png", "photo.xml", png, "binary file (NUL byte)", None),
    (
        "wxr-nul-byte",
        "nul.xml",
        lambda: export(post(1)).replace("A post", "A\x00post").encode(),
        "not well-formed",
        None,
    ),
    (
        "wxr-impossible-date",
        "date.xml",
        lambda: export(post(1, date_gmt="2024-02-31 10:00:00")).encode(),
        "post 1: impossible date '2024-02-31 10:00:00'",
        None,
    ),
    (
        "wxr-20-mb-line",
        "line.xml",
        lambda: b"<?xml version='1.0'?><rss><channel><title>" + b"x" * (20 * MEGABYTE),
        "the file ends before the XML does",
        1,
    ),
    # The magazine's JSON export
    ("json-empty", "empty.json", lambda: b"", "malformed JSON", 1),
    ("json-random-bytes", "random.json", random_bytes, "not UTF-8 text", None),
    ("json-png", "photo.json", png, "not UTF-8 text", 1),
    ("json-nul-byte", "nul.json", lambda: json_article(title="A\x00title"), "malformed JSON: Invalid control", 1),
    ("json-truncated", "cut.json", lambda: EXPORT_START + b'{"slug": "x", "ti', "malformed JSON", 1),
    ("json-nesting-bomb", "deep.json", lambda: b"[" * 200_000 + b"]" * 200_000, "nested too deeply", None),
    (
        "json-impossible-date",
        "date.json",
        lambda: json_article(status="published", publish_at="2024-02-31T10:00:00Z"),
        "not a date-time",
        None,
    ),
    ("json-20-mb-line", "line.json", lambda: json_article(title="x" * (20 * MEGABYTE)), "longer than 300", None),
]
LONG_LINES = [kind for kind in HOSTILE if "-mb-line" in kind[0]]


def counts():
    """Rows of every table an import could write to."""
    labels = {"articles", "authors", "search", "taggit", "reversion"}
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in labels and not model._meta.proxy
    }


@pytest.fixture
def existing(author, section):
    """A database that already holds something: a refused file must leave it exactly so."""
    return make_article("Already here", authors=[author], section=section, body="<p>Text.</p>")


@pytest.mark.parametrize(("kind", "name", "content", "message", "line"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_is_refused_in_one_line_naming_it_and_nothing_is_saved(
    tmp_path, existing, kind, name, content, message, line
):
    path = tmp_path / name
    path.write_bytes(content())
    before = counts()
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 failed"):
        call_command("import_articles", str(path), stdout=out, stderr=err)

    assert len(err.getvalue().splitlines()) == 1, err.getvalue()
    first = err.getvalue()
    # "file:line: reason", or "file:line:column: reason" where the parser knows the column.
    assert first.startswith(f"{path}:{line}:" if line else f"{path}:"), first[:300]
    assert message in first, first[:300]
    assert len(first) < 400, "the message quotes the file, not just a clip of it"
    assert "Traceback" not in out.getvalue() + first
    assert counts() == before


def test_every_format_meets_every_hostile_kind_it_can_receive():
    """The list above is the one place for hostile files: each kind in each format it can arrive as."""
    kinds = {(kind.split("-", 1)[0], kind.split("-", 1)[1]) for kind, *_ in HOSTILE}
    everywhere = {"empty", "random-bytes", "png", "nul-byte", "truncated", "impossible-date", "20-mb-line"}
    for fmt in ["text", "wxr", "json"]:
        assert {(fmt, k) for k in everywhere} <= kinds, fmt
    assert {("wxr", "external-entity"), ("wxr", "billion-laughs"), ("json", "nesting-bomb")} <= kinds


# In a process of its own: the exit status, stderr, and memory -------------------------------------


@pytest.fixture(scope="module")
def scratch_database(tmp_path_factory):
    """A migrated SQLite file for commands run in a child process (the tests' own database is not visible
    there, and the developer's must not be touched)."""
    path = tmp_path_factory.mktemp("db") / "import.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    return path


# A child's peak resident set (ru_maxrss) starts at what its parent held when it forked, since Linux counts the
# pages shared before exec: measured from pytest it would be pytest's size. So a small Python process forks
# the command and reports the command's peak from os.wait4 (Linux: kilobytes) as the last line it prints.
MEASURE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_import(path, database):
    """Run import_articles on ``path`` in a process of its own: (exit status, stderr, peak memory in MB)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    command = [sys.executable, "-c", MEASURE, "manage.py", "import_articles", str(path)]
    child = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    peak_kb = int(child.stdout.splitlines()[-1])
    return child.returncode, child.stderr, peak_kb / 1024


def articles_in(database):
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0]


@pytest.mark.parametrize(
    ("kind", "name", "content", "message", "line"),
    [*LONG_LINES, next(h for h in HOSTILE if h[0] == "wxr-billion-laughs")],
    ids=[h[0] for h in [*LONG_LINES, next(h for h in HOSTILE if h[0] == "wxr-billion-laughs")]],
)
def test_the_command_exits_non_zero_names_the_file_and_keeps_its_memory_bounded(
    tmp_path, scratch_database, kind, name, content, message, line
):
    """A Django process importing nothing holds some 70 MB. The bound, 250 MB, leaves room for the file itself
    (20 MB read whole by the JSON and text readers) and its decoded text, and still fails an importer that
    splits, copies or decodes a multi-megabyte line a few times over (the plain-text reader did: 640 MB and a
    20 MB article saved, before lines were limited)."""
    path = tmp_path / name
    path.write_bytes(content())

    status, stderr, peak_mb = run_import(path, scratch_database)

    assert status == 1, stderr[-2000:]
    assert stderr.startswith(f"{path}:"), stderr[:300]
    assert message in stderr.splitlines()[0]
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].startswith("CommandError: 1 file: 0 created")
    assert peak_mb < 250, f"{kind}: {peak_mb:.0f} MB"
    assert articles_in(scratch_database) == 0
