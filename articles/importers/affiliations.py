"""
Reading a printed affiliation: degree, position and the chain of institutions.

"PhD in History, senior research fellow at the Center for Korean Studies of
the Institute of Oriental Studies of the Russian Academy of Sciences" gives the
degree "PhD in History", the position "senior research fellow" and the units
Center for Korean Studies → Institute of Oriental Studies → Russian Academy of
Sciences. It is a best effort on English, French and Russian wording; editors
correct the rest in the admin.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from authors.models import Institution

Kind = Institution.Kind

# Words naming a kind of institution, in the order they are tried. Russian words
# are stems, as the chain puts them in the genitive: "Института востоковедения".
_KIND_WORDS = [
    (Kind.DEPARTMENT, "department|centre|center|sector|division|laboratory|laboratories|lab|chair|faculty|section"),
    (Kind.DEPARTMENT, "département|faculté|laboratoire|chaire"),
    (Kind.DEPARTMENT, "(?:отдел|отделени|центр|сектор|кафедр|факультет|лаборатори)[а-яё]{0,3}"),
    (Kind.INSTITUTE, "institute|institut|институт[а-яё]{0,3}"),
    (Kind.ACADEMY, "academy|académie|academies|ras|академи[а-яё]{0,3}|ран"),
    (Kind.UNIVERSITY, "university|université|universities|college|mgimo|университет[а-яё]{0,3}|мгимо"),
    (
        Kind.THINK_TANK,
        "council|foundation|fund|club|fondation|conseil|совет[а-яё]{0,3}|фонд[а-яё]{0,3}|клуб[а-яё]{0,3}",
    ),
    (Kind.GOVERNMENT, "ministry|agency|embassy|ministère|министерств[а-яё]{0,3}|посольств[а-яё]{0,3}"),
    # A school is a faculty inside a university and a university on its own.
    (None, "school|école|школ[а-яё]{0,3}"),
]
_KIND = [(kind, re.compile(rf"(?<!\w)(?:{words})s?(?!\w)", re.IGNORECASE)) for kind, words in _KIND_WORDS]
_DEGREE = re.compile(
    r"^(?:ph\.?\s?d\b|d\.?\s?sc\b|dr\b|doctor\s+of|candidate\s+of|m\.?a\b|m\.?sc\b|"
    r"docteur|doctorant|кандидат|доктор|к\.\s?\w+\.\s?н\.|д\.\s?\w+\.\s?н\.)",
    re.IGNORECASE,
)
# Where one unit of a chain ends and the next begins. "at" always starts a new
# unit; "of", "de" and commas only when what follows names an institution.
_AT = r"at(?:\s+the)?|à(?:\s+la)?|au|aux"
_OF = r"of(?:\s+the)?|de(?:\s+la|\s+l['’]|s)?|du|d['’]"
_CONNECTOR = re.compile(rf"(,\s+|\s+(?:{_AT})\s+|\s+à\s+l['’]|\s+(?:{_OF})(?:\s+|(?<=['’])))", re.IGNORECASE)
_AT_CONNECTOR = re.compile(rf"^\s+(?:{_AT})\s+$|^\s+à\s+l['’]$", re.IGNORECASE)
# Russian chains have no prepositions: "Отдел Кореи Института востоковедения Российской
# академии наук". A unit starts at a word naming a kind, or at the adjectives before it.
_RUSSIAN_ADJECTIVE = re.compile(r"(?:[ыио]й|[ая]я|[оеё]е|[оеё]го|[оеё]му|[оеё]й|[ыи]х|[ыи]м|[ыи]ми)$", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|l['’]|la|le|les)\s*(?=\S)", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str


@dataclass
class AffiliationParts:
    degree: str = ""
    position: str = ""
    units: list = field(default_factory=list)  # innermost first: department, institute, academy


def parse_affiliation(text):
    """Split a printed affiliation into :class:`AffiliationParts`."""
    degree, position, units = _parsed(text)
    return AffiliationParts(degree, position, list(units))


# An author signs with the same affiliation article after article: each is read once per run, or nearly.
@lru_cache(maxsize=4096)
def _parsed(text):
    parts = AffiliationParts()
    pieces = [p.strip() for p in text.strip().strip(".,;").split(",")]
    degrees, positions = [], []
    while pieces:
        piece = pieces[0]
        if _DEGREE.match(piece):
            degrees.append(piece)
        elif not _names_kind(piece) and not _starts_chain(piece):
            positions.append(piece)
        else:
            break
        pieces.pop(0)
    units = _split_chain(", ".join(pieces)) if pieces else []
    if units and not _names_kind(units[0]) and not _ARTICLE.match(units[0]):
        positions.append(units.pop(0))
    parts.degree = ", ".join(degrees)
    parts.position = ", ".join(positions)
    for depth, name in enumerate(units):
        name = _ARTICLE.sub("", name).strip(" .,;")
        kind = _kind_of(name, outermost=depth == len(units) - 1)
        parts.units.append(Unit(name[:1].upper() + name[1:], kind))
    return parts.degree, parts.position, tuple(parts.units)


def _starts_chain(piece):
    return bool(_ARTICLE.match(piece) or _CONNECTOR.search(piece) and not _CONNECTOR.match(piece))


def _split_chain(text):
    if re.search(r"[А-Яа-яЁё]", text) and not re.search(r"[A-Za-z]", text):
        return _split_russian_chain(text)
    tokens = _CONNECTOR.split(text)
    units = [tokens[0]]
    for connector, piece in zip(tokens[1::2], tokens[2::2], strict=True):
        if _AT_CONNECTOR.match(connector) or _names_kind(piece):
            units.append(piece)
        else:
            units[-1] += connector + piece
    return units


def _split_russian_chain(text):
    words = text.split()
    starts = set()
    for i, word in enumerate(words):
        if i and _names_kind(word):
            start = i
            while start > 1 and _RUSSIAN_ADJECTIVE.search(words[start - 1]) and not _names_kind(words[start - 1]):
                start -= 1
            starts.add(start)
    bounds = [0, *sorted(starts), len(words)]
    return [" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def _names_kind(text):
    return any(pattern.search(text) for _, pattern in _KIND)


def _kind_of(name, outermost):
    for kind, pattern in _KIND:
        if pattern.search(name):
            if kind is None:
                return Kind.UNIVERSITY if outermost else Kind.DEPARTMENT
            return kind
    return Kind.OTHER
