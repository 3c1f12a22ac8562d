"""The language people read CongVu's messages in: Vietnamese, or English when they prefer it.

`Accept-Language` (RFC 9110 §12.5.4) decides, with its q-values: English when the caller
weighs English (`en`, `en-US`, `en-GB`, …) above Vietnamese, and Vietnamese otherwise,
with no header, or for any language CongVu does not speak. Of two equal weights, the range
named first wins (`en, vi` is English); a wildcard weighs both alike (`*` is Vietnamese).
"""

import re
from enum import StrEnum

from starlette.requests import HTTPConnection

HEADER = "accept-language"
# A language range and its weight: `en-US`, `*`, `vi;q=0.8` (other parameters are ignored).
_RANGE = re.compile(r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;(.*))?")
_WEIGHT = re.compile(r"\s*[qQ]\s*=\s*(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)\s*")
# Browsers send a handful of ranges; more than this is not a preference but noise.
_MAX_RANGES = 32


class Language(StrEnum):
    """The languages CongVu writes its messages in."""

    VI = "vi"
    EN = "en"


DEFAULT = Language.VI


def _weight(parameters: str | None) -> float | None:
    """Return the q-value of a range's parameters (1 when absent); None if it is malformed."""
    if parameters is None:
        return 1.0
    for parameter in parameters.split(";"):
        if parameter.strip().lower().startswith("q"):
            found = _WEIGHT.fullmatch(parameter)
            return float(found.group(1)) if found else None
    return 1.0


def negotiate(accept_language: str | None) -> Language:
    """Return the language to answer a caller who sent `accept_language` (or nothing) in."""
    if not accept_language:
        return DEFAULT
    # Per language: its weight, and how early it was named (earlier wins a tie).
    best: dict[Language | None, tuple[float, int]] = {}
    for position, element in enumerate(accept_language.split(",")[:_MAX_RANGES]):
        found = _RANGE.fullmatch(element)
        weight = _weight(found.group(2)) if found else None
        if found is None or weight is None:
            continue
        primary = found.group(1).split("-", 1)[0].lower()
        language = None if primary == "*" else _known(primary)
        if language is None and primary != "*":
            continue
        rank = (weight, -position)
        best[language] = max(best.get(language, rank), rank)
    anything = best.get(None, (0.0, 0))
    english = best.get(Language.EN, anything)
    vietnamese = best.get(Language.VI, anything)
    return Language.EN if english[0] > 0 and english > vietnamese else Language.VI


def _known(primary: str) -> Language | None:
    try:
        return Language(primary)
    except ValueError:
        return None


def language_of(connection: HTTPConnection) -> Language:
    """Return the language a request asks to be answered in."""
    return negotiate(connection.headers.get(HEADER))
