"""
The magazine's plain-text export: one article per file.

    17.11.2023 Author: Boris Kushhov

    Take two – Macron is tilting at windmills of “Continental Asia”

    The French President Emmanuel Macron’s tour of Central Asia … (paragraphs
    separated by blank lines)

    Boris Kushkhov, the Department for Korea and Mongolia at the Institute of
    Oriental Studies of the Russian Academy of Sciences, exclusively for the
    online magazine “New Eastern Outlook”.

    Related articles:
    Another article's title

The byline may say ``Автор:`` or ``Auteur :`` and list several names; the
signature (optional, one sentence per author or "A, …, and B, …") and the
related titles (optional, one per line) may be in Russian or French too.
"""

import datetime
import hashlib
import html
import re
import string
from pathlib import Path

from django.utils import timezone

from articles.models import Article
from authors.names import names_may_match

from . import ledger
from .affiliations import parse_affiliation
from .records import ArticleRecord, Credit
from .report import ImportFailure
from .source import check_line_lengths, decode_text
from .writer import OWNED_FIELDS, save_article

NAME = "plaintext"
EXTENSIONS = (".txt",)
# One article per file, typically 5–50 kB (the seed is 7 kB): a file this large is not one article's text.
MAX_BYTES = 2 * 1024 * 1024

# A plain-text file states the writer's fields and the credits, not tags (ledger.STATES, for exports).
ledger.owns(NAME, Article, ledger.State(tuple(OWNED_FIELDS), bylines=True))

_HEADER = re.compile(
    r"^(?P<date>(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}))\s+"
    r"(?P<label>authors?|авторы?|auteurs?)\s*:\s*(?P<names>.*)$",
    re.IGNORECASE,
)
_STARTS_WITH_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}(?!\d)")
_NAME_SEPARATOR = re.compile(r"\s*[,;&]\s*|\s+(?:and|и|et)\s+", re.IGNORECASE)
_RELATED = re.compile(
    r"^(?:related\s+articles|читайте\s+также|связанные\s+статьи|articles\s+liés)\s*:\s*(?P<rest>.*)$", re.IGNORECASE
)
# "…, exclusively for the online magazine “New Eastern Outlook”." and its Russian and French forms.
_EXCLUSIVE = re.compile(
    r",?\s*(?:exclusively\s+for|специально\s+для|exclusivement\s+pour)\s+[^“«\"„\n]{0,40}?"
    r"[“«\"„]\s*(?P<publication>[^”»\"“\n]+?)\s*[”»\"“]\s*\.?",
    re.IGNORECASE,
)
# Between two signed people: "A, …, and B, …" or "A and B, …".
_PERSON_JOIN = re.compile(r",?\s+(?:and|и|et|&)\s+|;\s+", re.IGNORECASE)
# After the signed name: "Boris Kushkhov, the Department …" or "Boris Kushkhov – the Department …".
_NAME_END = re.compile(r"\s*,\s*|\s+[–—-]\s+")
# More words than this and the "name" before the first comma is a sentence, not a signature.
MAX_NAME_WORDS = 6
_BULLET = re.compile(r"^(?:[-–—•*·]|\d+[.)])\s+")
_LETTERS = re.compile(r"[^\W\d_]+")
# The first bytes of U+0400–U+04FF in UTF-8, and every byte but a–z, A–Z.
_CYRILLIC_FIRST_BYTES = bytes(range(0xD0, 0xD4))
_NOT_LATIN_LETTERS = bytes(set(range(256)) - set(string.ascii_letters.encode()))


def sniff(path, head):
    """Plain text is the fallback: it takes whatever the formats tried before it did not claim."""
    return True


def import_file(path, data, ctx):
    """Import one plain-text file's bytes; the caller holds the transaction."""
    check_line_lengths(data)
    if len(data) > MAX_BYTES:
        raise ImportFailure(f"{len(data):,} bytes: larger than an article's text can be ({MAX_BYTES:,} at most)")
    record = parse(decode_text(data), source_ref=source_ref(path))
    record.source_hash = hashlib.sha256(data).hexdigest()
    return save_article(record, path, ctx)


def source_ref(path):
    """``"plaintext:000_8c4dc9fe3a0ef369.txt"``.

    The export names each file uniquely and the name travels with the file, so
    the same file imported from another folder or machine finds its article again.
    """
    return f"{NAME}:{Path(path).name}"


def parse(text, source_ref=""):
    """The :class:`ArticleRecord` a file's text describes; ImportFailure with a line number if none."""
    lines = [line.rstrip() for line in text.split("\n")]
    header_no, header = _header(lines)
    date = _date(header, header_no)
    byline = [name for name in _NAME_SEPARATOR.split(header["names"].strip()) if name]
    if not byline:
        raise ImportFailure(f'no author name after "{header["label"]}:"', header_no)

    blocks = _blocks(lines, start=header_no)  # [(line number, [lines])], split at blank lines
    headings = [i for i, (_, block) in enumerate(blocks) if _RELATED.match(block[0])]
    related_at = headings[-1] if headings else len(blocks)
    if related_at == 0:
        raise ImportFailure("no title after the date line", header_no)
    warnings = []
    (title_no, title_lines), body_blocks = blocks[0], blocks[1:related_at]
    title = title_lines[0].strip()
    if len(title_lines) > 1:
        warnings.append(f"line {title_no + 1}: no blank line after the title; the lines after it start the text")
        body_blocks.insert(0, (title_no + 1, title_lines[1:]))

    signatures = []
    while body_blocks and (people := _signature(" ".join(line.strip() for line in body_blocks[-1][1]), byline)):
        signatures[:0] = people
        body_blocks.pop()
    exclusive_to = signatures[0][2] if signatures else ""
    paragraphs = [" ".join(line.strip() for line in block) for _, block in body_blocks]
    if not paragraphs:
        warnings.append("the article has no text")

    return ArticleRecord(
        source_ref=source_ref,
        title=title,
        body="\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs),
        publish_at=timezone.make_aware(
            datetime.datetime.combine(date, datetime.time()), timezone.get_default_timezone()
        ),
        language=_language(header["label"], title, paragraphs),
        credits=_credits(byline, signatures, warnings),
        exclusive_to=exclusive_to,
        related_titles=_related_titles(blocks[related_at:]),
        warnings=warnings,
    )


def _header(lines):
    number, line = next(((n, line.strip()) for n, line in enumerate(lines, 1) if line.strip()), (1, ""))
    if match := _HEADER.match(line):
        return number, match
    if _STARTS_WITH_DATE.match(line):
        raise ImportFailure(f'no "Author:" after the date: "{_clip(line)}"', number)
    raise ImportFailure(f'no date line: expected "DD.MM.YYYY Author: Name", found "{_clip(line)}"', number)


def _date(header, line_no):
    try:
        return datetime.date(int(header["year"]), int(header["month"]), int(header["day"]))
    except ValueError:
        raise ImportFailure(f'impossible date "{header["date"]}"', line_no) from None


def _blocks(lines, start):
    blocks, current = [], None
    for number, line in enumerate(lines[start:], start + 1):
        if not line.strip():
            current = None
        elif current is None or _RELATED.match(line):
            current = (number, [line])
            blocks.append(current)
        else:
            current[1].append(line)
    return blocks


def _signature(text, byline):
    """[(name, affiliation, publication)] if ``text`` is a signature paragraph, else []."""
    matches = list(_EXCLUSIVE.finditer(text))
    if not matches or text[matches[-1].end() :].strip():
        return []
    people, start = [], 0
    for match in matches:
        sentence = text[start : match.start()].strip(" .")
        start = match.end()
        if not sentence:
            return []
        people += [(name, affiliation, match["publication"]) for name, affiliation in _people(sentence, byline)]
    return people


def _people(sentence, byline):
    """[(name, affiliation)] for "A, X at Y", "A, X, and B, Z" or "A and B, X"."""
    pieces, start = [], 0
    for join in _PERSON_JOIN.finditer(sentence):
        following = sentence[join.end() :].split(",")[0].strip()
        # Only where a byline name follows: "Department for Korea and Mongolia" is one unit.
        if len(byline) > 1 and any(names_may_match(following, name) for name in byline):
            pieces.append(sentence[start : join.start()])
            start = join.end()
    pieces.append(sentence[start:])
    people = [_name_and_affiliation(piece) for piece in pieces]
    # "A and B, researchers at …": A shares the affiliation that follows.
    for i in range(len(people) - 2, -1, -1):
        if not people[i][1]:
            people[i] = (people[i][0], people[i + 1][1])
    return people


def _name_and_affiliation(piece):
    parts = _NAME_END.split(piece.strip(" ,"), maxsplit=1)
    name, affiliation = parts if len(parts) == 2 else (parts[0], "")
    return name.strip(), affiliation.strip(" ,")


def _looks_like_name(name):
    return len(name.split()) <= MAX_NAME_WORDS and not any(c.isdigit() for c in name)


def _credits(byline, signatures, warnings):
    """A Credit per byline name, with the signature of the same person when there is one."""
    for name, *_ in signatures:
        if not _looks_like_name(name):
            warnings.append(f'cannot read a name at the start of the signature "{_clip(name)}"; it was left out')
    signatures = [signature for signature in signatures if _looks_like_name(signature[0])]
    paired = dict(enumerate(signatures)) if len(signatures) == len(byline) else {}
    if signatures and not paired:
        # Different counts: pair by name, and say which signature matched no one.
        for name, affiliation, publication in signatures:
            index = next(
                (i for i, printed in enumerate(byline) if i not in paired and names_may_match(name, printed)), None
            )
            if index is None:
                warnings.append(f'the signature of "{name}" matches no name in the byline; it was left out')
            else:
                paired[index] = (name, affiliation, publication)
    credits = []
    for index, printed in enumerate(byline):
        name, affiliation, _ = paired.get(index, ("", "", ""))
        parts = parse_affiliation(affiliation)
        credits.append(
            Credit(
                printed_name=printed,
                signature_name=name,
                affiliation=affiliation,
                degree=parts.degree,
                position=parts.position,
                units=parts.units,
            )
        )
    return credits


def _language(label, title, paragraphs):
    text = title + "".join(paragraphs)
    # Counted in C on the UTF-8 bytes, not by regular expressions (a 7 kB article is 7,000 characters): a
    # Cyrillic letter is two bytes, the first 0xD0–0xD3, which no other character has. All letters only when
    # the Latin ones alone do not already outnumber the Cyrillic twice (an English article quoting Russian).
    encoded = text.encode(errors="surrogatepass")
    cyrillic = len(encoded) - len(encoded.translate(None, _CYRILLIC_FIRST_BYTES))
    latin = len(encoded.translate(None, _NOT_LATIN_LETTERS))
    if cyrillic and cyrillic * 2 > latin and cyrillic * 2 > sum(map(len, _LETTERS.findall(text))):
        return "ru"
    return "fr" if label.lower().startswith("auteur") else "en"


def _related_titles(blocks):
    if not blocks:
        return []
    (_, first), *rest = blocks
    lines = [_RELATED.match(first[0])["rest"], *first[1:]]
    for _, block in rest:
        lines += block
    titles = [_BULLET.sub("", line.strip()).strip() for line in lines]
    return list(dict.fromkeys(title for title in titles if title))


def _clip(text, length=60):
    return text if len(text) <= length else text[: length - 1] + "…"
