"""
Import throughput: how fast ``import_articles`` brings a whole archive in, and in how much memory.

    python -m bench.import_bench --articles 1000,10000 --rounds 3

For each size, the deterministic archive (bench/archive.py) is generated into a
scratch SQLite file and written out the ways a magazine arrives: plain-text
files in the magazine's own export format, one per article, our JSON
(``export_articles --split``), and one WordPress export (WXR) of the whole
archive (bench/wxr.py). Each is then imported with the real
``manage.py import_articles`` into a fresh, migrated database (a SQLite file,
and the PostgreSQL database ``--db``, recreated from a migrated template) in a
child process: its wall time, Django's start included, its CPU time (user and
system) and its peak memory (``ru_utime``, ``ru_stime`` and ``ru_maxrss`` of
that child, from ``wait4``), with the largest resident memory of each quarter of the
run (memory that does not grow with the archive stays level). The CPU time is the steadier figure on a shared
machine: it leaves out the time spent waiting for a core, and for the database
server. The report gives the median of the rounds. Everything goes to a temporary folder and the databases are
dropped on exit, after an error or Ctrl-C too.
"""

import argparse
import html
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("plaintext", "json", "wxr")
DATABASES = ("sqlite", "postgresql")
PUBLICATION = "New Eastern Outlook"
_BLOCK_END = re.compile(r"</(?:p|h\d|li|blockquote|pre|ul|ol|figure|div)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def options(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--articles", default=env("IMPORT_ARTICLES", "1000,10000"), help="Sizes, comma-separated.")
    parser.add_argument("--formats", default=env("IMPORT_FORMATS", ",".join(FORMATS)))
    parser.add_argument("--databases", default=env("IMPORT_DATABASES", ",".join(DATABASES)))
    parser.add_argument("--rounds", type=int, default=int(env("ROUNDS", "3")))
    parser.add_argument("--seed", type=int, default=int(env("BENCH_SEED", "1")))
    parser.add_argument("--db", default=env("BENCH_IMPORT_DB", "magazine_bench_import"), help="Dropped and recreated.")
    parser.add_argument("--pg-url", default=env("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--json", default=env("BENCH_JSON", ""), help="Also write the raw results here.")
    parser.add_argument(
        "--sources",
        default=env("BENCH_SOURCES", ""),
        help="Keep the generated archives in this folder and reuse them on later runs (generating takes minutes).",
    )
    args = parser.parse_args(argv)
    args.articles = [int(n) for n in args.articles.split(",")]
    args.formats = args.formats.split(",")
    args.databases = args.databases.split(",")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case identifier")
    if unknown := {*args.formats} - {*FORMATS} or {*args.databases} - {*DATABASES}:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    return args


def say(message):
    print(message, flush=True)  # noqa: T201


class ImportBench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="magazine-import-bench-"))
        pg = urlsplit(args.pg_url)
        self.pg = {"host": pg.hostname or "127.0.0.1", "port": pg.port or 5432, "user": pg.username or "postgres"}
        if pg.password:
            self.pg["password"] = pg.password
        self.pg_base = args.pg_url.rstrip("/")
        self.template_db = f"{args.db}_template"
        self.created = []
        self.secret = secrets.token_urlsafe(50)
        self.results = []

    def env(self, database_url):
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "magazine.settings",
            "DEBUG": "0",
            "SECRET_KEY": self.secret,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
        }

    def manage(self, database_url, *command, capture=False):
        return subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=self.env(database_url),
            check=True,
            capture_output=capture,
            text=True,
        )

    def postgres(self, *statements):
        import psycopg2

        connection = psycopg2.connect(dbname="postgres", connect_timeout=5, **self.pg)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    # The sources.

    def archive_folder(self, count):
        if self.args.sources:
            return Path(self.args.sources).resolve() / f"archive-{count}-seed{self.args.seed}"
        return self.tmp / f"archive-{count}"

    def sources(self, count):
        """{format: folder} holding the archive of ``count`` articles in each format."""
        folder = self.archive_folder(count)
        url = f"sqlite:///{folder / 'source.sqlite3'}"
        # Written to a name of their own, then renamed: an interrupted run leaves nothing that looks complete.
        wanted = {
            "plaintext": folder / "plaintext",
            "json": folder / "json",
            # One file holding the whole archive, as WordPress exports a site (bench/wxr.py).
            "wxr": folder / "archive.wxr.xml",
        }
        found = {fmt: wanted[fmt] for fmt in self.args.formats}
        missing = [fmt for fmt, path in found.items() if not path.exists()]
        if not missing:
            say(f"\n==> reusing the archive of {count:,} articles in {folder}")
            return found
        say(f"\n==> generating {count:,} articles and writing them out")
        if not (folder / "source.sqlite3").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            self.manage(url, "migrate", "--no-input", "-v0")
            self.manage(url, "generate_archive", "--articles", str(count), "--seed", str(self.args.seed), capture=True)
        for fmt in missing:
            partial = found[fmt].with_name(found[fmt].name + ".partial")
            if partial.is_dir():
                shutil.rmtree(partial)
            partial.unlink(missing_ok=True)
            if fmt == "plaintext":
                script = f"from bench.import_bench import write_plaintext; write_plaintext({str(partial)!r})"
                self.manage(url, "shell", "-c", script)
            elif fmt == "json":
                self.manage(url, "export_articles", "--split", str(partial), capture=True)
            else:
                self.manage(url, "shell", "-c", f"from bench.wxr import write_wxr; write_wxr({str(partial)!r})")
            partial.rename(found[fmt])
        return found

    # Fresh databases.

    def fresh_sqlite(self):
        path = self.tmp / "target.sqlite3"
        template = self.tmp / "template.sqlite3"
        if not template.exists():
            self.manage(f"sqlite:///{template}", "migrate", "--no-input", "-v0")
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    def fresh_postgres(self):
        if self.template_db not in self.created:
            self.postgres(f'DROP DATABASE IF EXISTS "{self.template_db}" WITH (FORCE)')
            self.postgres(f'CREATE DATABASE "{self.template_db}"')
            self.created.append(self.template_db)
            self.manage(f"{self.pg_base}/{self.template_db}", "migrate", "--no-input", "-v0")
        self.postgres(
            f'DROP DATABASE IF EXISTS "{self.args.db}" WITH (FORCE)',
            f'CREATE DATABASE "{self.args.db}" TEMPLATE "{self.template_db}"',
        )
        if self.args.db not in self.created:
            self.created.append(self.args.db)
        return f"{self.pg_base}/{self.args.db}"

    # The measurement.

    def time_import(self, database_url, folder):
        """(seconds, CPU seconds, peak MB, peak MB of each quarter of the run, summary line) of one
        ``import_articles`` run in a child process."""
        command = [sys.executable, "manage.py", "import_articles", str(folder), "-v0"]
        errors = self.tmp / "import.stderr"
        with open(errors, "w") as stderr:
            started = time.perf_counter()
            child = subprocess.Popen(
                command, cwd=ROOT, env=self.env(database_url), stdout=subprocess.PIPE, stderr=stderr
            )
            done = threading.Event()
            samples = []
            sampler = threading.Thread(target=_sample_rss, args=(child.pid, done, samples))
            sampler.start()
            output = child.stdout.read().decode()
            done.set()
            sampler.join()
            # wait4, not wait: this child's own peak memory, not the largest of all children so far.
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status):
            say(errors.read_text()[-3000:])
            raise SystemExit(f"import_articles failed on {folder}")
        cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
        return seconds, cpu, peak, _quarters(samples, started, seconds), output.strip().splitlines()[-1]

    def run(self):
        for count in self.args.articles:
            for fmt, folder in self.sources(count).items():
                for database in self.args.databases:
                    rounds = []
                    for round_no in range(1, self.args.rounds + 1):
                        url = self.fresh_sqlite() if database == "sqlite" else self.fresh_postgres()
                        seconds, cpu, peak, quarters, summary = self.time_import(url, folder)
                        rounds.append((seconds, cpu, peak, quarters))
                        say(
                            f"{fmt} → {database}, {count:,} articles, round {round_no}: {seconds:.1f} s, "
                            f"{count / seconds:.0f} articles/s, CPU {cpu:.1f} s, {peak:.0f} MB "
                            f"(by quarter of the run: {' / '.join(f'{q:.0f}' for q in quarters)}), "
                            f"load {os.getloadavg()[0]:.1f} — {summary}"
                        )
                    seconds = statistics.median(r[0] for r in rounds)
                    cpu = statistics.median(r[1] for r in rounds)
                    self.results.append(
                        {
                            "format": fmt,
                            "database": database,
                            "articles": count,
                            "seconds": seconds,
                            "rate": count / seconds,
                            "cpu_seconds": cpu,
                            "peak_mb": statistics.median(r[2] for r in rounds),
                            # Memory that does not grow with the archive stays level over the run's quarters.
                            "quarters_mb": [statistics.median(q) for q in zip(*(r[3] for r in rounds), strict=True)],
                            "rounds": rounds,
                        }
                    )
            if not self.args.sources:
                shutil.rmtree(self.archive_folder(count))
        self.report()

    def report(self):
        say(f"\n==> import_articles, median of {self.args.rounds} round(s)\n")
        say(
            "| format | database | articles | seconds | articles/s | CPU s | articles/CPU s | peak MB "
            "| peak MB by quarter of the run |"
        )
        say("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for r in self.results:
            say(
                f"| {r['format']} | {r['database']} | {r['articles']:,} | {r['seconds']:.1f} | {r['rate']:.0f} | "
                f"{r['cpu_seconds']:.1f} | {r['articles'] / r['cpu_seconds']:.0f} | {r['peak_mb']:.0f} "
                f"| {' / '.join(f'{q:.0f}' for q in r['quarters_mb'])} |"
            )
        if self.args.json:
            Path(self.args.json).write_text(json.dumps(self.results, indent=2))

    def cleanup(self):
        for name in reversed(self.created):
            try:
                self.postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:
                say(f"could not drop {name}: {exc}")
        shutil.rmtree(self.tmp, ignore_errors=True)


def _sample_rss(pid, done, samples, every=0.2):
    """(time, resident MB) of process ``pid`` every ``every`` seconds into ``samples``, until ``done``."""
    status = Path(f"/proc/{pid}/status")
    while not done.wait(every):
        try:
            found = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
        except FileNotFoundError:
            return
        if found:
            samples.append((time.perf_counter(), int(found[1]) / 1024))


def _quarters(samples, started, seconds):
    """The largest resident size seen in each quarter of the run (0 for a quarter too short to be sampled)."""
    peaks = [0.0] * 4
    for moment, mb in samples:
        quarter = min(3, int(4 * (moment - started) / seconds))
        peaks[quarter] = max(peaks[quarter], mb)
    return peaks


def write_plaintext(folder):
    """Write every article as the magazine's plain-text export does: one file per article."""
    from django.utils import timezone

    from articles.models import Article

    folder = Path(folder)
    folder.mkdir(parents=True)
    articles = Article.objects.order_by("pk").prefetch_related("bylines__author", "related_links__to_article")
    for number, article in enumerate(articles.iterator(chunk_size=500)):
        (folder / f"{number:06d}_{article.pk}.txt").write_text(plaintext(article, timezone), encoding="utf-8")


def plaintext(article, timezone):
    bylines = sorted(article.bylines.all(), key=lambda b: b.order)
    date = timezone.localtime(article.publish_at).strftime("%d.%m.%Y")
    paragraphs = [" ".join(html.unescape(_TAG.sub(" ", part)).split()) for part in _BLOCK_END.split(article.body)]
    signatures = " ".join(
        f"{byline.signed_name or byline.author.name}, {byline.affiliation}, exclusively for the online magazine "
        f"“{PUBLICATION}”."
        for byline in bylines
        if byline.affiliation
    )
    related = [link.to_article.title for link in sorted(article.related_links.all(), key=lambda link: link.order)]
    parts = [
        f"{date} Author: {', '.join(b.display_name for b in bylines)}",
        article.title,
        *(p for p in paragraphs if p),
        *([signatures] if signatures else []),
        *(["Related articles:\n" + "\n".join(related)] if related else []),
    ]
    return "\n\n".join(parts) + "\n"


def main(argv=None):
    bench = ImportBench(options(argv))
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: sys.exit(128 + signum))
    try:
        bench.run()
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
