"""Text as users give it: NFC-normalised Unicode, Vietnamese kept exactly."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def nfc(value: str) -> str:
    """Return `value` in Unicode normal form C."""
    return unicodedata.normalize("NFC", value)


# Input text: outer whitespace stripped, NFC-normalised; set length limits with Field().
NfcText = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(nfc)]


def fold(value: str) -> str:
    """Return `value` without diacritics, lower-cased, spaces collapsed: "Hạ Long" -> "ha long"."""
    decomposed = unicodedata.normalize("NFD", value.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())
