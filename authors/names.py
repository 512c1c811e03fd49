"""
Matching keys for people's names, and finding the author a printed name belongs to.

The same author is printed as "Boris Kushhov", "Boris Kushkhov", "BORIS KUSHKHOV"
and "Борис Кушхов". ``matching_key`` folds away what never distinguishes two
people (case, accents, punctuation, spacing, Cyrillic vs Latin script), so an
exact key match is a confident match. ``names_may_match`` and ``closeness`` go
further (another transliteration, a typo in the surname, scored with Jaro–Winkler):
a near miss that an editor should look at, never grounds to merge two authors
without asking (authors.merge records it as a PossibleDuplicate).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz.distance import Indel, JaroWinkler

if TYPE_CHECKING:
    from .models import Author

# Scholarly-practical romanisation (close to BGN/PCGN), which is how the magazine's
# English pages spell Russian names: х → kh, ц → ts, щ → shch.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip
_TRANSLIT = str.maketrans(_CYRILLIC)


def transliterate(text):
    """Latin letters for Cyrillic ones; other characters unchanged (lower-cases the text)."""
    return text.lower().translate(_TRANSLIT)


@lru_cache(maxsize=65536)
def normalize_name(name):
    """The spelling with case, punctuation and spacing folded, script and accents kept.

    Two variants of one author must differ by more than this: "Boris  Kushkhov."
    and "BORIS KUSHKHOV" are one spelling; "Борис Кушхов" is another.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


# Importers compare every unknown name with every known one: the keys are worth remembering.
@lru_cache(maxsize=65536)
def matching_key(name):
    """ "Борис  Кушхов" and "boris kushkhov" give the same key: ``"boris kushkhov"``."""
    text = transliterate(normalize_name(name))
    # Strip accents: "Lévy" matches "Levy".
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.split())


# Spelling differences that transliteration schemes and typists produce for one
# sound; folding them gives the "loose" key that flags a possible duplicate.
# Order matters: "tch" before "tc", "ye"/"yo" before "y"; y/j → i makes
# ya/ia/ja, yu/iu/ju and y/iy/ij one spelling once doubled letters collapse.
_LOOSE_RULES = [
    ("tch", "ch"),
    ("sch", "sh"),
    ("kh", "h"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("x", "ks"),
    ("w", "v"),
    ("tc", "c"),
    ("ts", "c"),
    ("tz", "c"),
    ("ye", "e"),
    ("yo", "e"),
    ("j", "i"),
    ("y", "i"),
]
_DOUBLED = re.compile(r"(\w)\1+")
# From these Jaro–Winkler and Indel similarities (0–1) on, two surnames after the same
# first name look like one person. Jaro–Winkler alone rewards a shared beginning too
# much: "Ivanov" and "Ivanenko" score 0.89 on it but only 0.71 on Indel.
SURNAME_JARO_WINKLER = 0.9
SURNAME_INDEL = 0.8


@lru_cache(maxsize=65536)
def loose_key(name):
    """ "Yuriy Kushkhov" and "Iouri Kushhov" give the same loose key: ``"iuri kushov"``."""
    text = matching_key(name)
    for spelling, sound in _LOOSE_RULES:
        text = text.replace(spelling, sound)
    return _DOUBLED.sub(r"\1", text)


def names_may_match(a, b):
    """Whether two printed names may belong to one person: same key, or a near miss."""
    return closeness(a, b) is not None


def closeness(a, b):
    """``(score, reason)`` when two printed names may belong to one person, else None.

    The score is the Jaro–Winkler similarity (0–1) of the names' matching keys, or
    of their loose keys when that is higher; 1.0 means the same matching key. A
    near miss is the same loose key, the same words in another order, or the same
    first name (or its initial) with a surname similar enough (SURNAME_*).
    """
    key_a, key_b = matching_key(a), matching_key(b)
    if not key_a or not key_b:
        return None
    if key_a == key_b:
        return 1.0, "the same name in another script or case"
    loose_a, loose_b = loose_key(a), loose_key(b)

    def score():
        return round(max(JaroWinkler.similarity(key_a, key_b), JaroWinkler.similarity(loose_a, loose_b)), 3)

    if loose_a == loose_b:
        return score(), f"the same name in another transliteration ({loose_a})"
    if sorted(loose_a.split()) == sorted(loose_b.split()):
        return score(), "the same words in another order"
    words_a, words_b = key_a.split(), key_b.split()
    if len(words_a) < 2 or len(words_b) < 2 or not _same_first_name(words_a[0], words_b[0]):
        return None
    surname_score = _surname_similarity(words_a[-1], words_b[-1])
    if surname_score is None:
        return None
    return score(), f"the same first name and a surname {surname_score:.0%} similar"


def _same_first_name(a, b):
    if len(a) == 1 or len(b) == 1:  # an initial: "B. Kushkhov"
        return a[0] == b[0]
    return a == b or loose_key(a) == loose_key(b)


def _surname_similarity(a, b):
    """The Jaro–Winkler similarity of two surnames when both measures find them close, else None."""
    pairs = [(a, b), (loose_key(a), loose_key(b))]
    jaro_winkler = max(JaroWinkler.similarity(x, y) for x, y in pairs)
    indel = max(Indel.normalized_similarity(x, y) for x, y in pairs)
    if jaro_winkler >= SURNAME_JARO_WINKLER and indel >= SURNAME_INDEL:
        return jaro_winkler
    return None


@dataclass(frozen=True)
class NameMatch:
    """What is known about a printed name: the author it certainly is, or who it might be."""

    # The author one of the spellings' matching keys belongs to; None when no key is known.
    author: "Author | None" = None
    # With an author: other authors sharing that key (namesakes). Without: near misses.
    candidates: tuple = ()

    @property
    def confident(self):
        return self.author is not None


class AuthorIndex:
    """Every known spelling of every author, loaded in one query, for resolving many names.

    An importer keeps one for a whole run, ``add``s the names it records and calls
    ``reset`` when a transaction it wrote in is rolled back, so that what the index
    holds is always what the database holds.
    """

    def __init__(self):
        self._by_key = None

    def find(self, *spellings):
        """The author of the first of ``spellings`` whose matching key is known, else
        the authors with a spelling that ``names_may_match`` one of these."""
        self._load()
        for spelling in spellings:
            if authors := self.named(spelling):
                return NameMatch(authors[0], tuple(authors[1:]))
        near = {}
        for key in set().union(*map(self._maybe_near, spellings)):
            if any(names_may_match(spelling, key) for spelling in spellings):
                near.update(self._by_key[key])
        return NameMatch(None, tuple(sorted(near.values(), key=lambda a: a.pk)))

    def _maybe_near(self, spelling):
        """The known keys that ``names_may_match`` can accept for ``spelling`` (and a few it will not), not every
        key known: those sharing a bucket with it (``_buckets``)."""
        if not matching_key(spelling):
            return set()
        return set().union(*(self._near.get(bucket, ()) for bucket in _buckets(spelling)))

    def named(self, name):
        """The authors with a spelling whose matching key is ``name``'s, oldest first."""
        self._load()
        return sorted(self._by_key.get(matching_key(name), {}).values(), key=lambda a: a.pk)

    def add(self, author, name, kind="byline"):
        """Record ``name`` as a variant of ``author`` in the database (if new) and the index."""
        self._load()
        spelling = (author.pk, normalize_name(name))
        if spelling not in self._spellings:
            author.add_name(name, kind)
            self._spellings.add(spelling)
            self._keep(matching_key(name), author)

    def create(self, name, kind="byline"):
        """A new author called ``name``, with ``name`` recorded as a variant of ``kind``."""
        from .models import Author, AuthorName

        author = Author.objects.create(name=name)
        # Author.save() records the canonical name as a byline; say where it came from.
        if kind != AuthorName.Kind.BYLINE:
            author.names.filter(normalized=normalize_name(name)).update(kind=kind)
        if self._by_key is not None:
            self._keep(matching_key(name), author)
            self._spellings.add((author.pk, normalize_name(name)))
        return author

    def reset(self):
        """Forget everything; the next lookup reloads from the database."""
        self._by_key = None

    def _load(self):
        if self._by_key is not None:
            return
        from .models import AuthorName

        self._by_key, self._spellings, self._near = {}, set(), {}
        for variant in AuthorName.objects.select_related("author"):
            self._keep(variant.key, variant.author)
            self._spellings.add((variant.author_id, variant.normalized))

    def _keep(self, key, author):
        if key not in self._by_key:
            for bucket in _buckets(key):
                self._near.setdefault(bucket, set()).add(key)
        self._by_key.setdefault(key, {})[author.pk] = author


def _buckets(name):
    """Where ``name`` is filed for near misses. Two names ``closeness`` finds close share one: the same loose key,
    the same loose words in another order, or, with a surname, a first name that may be the same one (the same
    first letter, which an initial needs, or the same loose key)."""
    words = matching_key(name).split()
    buckets = [("loose", loose_key(name)), ("words", *sorted(loose_key(name).split()))]
    if len(words) > 1:
        buckets += [("initial", words[0][0]), ("first", loose_key(words[0]))]
    return buckets


def find_author(name):
    """The author printed as ``name``, as a :class:`NameMatch`.

    One query when the name is known; a scan of all names when it is not. To
    resolve many names, keep an :class:`AuthorIndex` instead.
    """
    from .models import AuthorName

    variants = AuthorName.objects.filter(key=matching_key(name)).select_related("author").order_by("author_id")
    authors = list({v.author_id: v.author for v in variants}.values())
    if authors:
        return NameMatch(authors[0], tuple(authors[1:]))
    return AuthorIndex().find(name)
