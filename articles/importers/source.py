"""Finding the files to import and turning their bytes into text."""

import os
import re
from pathlib import Path

from .report import ImportFailure

# Share of control characters from which a file is taken for binary, not text.
BINARY_CONTROL_SHARE = 0.1
# A paragraph of an article is a few thousand characters; a line a hundred times longer is not text to import.
MAX_LINE_BYTES = 200_000
_WORD = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Unicode's control characters (category Cc) but line ends, tabs and form feeds.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]+")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0D, 0x20), 0x7F])


def collect_files(paths, extensions):
    """The files named in ``paths``, with folders searched recursively for ``extensions``, each folder's files
    in sorted order; a generator, so that a run does not hold every name of a large archive (a folder's names
    at a time only). Raises FileNotFoundError for a missing path, at once."""
    missing = [str(path) for path in paths if not Path(path).exists()]
    if missing:
        raise FileNotFoundError(f"No such file or folder: {', '.join(missing)}")
    return _files(list(map(Path, paths)), extensions)


def _files(paths, extensions):
    # A file named twice, or inside a folder named before it, is imported once: looked up among the paths
    # named so far by its own path and its parents', not compared with each (a shell glob names thousands).
    named = set()
    for path in paths:
        resolved = path.resolve()
        if _within(resolved, named):
            continue
        found = _walk(path, extensions) if path.is_dir() else [path]
        for file in found:
            if not named or not _within(file.resolve(), named):
                yield file
        named.add(resolved)


def _within(file, named):
    return file in named or not named.isdisjoint(file.parents)


def _walk(folder, extensions):
    """The files of ``folder`` and its subfolders whose suffix is in ``extensions``, in the order of their
    paths sorted (as ``sorted(folder.rglob("*"))`` gives them)."""
    # Names only, sorted: a folder of 10,000 files holds 10,000 short strings while it is read, not their paths.
    for name in sorted(os.listdir(folder)):
        path = folder / name
        if path.is_dir():
            yield from _walk(path, extensions)
        elif os.path.splitext(name)[1].lower() in extensions and path.is_file():
            yield path


def check_line_lengths(data, limit=MAX_LINE_BYTES):
    """Raise ImportFailure, naming the line, when a line of ``data`` (bytes) is longer than ``limit`` bytes:
    found by searching for line ends, without splitting or decoding (a copy of a huge file)."""
    start, number = 0, 1
    while start <= len(data):
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        if end - start > limit:
            raise ImportFailure(f"line longer than {limit:,} bytes ({end - start:,}): not article text", number)
        start, number = end + 1, number + 1


def decode_text(data):
    """The text of ``data``, with ``\\n`` line ends.

    UTF-8 (with or without a byte-order mark) is tried strictly first; older
    Russian exports are Windows-1251. Raises ImportFailure for binary or empty files.
    """
    utf8 = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(data, "utf-16")
    else:
        if b"\x00" in data:
            line = data[: data.index(b"\x00")].count(b"\n") + 1
            raise ImportFailure("binary file (NUL byte), not text", line)
        try:
            text, utf8 = data.decode("utf-8-sig"), data
        except UnicodeDecodeError:
            text = _decode(data, "cp1251")
            if _looks_like_western(text):
                text = _decode(data, "cp1252")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportFailure("empty file", 1)
    if _too_many_controls(text, utf8):
        raise ImportFailure("binary file (mostly control characters), not text", 1)
    return text


def _too_many_controls(text, utf8=None):
    limit = BINARY_CONTROL_SHARE * len(text)
    # At most this many first, counted in C on the UTF-8 bytes the text came from, if it did: a control
    # character is one byte there (C0, DEL) or two starting with 0xC2 (C1). Enough for nearly every file.
    if utf8 is not None and len(utf8) - len(utf8.translate(None, _CONTROL_BYTES)) + utf8.count(b"\xc2") <= limit:
        return False
    return sum(map(len, _CONTROLS.findall(text))) > limit


def _decode(data, encoding):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailure(f"neither UTF-8 nor {encoding} text (byte {data[exc.start]:#04x})", line) from exc


def _looks_like_western(text):
    """Whether Windows-1251 text is really Windows-1252: "Jйrфme" instead of "Jérôme".

    Real Russian text keeps Cyrillic and Latin letters in separate words.
    """
    cyrillic_words = [w for w in _WORD.findall(text) if _CYRILLIC.search(w)]
    mixed = [w for w in cyrillic_words if _LATIN.search(w)]
    return bool(cyrillic_words) and len(mixed) * 2 > len(cyrillic_words)
