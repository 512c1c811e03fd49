"""
What a reader typed into the search box, made safe to run.

PostgreSQL parses the query itself (websearch_to_tsquery: "phrases", -exclusions,
OR); this module cleans the text first and reads the same syntax for what
PostgreSQL does not do: the SQLite fallback, matching author names and snippets.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from authors.names import matching_key

# Long enough for any real query; a 10,000-character paste costs no more than this.
MAX_LENGTH = 200
_TOKENS = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
_WORD = re.compile(r"\w", re.UNICODE)


def clean(text):
    """The query without control characters (NULs included), cut to MAX_LENGTH, spacing folded."""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in str(text or ""))
    return " ".join(text.split())[:MAX_LENGTH].strip()


@dataclass
class ParsedQuery:
    text: str = ""
    terms: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def __bool__(self):
        return bool(self.terms)

    def name_keys(self):
        """The wanted terms as author-name matching keys ("Кушхов" → "kushkhov")."""
        return [key for key in (matching_key(term) for term in self.terms) if len(key) >= 2]


def parse(raw):
    """Terms and excluded terms as websearch syntax reads them; punctuation-only terms are dropped."""
    text = clean(raw)
    parsed = ParsedQuery(text=text)
    for minus, phrase, word_minus, word in _TOKENS.findall(text):
        term, negated = (phrase, minus) if phrase or minus and not word else (word, word_minus)
        term = " ".join(term.split())
        if not _WORD.search(term) or term.lower() == "or":
            continue
        (parsed.excluded if negated else parsed.terms).append(term.strip("\"'.,;:!?()[]"))
    parsed.terms = [t for t in parsed.terms if t]
    parsed.excluded = [t for t in parsed.excluded if t]
    return parsed
