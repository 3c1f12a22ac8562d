"""The demo scenario, drawn from press reports of kiểm tra công vụ in Nghệ An and Quảng Ninh.

Provinces and post-2025 wards carry their official codes and are already in the registry
(`make up` imports the official list; the demo finds them). Pre-2025 districts and the
communes the 2021 reports name are not in that list: they carry local demo codes (prefix
`DEMO-`) and `valid_to` 2025-06-30.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoUnit:
    """A unit to register, with the surprise visits and citizen ratings it receives."""

    code: str
    name: str
    level: str
    parent: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    visits: tuple[tuple[str, str], ...] = ()
    ratings: tuple[int, ...] = field(default=())


BEFORE_2025 = "2025-06-30"
SINCE_2025 = "2025-07-01"

UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("40", "Nghệ An", "province"),
    DemoUnit(
        "DEMO-NA-KY-SON",
        "Huyện Kỳ Sơn",
        "district",
        parent="40",
        valid_to=BEFORE_2025,
        visits=(
            (
                "2021-02-23T08:30:00+07:00",
                "UBND huyện: 9 phòng chuyên môn, 40 công chức, 27 có mặt, 13 vắng có lý do.",
            ),
        ),
    ),
    DemoUnit(
        "DEMO-NA-MUONG-LONG",
        "Xã Mường Lống",
        "commune",
        parent="DEMO-NA-KY-SON",
        valid_to=BEFORE_2025,
        visits=(
            (
                "2021-02-23T14:00:00+07:00",
                "22 cán bộ, công chức, 3 vắng có lý do; chưa bố trí bộ phận một cửa.",
            ),
        ),
    ),
    DemoUnit(
        "DEMO-NA-CON-CUONG",
        "Huyện Con Cuông",
        "district",
        parent="40",
        valid_to=BEFORE_2025,
        visits=(("2021-02-24T10:00:00+07:00", "Cán bộ các phòng chuyên môn có mặt đầy đủ."),),
    ),
    DemoUnit(
        "DEMO-NA-LANG-KHE",
        "Xã Lạng Khê",
        "commune",
        parent="DEMO-NA-CON-CUONG",
        valid_to=BEFORE_2025,
        visits=(
            (
                "2021-02-24T08:00:00+07:00",
                "20 cán bộ, công chức, 5 vắng có lý do; lịch trực một cửa niêm yết sai quy định.",
            ),
        ),
    ),
    DemoUnit(
        "DEMO-NA-THANH-CHUONG",
        "Huyện Thanh Chương",
        "district",
        parent="40",
        valid_to=BEFORE_2025,
        visits=(
            (
                "2021-02-24T16:15:00+07:00",
                "Kiểm tra lúc 16h15 tại 11 phòng chuyên môn: chấp hành nghiêm thời gian làm việc.",
            ),
        ),
    ),
    DemoUnit(
        "DEMO-NA-DAI-DONG",
        "Xã Đại Đồng",
        "commune",
        parent="DEMO-NA-THANH-CHUONG",
        valid_to=BEFORE_2025,
        visits=(
            (
                "2021-02-24T14:30:00+07:00",
                "Nhóm Zalo nhắc nhở cán bộ; bộ phận một cửa có camera giám sát.",
            ),
        ),
    ),
    DemoUnit("22", "Quảng Ninh", "province"),
    DemoUnit(
        "06688",
        "Phường Hạ Long",
        "commune",
        parent="22",
        valid_from=SINCE_2025,
        visits=(("2026-02-23T07:35:00+07:00", "Tổ kiểm tra công vụ số 1, không báo trước."),),
        ratings=(5, 5, 4, 5, 5),
    ),
    DemoUnit(
        "06685",
        "Phường Hồng Gai",
        "commune",
        parent="22",
        valid_from=SINCE_2025,
        visits=(("2026-02-23T14:10:00+07:00", "Tổ kiểm tra công vụ số 2, không báo trước."),),
        ratings=(4, 5, 3),
    ),
)
