"""Text as people give it: NFC-normalised, stripped, and free of characters that hide or break it.

Every text field of a request is one of three kinds (docs/api-rules.md has the table):

- `Code`: identifiers and official numbers (dossier codes, plan numbers, sign-in subjects):
  one line of visible characters, ordinary spaces only.
- `Name`: names and titles: one line of visible characters.
- `FreeText`: comments, descriptions, reasons: lines and tabs kept, line ends made `\\n`;
  text that shows nothing (spaces, line breaks, zero-width characters only) becomes empty.

None accepts control characters (NUL, ESC, DEL, C1), lone surrogates or the bidi controls
that reorder the text after them. Text is normalised before any check, so a length limit
(`Field(max_length=...)`) holds for the text as stored, however NFC changed its length.
"""

import unicodedata
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

MAX_SUBJECT_LENGTH = 255

# Bidi embeddings, overrides and isolates: they reorder what follows them on screen.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Controls, format characters (zero-width, bidi, BOM, soft hyphen), surrogates, line breaks.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def nfc(value: str) -> str:
    """Return `value` in Unicode normal form C."""
    return unicodedata.normalize("NFC", value)


def _refused_in_code(char: str) -> bool:
    category = unicodedata.category(char)
    return category in _INVISIBLE or (category == "Zs" and char != " ")


def _refused_in_name(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE


def _refused_in_free_text(char: str) -> bool:
    if char in "\t\n":
        return False
    return char in BIDI_CONTROLS or unicodedata.category(char) in {"Cc", "Cs"}


def _first_refused(value: str, refused: Callable[[str], bool]) -> str | None:
    # Printable text (no Cc, Cf, Cs, Zl, Zp, nor a space but U+0020) passes every kind:
    # checked at C speed, as nearly all text is; the rest is looked at one character at a time.
    if value.isprintable():
        return None
    return next((char for char in value if refused(char)), None)


def _blank(value: str) -> bool:
    # Only spaces, line breaks and format characters (zero-width space, joiners, BOM, marks).
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in value)


def _cleaner(
    refused: Callable[[str], bool], kind: str, kind_vi: str, *, lines: bool = False
) -> Callable[[Any], Any]:
    def clean(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the str schema answers with its own type error
        if lines:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = nfc(value).strip()
        probe = value.replace("\n", " ").replace("\t", " ") if lines else value
        char = _first_refused(probe, refused)
        if char is not None:
            raise PydanticCustomError(
                "text_character",
                "Character {character} is not allowed in {kind}",
                # `kind_vi` names the kind in the Vietnamese message (servicekit.messages).
                {"character": f"U+{ord(char):04X}", "kind": kind, "kind_vi": kind_vi},
            )
        # Names and codes refuse invisible characters; text that keeps them may hold nothing
        # else, and is then as empty as a text of spaces: a required one is refused.
        if lines and _blank(value):
            return ""
        return value

    return clean


# Length limits go on the field, e.g. `name: Name = Field(max_length=255)`.
Code = Annotated[str, BeforeValidator(_cleaner(_refused_in_code, "a code", "mã"))]
Name = Annotated[str, BeforeValidator(_cleaner(_refused_in_name, "a name", "tên"))]
FreeText = Annotated[
    str, BeforeValidator(_cleaner(_refused_in_free_text, "text", "văn bản", lines=True))
]
# The `sub` a person's or system's sign-in token names them by.
Subject = Annotated[Code, Field(min_length=1, max_length=MAX_SUBJECT_LENGTH)]


def is_subject(value: object) -> bool:
    """Tell whether `value` is a usable subject, exactly as a `Subject` field would store it."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= MAX_SUBJECT_LENGTH
        and value == nfc(value).strip()
        and _first_refused(value, _refused_in_code) is None
    )
