"""
Matching keys for people's names.

The same author is printed as "Boris Kushhov", "Boris Kushkhov", "BORIS KUSHKHOV"
and "Борис Кушхов". ``matching_key`` folds away what never distinguishes two
people (case, accents, punctuation, spacing, Cyrillic vs Latin script), so an
exact key match is a confident match.
"""

import re
import unicodedata

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


def matching_key(name):
    """"Борис  Кушхов" and "boris kushkhov" give the same key: ``"boris kushkhov"``."""
    text = transliterate(unicodedata.normalize("NFKC", name))
    # Strip accents: "Lévy" matches "Levy".
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())
