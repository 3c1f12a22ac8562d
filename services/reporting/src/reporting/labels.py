"""Vietnamese labels shown in reports."""

UNIT_LEVELS = {
    "province": "Tỉnh, thành phố",
    "district": "Huyện, quận, thị xã, thành phố thuộc tỉnh (trước 01/7/2025)",
    "commune": "Xã, phường, đặc khu",
    "agency": "Cơ quan, đơn vị",
    "office": "Phòng, ban chuyên môn",
}
