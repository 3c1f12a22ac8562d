"""Input bounds shared by every service: text kinds, times, cursors, subjects."""

import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from contracts.plans import ChecklistCategory, TeamMember
from servicekit.access import (
    Identity,
    Role,
    Unauthenticated,
    mint_identity_token,
    verify_identity_token,
)
from servicekit.errors import _field_errors
from servicekit.idempotency import MAX_OWNER_LENGTH, _fitting
from servicekit.pagination import InvalidCursor, SortKey, _after, _column_value
from servicekit.sqltypes import UTCDateTime
from servicekit.text import Code, FreeText, Name, Subject, fold, is_subject, nfc
from servicekit.times import Instant, Years, within_years

GROWS = "\ufb2c"  # one code point, three once NFC-normalised
assert len(nfc(GROWS)) == 3


class Form(BaseModel):
    code: Code = Field(max_length=6)
    name: Name = Field(min_length=1, max_length=6)
    text: FreeText = Field(max_length=6)
    optional_name: Name | None = Field(default=None, min_length=1, max_length=6)
    optional_text: FreeText | None = Field(default=None, max_length=6)
    subject: Subject = "an"
    nested: Annotated[Name, Field(max_length=6)] = "x"
    pattern: Code = Field(default="A", pattern=r"^[A-Z]+$")
    long_name: Name | None = None
    long_text: FreeText | None = None


VALID = {"code": "A-1", "name": "Hạ", "text": "Dòng"}


def errors(**fields: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as raised:
        Form.model_validate(VALID | fields)
    return [(e["loc"], e["type"]) for e in raised.value.errors()]


@pytest.mark.parametrize(
    "field", ["code", "name", "text", "optional_name", "optional_text", "nested"]
)
def test_a_limit_holds_for_the_normalised_text(field: str) -> None:
    # Two code points as sent, nine once normalised: over the limit of six.
    [(loc, kind)] = errors(**{field: GROWS * 3})
    assert (loc, kind in {"string_too_long", "too_long"}) == ((field,), True)
    assert getattr(Form.model_validate(VALID | {field: GROWS * 2}), field) == nfc(GROWS * 2)


@pytest.mark.parametrize("field", ["code", "name", "text", "optional_name", "optional_text"])
def test_text_is_stripped_and_nfc_normalised_before_its_limit(field: str) -> None:
    decomposed = unicodedata.normalize("NFD", "Hạ Lộ")
    assert len(decomposed) > 6
    form = Form.model_validate(VALID | {field: f"  {decomposed}\n "})
    assert getattr(form, field) == "Hạ Lộ"


def test_a_blank_name_is_too_short_once_stripped() -> None:
    assert errors(name="   ") == [(("name",), "string_too_short")]
    assert errors(optional_name=" \u3000 ") == [(("optional_name",), "too_short")]


def test_a_pattern_applies_to_the_normalised_code() -> None:
    assert Form.model_validate(VALID | {"pattern": " ABC "}).pattern == "ABC"
    assert errors(pattern="AB C") == [(("pattern",), "string_pattern_mismatch")]


NEVER = {
    "nul": "\u0000",
    "bell": "\u0007",
    "escape": "\u001b",
    "vertical-tab": "\u000b",
    "delete": "\u007f",
    "c1-next-line": "\u0085",
    "c1-csi": "\u009b",
    "surrogate": "\ud800",
    "lre": "\u202a",
    "rlo": "\u202e",
    "lri": "\u2066",
    "pdi": "\u2069",
}
ONE_LINE = {
    "newline": "\n",
    "carriage-return": "\r",
    "tab": "\t",
    "zwsp": "\u200b",
    "zwnj": "\u200c",
    "zwj": "\u200d",
    "lrm": "\u200e",
    "rlm": "\u200f",
    "word-joiner": "\u2060",
    "bom": "\ufeff",
    "soft-hyphen": "\u00ad",
    "alm": "\u061c",
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
    "tag": "\U000e0041",
}


@pytest.mark.parametrize("char", list(NEVER.values()), ids=list(NEVER))
@pytest.mark.parametrize("field", ["code", "name", "text", "optional_name", "optional_text"])
def test_no_text_takes_controls_surrogates_or_bidi_controls(field: str, char: str) -> None:
    assert errors(**{field: f"a{char}b"}) == [((field,), "text_character")]


@pytest.mark.parametrize("char", list(ONE_LINE.values()), ids=list(ONE_LINE))
@pytest.mark.parametrize("field", ["code", "name", "optional_name", "subject"])
def test_codes_and_names_are_one_line_of_visible_characters(field: str, char: str) -> None:
    assert errors(**{field: f"a{char}b"}) == [((field,), "text_character")]


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u3000"])
def test_codes_take_only_the_ordinary_space(space: str) -> None:
    assert errors(code=f"A{space}1") == [(("code",), "text_character")]
    assert Form.model_validate(VALID | {"name": f"Hạ{space}Lo"}).name == f"Hạ{space}Lo"


def test_free_text_keeps_lines_tabs_and_invisible_joiners() -> None:
    value = "a\r\nb\rc\td\u200be\u200df\u200e"
    assert Form.model_validate(VALID | {"long_text": value}).long_text == (
        "a\nb\nc\td\u200be\u200df\u200e"
    )


def test_the_error_names_the_character_not_the_text() -> None:
    with pytest.raises(ValidationError) as raised:
        Form.model_validate(VALID | {"name": "a\u202eb"})
    assert raised.value.errors()[0]["msg"] == "Character U+202E is not allowed in a name"


def test_vietnamese_and_other_scripts_stay_exactly() -> None:
    for name in ["Nguyễn Thị Ánh Tuyết", "Đắk Lắk", "東京", "한국", "שָׁלוֹם"]:
        assert Form.model_validate(VALID | {"long_name": name}).long_name == nfc(name)


def test_non_strings_get_the_type_error() -> None:
    assert errors(name=12) == [(("name",), "string_type")]


@pytest.mark.parametrize("length", [0, 256])
def test_a_subject_has_one_to_255_characters(length: int) -> None:
    [(loc, kind)] = errors(subject="s" * length)
    assert (loc, kind.removeprefix("string_")) == (
        ("subject",),
        "too_short" if length == 0 else "too_long",
    )
    assert Form.model_validate(VALID | {"subject": "s" * 255}).subject == "s" * 255


def test_contract_models_in_request_bodies_follow_the_same_rules() -> None:
    member = {"subject": "an", "role": "leader"}
    with pytest.raises(ValidationError) as raised:
        TeamMember.model_validate(member | {"full_name": GROWS * 86})
    assert raised.value.errors()[0]["loc"] == ("full_name",)
    with pytest.raises(ValidationError) as raised:
        TeamMember.model_validate(member | {"full_name": "An", "position": "\u0000"})
    assert raised.value.errors()[0]["loc"] == ("position",)
    with pytest.raises(ValidationError) as raised:
        TeamMember.model_validate(member | {"subject": "an\u200b", "full_name": "An"})
    assert raised.value.errors()[0]["loc"] == ("subject",)
    category = {"code": "GIO", "title": "T", "criteria": [{"code": "GIO.1", "title": "x"}]}
    with pytest.raises(ValidationError) as raised:
        ChecklistCategory.model_validate(category | {"title": GROWS * 86})
    assert raised.value.errors()[0]["loc"] == ("title",)


def test_is_subject_agrees_with_the_subject_type() -> None:
    for good in ["an", "nguyen.van.an@tphcm.gov.vn", "s" * 255, "0193a5d2-6c1e-7cc0"]:
        assert is_subject(good)
    for bad in ["", "s" * 256, " an", "an\n", "a\u0000", "\u202ean", "a\u00a0b", 7, None]:
        assert not is_subject(bad)
    assert not is_subject(unicodedata.normalize("NFD", "Đặng"))


def test_validation_messages_count_characters() -> None:
    class Body(BaseModel):
        note: FreeText | None = Field(default=None, max_length=2)
        title: Name | None = Field(default=None, min_length=1)

    for data, message in [
        ({"note": GROWS}, "String should have at most 2 characters"),
        ({"title": " "}, "String should have at least 1 character"),
    ]:
        with pytest.raises(ValidationError) as raised:
            Body.model_validate(data)
        [error] = _field_errors(RequestValidationError(raised.value.errors()))
        assert error.msg == message


def test_folding_never_lengthens_a_name() -> None:
    for name in ["\ud55c" * 255, "Phường Hạ Long", "İstanbul", "\u09cb" * 255]:
        assert len(fold(nfc(name))) <= len(nfc(name))
    assert fold("Phường Hạ Long") == "phuong ha long"
    assert fold("  Đắk   Lắk ") == "dak lak"


class Window(BaseModel):
    start: Instant
    narrow: Annotated[Instant, Years(2000, 2100)] | None = None


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59+00:00",
        "1899-12-31T23:59:59Z",
        "1900-01-01T06:59:59+07:00",
        "2201-01-01T00:00:00Z",
        "2200-12-31T23:00:00-01:00",
    ],
)
def test_times_outside_1900_to_2200_utc_are_refused(moment: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Window.model_validate({"start": moment})
    assert [(e["loc"], e["type"]) for e in raised.value.errors()] == [
        (("start",), "datetime_range")
    ]


def test_times_at_the_bounds_are_kept_with_their_offset() -> None:
    for moment in ["1900-01-01T07:00:00+07:00", "2200-12-31T23:59:59Z"]:
        parsed = Window.model_validate({"start": moment}).start
        assert parsed == datetime.fromisoformat(moment)
    assert Window.model_validate({"start": "2024-02-19T16:15:00+07:00"}).start.utcoffset()


def test_a_field_may_narrow_the_years() -> None:
    assert Window.model_validate({"start": "1950-01-01T00:00:00Z"}).start.year == 1950
    with pytest.raises(ValidationError) as raised:
        Window.model_validate({"start": "2024-01-01T00:00:00Z", "narrow": "1950-01-01T00:00Z"})
    assert raised.value.errors()[0]["msg"] == "Time should be in the years 2000 to 2100 (UTC)"


def test_a_time_without_offset_is_still_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        Window.model_validate({"start": "2024-02-19T16:15:00"})
    assert raised.value.errors()[0]["type"] == "timezone_aware"


def test_within_years_never_overflows() -> None:
    assert not within_years(datetime.fromisoformat("9999-12-31T23:00:00-05:00"))
    assert not within_years(datetime.fromisoformat("0001-01-01T00:00:00+01:00"))
    assert within_years(datetime(2024, 1, 1, tzinfo=UTC))


LISTED = sa.Table(
    "listed",
    sa.MetaData(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("count", sa.BigInteger),
    sa.Column("name", sa.String(255)),
    sa.Column("at", UTCDateTime),
)
ID, COUNT, NAME, AT = LISTED.c.id, LISTED.c.count, LISTED.c.name, LISTED.c.at


@pytest.mark.parametrize(
    ("column", "value"),
    [
        (COUNT, 2**63),
        (COUNT, -(2**63) - 1),
        (COUNT, 10**400),
        (COUNT, True),
        (COUNT, 1.5),
        (AT, "9999-12-31T23:00:00-05:00"),
        (AT, "0001-01-01T00:00:00+01:00"),
        (AT, "3000-01-01T00:00:00+00:00"),
        (AT, "2024-01-01T00:00:00"),
        (NAME, "a\u0000"),
        (NAME, "\ud800"),
    ],
)
def test_cursor_values_the_database_cannot_compare_are_invalid(column: Any, value: Any) -> None:
    with pytest.raises(ValueError, match="cursor"):
        _column_value(column, value)
    spec = column.key
    order = SortKey("ListedSort", [("KEY", (spec, column))])["KEY"]
    with pytest.raises(InvalidCursor):
        _after([spec, value, str(uuid.uuid4())], id_column=ID, sort=order)


def test_cursor_values_in_range_come_back() -> None:
    assert _column_value(COUNT, 2**63 - 1) == 2**63 - 1
    assert _column_value(COUNT, -(2**63)) == -(2**63)
    assert _column_value(NAME, "Hạ Long") == "Hạ Long"
    moment = "2024-02-19T16:15:00+07:00"
    assert _column_value(AT, moment) == datetime.fromisoformat(moment)


KEY = ed25519.Ed25519PrivateKey.generate()


def verify(subject: str) -> Identity:
    token = mint_identity_token(
        Identity(subject=subject, role=Role.ADMIN), private_key=KEY, service="plans", binding="b"
    )
    return verify_identity_token(
        token, public_key=KEY.public_key(), service="plans", binding="b"
    ).identity


def test_an_identity_names_a_usable_subject() -> None:
    assert verify("s" * 255).subject == "s" * 255
    for subject in ["s" * 256, "", "an\u0000", "an\nbinh", "\u202ean", " an"]:
        with pytest.raises(Unauthenticated):
            verify(subject)


def test_every_idempotency_owner_fits_its_column() -> None:
    short = "admin:nguyen.van.an"
    assert _fitting(short) == short
    longest = f"provincial_system:{'s' * 255}"
    fitted = _fitting(longest)
    assert len(fitted) <= MAX_OWNER_LENGTH
    assert fitted.startswith("sha256:")
    assert _fitting(f"provincial_system:{'s' * 254}t") != fitted
