"""Text as users give it: the field kinds of every request, and folding for search.

`Code`, `Name` and `FreeText` (and `Subject`, a code of at most 255 characters) normalise
first and check after: NFC, outer whitespace stripped, then the characters the kind refuses,
then the field's length limits. The rules live in `contracts.text`, which request bodies
nested in events share; docs/api-rules.md has the table.
"""

import unicodedata

from contracts.text import MAX_SUBJECT_LENGTH, Code, FreeText, Name, Subject, is_subject, nfc

__all__ = [
    "MAX_SUBJECT_LENGTH",
    "Code",
    "FreeText",
    "Name",
    "Subject",
    "fold",
    "is_subject",
    "nfc",
]


def fold(value: str) -> str:
    """Return `value` without diacritics, lower-cased, spaces collapsed: "Hạ Long" -> "ha long"."""
    # Never longer than the NFC text it folds, so it fits the column of the text it indexes.
    decomposed = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Recompose what NFD split into letters that are not marks (Hangul syllables, for one).
    return " ".join(unicodedata.normalize("NFC", stripped).lower().split())
