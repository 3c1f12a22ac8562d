"""Text as users give it: NFC-normalised Unicode, Vietnamese kept exactly."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def nfc(value: str) -> str:
    """Return `value` in Unicode normal form C."""
    return unicodedata.normalize("NFC", value)


# Input text: outer whitespace stripped, NFC-normalised; set length limits with Field().
NfcText = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(nfc)]
