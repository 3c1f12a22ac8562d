"""What problems say: one title per HTTP status, and each field error, in Vietnamese and English.

Every problem of a status has that status's title, whoever raised it (a domain error, the
schema, the router, the gateway). A field error's English is pydantic's message, corrected
where it misleads; its Vietnamese is written here per error type from the error's context,
for pydantic's types and for the custom types CongVu's validators raise
(`PydanticCustomError` in `contracts.text`, `contracts.plans`, `servicekit.times`,
`servicekit.updates`).
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from servicekit.languages import Language

# RFC 9110's names in English (Python 3.11 still says "Unprocessable Entity" and "Request
# Entity Too Large"); the terms a Vietnamese administration uses in Vietnamese.
TITLES: Mapping[int, tuple[str, str]] = {
    400: ("Bad Request", "Yêu cầu không hợp lệ"),
    401: ("Unauthorized", "Chưa xác thực"),
    403: ("Forbidden", "Không có quyền"),
    404: ("Not Found", "Không tìm thấy"),
    405: ("Method Not Allowed", "Phương thức không được hỗ trợ"),
    406: ("Not Acceptable", "Không đáp ứng được định dạng yêu cầu"),
    408: ("Request Timeout", "Hết thời gian chờ yêu cầu"),
    409: ("Conflict", "Xung đột dữ liệu"),
    410: ("Gone", "Không còn tồn tại"),
    411: ("Length Required", "Thiếu độ dài nội dung"),
    412: ("Precondition Failed", "Điều kiện tiên quyết không được đáp ứng"),
    413: ("Content Too Large", "Nội dung quá lớn"),
    414: ("URI Too Long", "Địa chỉ quá dài"),
    415: ("Unsupported Media Type", "Kiểu nội dung không được hỗ trợ"),
    416: ("Range Not Satisfiable", "Phạm vi yêu cầu không hợp lệ"),
    422: ("Unprocessable Content", "Dữ liệu không hợp lệ"),
    428: ("Precondition Required", "Thiếu điều kiện tiên quyết"),
    429: ("Too Many Requests", "Quá nhiều yêu cầu"),
    431: ("Request Header Fields Too Large", "Phần đầu yêu cầu quá lớn"),
    500: ("Internal Server Error", "Lỗi hệ thống"),
    501: ("Not Implemented", "Chức năng chưa được hỗ trợ"),
    502: ("Bad Gateway", "Dịch vụ trả lời không hợp lệ"),
    503: ("Service Unavailable", "Dịch vụ tạm thời không sẵn sàng"),
    504: ("Gateway Timeout", "Dịch vụ không trả lời kịp"),
}


def title(status: int, language: Language) -> str:
    """Return the title of every problem with `status`, in `language`."""
    known = TITLES.get(status)
    if known is not None:
        return known[0] if language is Language.EN else known[1]
    if language is Language.EN:
        try:
            return HTTPStatus(status).phrase
        except ValueError:
            return "Error"
    return "Lỗi hệ thống" if status >= 500 else "Yêu cầu không thực hiện được"


# Vietnamese per error type, formatted with the error's `ctx`.
_TIME_FORMAT = "theo RFC 3339 có múi giờ, ví dụ 2024-02-19T07:30:00+07:00"
VIETNAMESE: Mapping[str, str] = {
    "missing": "Thiếu trường bắt buộc",
    "extra_forbidden": "Trường này không được chấp nhận",
    "json_invalid": "Nội dung không phải là JSON hợp lệ",
    "json_type": "Giá trị JSON không hợp lệ",
    "model_type": "Giá trị phải là một đối tượng JSON",
    "model_attributes_type": "Giá trị phải là một đối tượng JSON",
    "dict_type": "Giá trị phải là một đối tượng JSON",
    "dataclass_type": "Giá trị phải là một đối tượng JSON",
    "list_type": "Giá trị phải là một danh sách",
    "tuple_type": "Giá trị phải là một danh sách",
    "set_type": "Giá trị phải là một danh sách",
    "frozen_set_type": "Giá trị phải là một danh sách",
    "iterable_type": "Giá trị phải là một danh sách",
    "none_required": "Giá trị phải là null",
    "string_type": "Giá trị phải là chuỗi ký tự",
    "string_unicode": "Giá trị phải là chuỗi Unicode hợp lệ",
    "string_too_short": "Phải có ít nhất {min_length} ký tự",
    "string_too_long": "Không được dài quá {max_length} ký tự",
    "string_pattern_mismatch": "Không đúng định dạng quy định (mẫu '{pattern}')",
    "string_not_ascii": "Chỉ được dùng ký tự ASCII",
    "greater_than": "Giá trị phải lớn hơn {gt}",
    "greater_than_equal": "Giá trị phải lớn hơn hoặc bằng {ge}",
    "less_than": "Giá trị phải nhỏ hơn {lt}",
    "less_than_equal": "Giá trị phải nhỏ hơn hoặc bằng {le}",
    "multiple_of": "Giá trị phải là bội số của {multiple_of}",
    "finite_number": "Giá trị phải là một số hữu hạn",
    "enum": "Giá trị phải là {expected}",
    "literal_error": "Giá trị phải là {expected}",
    "bool_type": "Giá trị phải là true hoặc false",
    "bool_parsing": "Giá trị phải là true hoặc false",
    "int_type": "Giá trị phải là số nguyên",
    "int_parsing": "Giá trị phải là số nguyên",
    "int_parsing_size": "Số nguyên quá lớn",
    "int_from_float": "Giá trị phải là số nguyên, không có phần thập phân",
    "float_type": "Giá trị phải là một số",
    "float_parsing": "Giá trị phải là một số",
    "decimal_type": "Giá trị phải là một số thập phân",
    "decimal_parsing": "Giá trị phải là một số thập phân",
    "decimal_max_digits": "Không được có quá {max_digits} chữ số",
    "decimal_max_places": "Không được có quá {decimal_places} chữ số sau dấu thập phân",
    "decimal_whole_digits": "Không được có quá {whole_digits} chữ số trước dấu thập phân",
    "uuid_type": "Giá trị phải là một UUID",
    "uuid_parsing": "Giá trị phải là một UUID hợp lệ",
    "uuid_version": "Giá trị phải là UUID phiên bản {expected_version}",
    "url_type": "Giá trị phải là một địa chỉ URL",
    "url_parsing": "Địa chỉ URL không hợp lệ",
    "url_syntax_violation": "Địa chỉ URL không hợp lệ",
    "url_too_long": "Địa chỉ URL không được dài quá {max_length} ký tự",
    "url_scheme": "Địa chỉ URL phải dùng giao thức {expected_schemes}",
    "union_tag_invalid": "Giá trị {tag} của {discriminator} không hợp lệ; phải là {expected_tags}",
    "union_tag_not_found": "Thiếu trường {discriminator}",
    "frozen_field": "Không được thay đổi trường này",
    "date_type": "Giá trị phải là ngày theo dạng YYYY-MM-DD",
    "date_parsing": "Ngày không hợp lệ; hãy ghi theo dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "Ngày không hợp lệ; hãy ghi theo dạng YYYY-MM-DD",
    "date_from_datetime_inexact": "Giá trị phải là một ngày, không kèm giờ",
    "date_past": "Ngày phải ở trong quá khứ",
    "date_future": "Ngày phải ở trong tương lai",
    "time_type": "Giá trị phải là giờ theo dạng HH:MM:SS",
    "time_parsing": "Giờ không hợp lệ; hãy ghi theo dạng HH:MM:SS",
    "datetime_type": f"Giá trị phải là thời điểm {_TIME_FORMAT}",
    "datetime_parsing": f"Thời điểm không hợp lệ; hãy ghi {_TIME_FORMAT}",
    "datetime_from_date_parsing": f"Thời điểm không hợp lệ; hãy ghi {_TIME_FORMAT}",
    "datetime_object_invalid": f"Thời điểm không hợp lệ; hãy ghi {_TIME_FORMAT}",
    "datetime_past": "Thời điểm phải ở trong quá khứ",
    "datetime_future": "Thời điểm phải ở trong tương lai",
    "timezone_naive": "Thời điểm không được kèm múi giờ",
    "timezone_aware": "Thời điểm phải kèm múi giờ, ví dụ 2024-02-19T07:30:00+07:00",
    "timezone_offset": "Múi giờ phải là {tz_expected}, không phải {tz_actual}",
    "value_error": "Giá trị không hợp lệ: {error}",
    "assertion_error": "Giá trị không hợp lệ: {error}",
    # CongVu's own types.
    "text_character": "Không được dùng ký tự {character} trong {kind_vi}",
    "datetime_range": "Thời điểm phải thuộc các năm từ {first} đến {last} (theo giờ UTC)",
    "date_range": "Ngày phải thuộc các năm từ {first} đến {last}",
    "document_date": "Không có ngày này: tháng từ 01 đến 12, ngày không quá số ngày của tháng",
    "not_clearable": "Không được xóa giá trị của trường này; bỏ trường này đi để giữ giá trị cũ",
}


def _or(expected: str) -> str:
    # pydantic lists the choices as "'a', 'b' or 'c'".
    head, joined, last = expected.rpartition(" or ")
    return f"{head} hoặc {last}" if joined else expected


def _limit(error: Mapping[str, Any]) -> tuple[Any, bool] | None:
    """Return the bound of a too_long or too_short error, and whether it counts characters."""
    context = error.get("ctx") or {}
    bound = context.get("max_length" if error["type"] == "too_long" else "min_length")
    if error["type"] not in ("too_long", "too_short") or bound is None:
        return None
    # A limit on optional text is checked after normalisation by a generic length check,
    # whose message counts "items"; the text's own limit counts characters.
    return bound, context.get("field_type") == "Value" and isinstance(error.get("input"), str)


def english(error: Mapping[str, Any]) -> str:
    """Return the English message of one pydantic error: pydantic's, unless it misleads."""
    limit = _limit(error)
    if limit is not None and limit[1]:
        bound = limit[0]
        most = "at most" if error["type"] == "too_long" else "at least"
        return f"String should have {most} {bound} character{'' if bound == 1 else 's'}"
    return str(error["msg"])


def vietnamese(error: Mapping[str, Any]) -> str:
    """Return the Vietnamese message of one pydantic error, from its type and context."""
    kind = str(error["type"])
    limit = _limit(error)
    if limit is not None:
        bound, characters = limit
        if kind == "too_short":
            return f"Phải có ít nhất {bound} {'ký tự' if characters else 'phần tử'}"
        if characters:
            return f"Không được dài quá {bound} ký tự"
        return f"Không được có quá {bound} phần tử"
    context = dict(error.get("ctx") or {})
    if kind in ("enum", "literal_error") and isinstance(context.get("expected"), str):
        context["expected"] = _or(context["expected"])
    template = VIETNAMESE.get(kind)
    if template is not None:
        try:
            return template.format_map(context)
        except (KeyError, IndexError, ValueError):
            pass  # raised without the context its message needs: say what is known
    return f"Giá trị không hợp lệ: {english(error)}"


def field_message(error: Mapping[str, Any], language: Language) -> str:
    """Return the message of one pydantic error (an item of `ValidationError.errors()`)."""
    return english(error) if language is Language.EN else vietnamese(error)
