"""The demo scenario, drawn from press reports of kiểm tra công vụ in Nghệ An, Bắc Kạn,
Quảng Ninh and Trà Vinh.

Provinces and post-2025 wards carry their official codes and are already in the registry
(`make up` imports the official list; the demo finds them). Pre-2025 provinces, districts
and the communes and wards the 2021, 2023 and 2024 reports name are not in that list: they
carry local demo codes (prefix `DEMO-`) and `valid_to` 2025-06-30. The reports name no
decision numbers or team members: those, and the plan numbers, are invented for the demo.

Trà Vinh's 2023 plan is entered as its officials wrote it: issued on 30 January 2023 by the
chairman of the provincial People's Committee (the report does not name him), covering
categories of units rather than named ones. Its approval resolves them against the units the
demo registers in the province: one of each category, the state enterprise invented.

Each team and plan belongs to a province (`province`, the province's unit code): its
inspectorate forms and drafts them, its admin approves, its team leaders visit.
"""

from dataclasses import dataclass, field
from typing import Any


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
    kind: str | None = None


BEFORE_2025 = "2025-06-30"
SINCE_2025 = "2025-07-01"
TRA_VINH = "DEMO-TRA-VINH"

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
    DemoUnit("DEMO-BAC-KAN", "Tỉnh Bắc Kạn", "province", valid_to=BEFORE_2025),
    DemoUnit(
        "DEMO-BK-TP", "Thành phố Bắc Kạn", "district", parent="DEMO-BAC-KAN", valid_to=BEFORE_2025
    ),
    DemoUnit(
        "DEMO-BK-SONG-CAU",
        "Phường Sông Cầu",
        "commune",
        parent="DEMO-BK-TP",
        valid_to=BEFORE_2025,
        visits=(
            (
                "2024-02-15T07:45:00+07:00",
                "Tổ công tác cấp ủy kiểm tra đột xuất ngày làm việc đầu tiên sau Tết.",
            ),
        ),
    ),
    *(
        DemoUnit(code, name, "commune", parent="DEMO-BK-TP", valid_to=BEFORE_2025)
        for code, name in (
            ("DEMO-BK-NTMK", "Phường Nguyễn Thị Minh Khai"),
            ("DEMO-BK-DUC-XUAN", "Phường Đức Xuân"),
            ("DEMO-BK-PHUNG-CHI-KIEN", "Phường Phùng Chí Kiên"),
            ("DEMO-BK-HUYEN-TUNG", "Phường Huyền Tụng"),
            ("DEMO-BK-XUAT-HOA", "Phường Xuất Hóa"),
            ("DEMO-BK-DUONG-QUANG", "Xã Dương Quang"),
            ("DEMO-BK-NONG-THUONG", "Xã Nông Thượng"),
        )
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
    DemoUnit(TRA_VINH, "Tỉnh Trà Vinh", "province", valid_to=BEFORE_2025, kind="province"),
    *(
        DemoUnit(code, name, level, parent=parent, valid_to=BEFORE_2025, kind=kind)
        for code, name, level, kind, parent in (
            ("DEMO-TV-SO-NOI-VU", "Sở Nội vụ tỉnh Trà Vinh", "agency", "department", TRA_VINH),
            (
                "DEMO-TV-CAP-NUOC",
                "Công ty cấp nước tỉnh Trà Vinh (demo)",
                "agency",
                "state_enterprise",
                TRA_VINH,
            ),
            ("DEMO-TV-CAU-KE", "Huyện Cầu Kè", "district", "district", TRA_VINH),
            ("DEMO-TV-PHONG-THANH", "Xã Phong Thạnh", "commune", "commune", "DEMO-TV-CAU-KE"),
            (
                "DEMO-TV-CHU-THAP-DO",
                "Hội Chữ thập đỏ tỉnh Trà Vinh",
                "agency",
                "association",
                TRA_VINH,
            ),
        )
    ),
)

# The provinces the scenario plays in, by unit code, and the short name their officials'
# subjects carry (`demo.na.inspectorate`), as the team members' subjects do.
PROVINCES: dict[str, str] = {"40": "na", "DEMO-BAC-KAN": "bk", "22": "qn", TRA_VINH: "tv"}
_PARENTS = {unit.code: unit.parent for unit in UNITS}


def province_of(code: str) -> str:
    """Return the code of the province the scenario's unit `code` lies in."""
    while (parent := _PARENTS[code]) is not None:
        code = parent
    return code


@dataclass(frozen=True)
class DemoMember:
    """A person on a team: `subject` is what their sign-in token names them."""

    subject: str
    full_name: str
    role: str
    position: str | None = None


@dataclass(frozen=True)
class DemoTeam:
    """An inspection team of a province and the decision that founded it."""

    key: str
    province: str
    name: str
    short: str
    decision_number: str
    decision_date: str
    decision_issuer: str
    members: tuple[DemoMember, ...]
    valid_from: str
    valid_to: str | None = None


@dataclass(frozen=True)
class DemoInspection:
    """An inspection to schedule; `visit_at` names the scenario visit at its target."""

    target: str
    kind: str
    window_start: str
    window_end: str
    team: str
    visit_at: str | None = None
    # Visits (unit code, time) that carry out the same inspection at units beneath its
    # target: one inspection, several visits. Whichever plans hears of first starts it.
    more_visits: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoPlan:
    """A plan of a province, the units it covers (by code) and the inspections it schedules.

    `categories` are target categories, resolved within the unit coded `scope` when the plan
    is approved; `approved_on` enters the approval of a past plan on its own day.
    """

    number: str
    province: str
    title: str
    issuer: str
    year: int
    kind: str
    objectives: str
    targets: tuple[str, ...]
    inspections: tuple[DemoInspection, ...]
    categories: tuple[str, ...] = ()
    scope: str | None = None
    issued_on: str | None = None
    signer_position: str | None = None
    approved_on: str | None = None


TEAMS: tuple[DemoTeam, ...] = (
    DemoTeam(
        "nghe-an",
        "40",
        "Đoàn kiểm tra liên ngành việc chấp hành kỷ luật, kỷ cương hành chính tỉnh Nghệ An",
        "Đoàn liên ngành tỉnh",
        "Số 01/QĐ-UBND (demo)",
        "2021-01-18",
        "UBND tỉnh Nghệ An",
        (
            DemoMember("demo.na.truong-doan", "Lê Văn Hùng", "leader", "Phó Giám đốc Sở Nội vụ"),
            DemoMember("demo.na.thanh-vien-1", "Nguyễn Thị Mai", "member", "Sở Nội vụ"),
            DemoMember("demo.na.thanh-vien-2", "Trần Văn Nam", "member", "Văn phòng UBND tỉnh"),
        ),
        "2021-01-18",
        "2021-12-31",
    ),
    DemoTeam(
        "bac-kan",
        "DEMO-BAC-KAN",
        "Tổ công tác cấp ủy kiểm tra công vụ thành phố Bắc Kạn",
        "Tổ công tác cấp ủy",
        "Số 02/QĐ-TU (demo)",
        "2024-02-14",
        "Thành ủy Bắc Kạn",
        (
            DemoMember("demo.bk.to-truong", "Hoàng Văn Thắng", "leader", "Phó Bí thư Thành ủy"),
            DemoMember("demo.bk.to-vien", "Ma Thị Hương", "member", "Phòng Nội vụ thành phố"),
        ),
        "2024-02-14",
        "2024-12-31",
    ),
    *(
        DemoTeam(
            f"ha-long-{n}",
            "22",
            f"Tổ kiểm tra công vụ số {n}",
            f"Tổ số {n}",
            f"Số 0{n + 2}/QĐ-SNV (demo)",
            "2026-02-20",
            "Sở Nội vụ tỉnh Quảng Ninh",
            (
                DemoMember(f"demo.qn.to-truong-{n}", name, "leader", "Sở Nội vụ"),
                DemoMember(f"demo.qn.to-vien-{n}", "Vũ Thị Lan", "member", "Thanh tra tỉnh"),
            ),
            "2026-02-20",
        )
        for n, name in ((1, "Phạm Quốc Khánh"), (2, "Đỗ Minh Tuấn"))
    ),
)


def _bac_kan_ward(code: str, day: int, visit_at: str | None = None) -> DemoInspection:
    return DemoInspection(
        code,
        "surprise",
        f"2024-02-{day:02d}T07:00:00+07:00",
        f"2024-02-{day:02d}T17:00:00+07:00",
        "bac-kan",
        visit_at,
    )


PLANS: tuple[DemoPlan, ...] = (
    DemoPlan(
        "Số 12/KH-UBND (demo)",
        "40",
        "Kế hoạch kiểm tra đột xuất việc chấp hành kỷ luật, kỷ cương hành chính năm 2021",
        "UBND tỉnh Nghệ An",
        2021,
        "ad_hoc",
        "Chấn chỉnh kỷ luật, kỷ cương hành chính tại các huyện miền núi; kiểm tra thực hiện"
        " Chỉ thị 17 và Chỉ thị 26.",
        ("DEMO-NA-KY-SON", "DEMO-NA-CON-CUONG", "DEMO-NA-THANH-CHUONG"),
        (
            DemoInspection(
                "DEMO-NA-KY-SON",
                "surprise",
                "2021-02-22T07:00:00+07:00",
                "2021-02-26T17:00:00+07:00",
                "nghe-an",
                "2021-02-23T08:30:00+07:00",
                (("DEMO-NA-MUONG-LONG", "2021-02-23T14:00:00+07:00"),),
            ),
            DemoInspection(
                "DEMO-NA-CON-CUONG",
                "surprise",
                "2021-02-22T07:00:00+07:00",
                "2021-02-26T17:00:00+07:00",
                "nghe-an",
                "2021-02-24T10:00:00+07:00",
                (("DEMO-NA-LANG-KHE", "2021-02-24T08:00:00+07:00"),),
            ),
            DemoInspection(
                "DEMO-NA-THANH-CHUONG",
                "surprise",
                "2021-02-22T07:00:00+07:00",
                "2021-02-26T17:00:00+07:00",
                "nghe-an",
                "2021-02-24T16:15:00+07:00",
                (("DEMO-NA-DAI-DONG", "2021-02-24T14:30:00+07:00"),),
            ),
        ),
    ),
    DemoPlan(
        "Số 15/KH-UBND (demo)",
        TRA_VINH,
        "Kế hoạch kiểm tra công vụ năm 2023 trên địa bàn tỉnh Trà Vinh",
        "UBND tỉnh Trà Vinh",
        2023,
        "annual",
        "Góp phần ngăn ngừa hành vi vi phạm kỷ luật, kỷ cương hành chính; đánh giá những ưu"
        " điểm; phát hiện những tồn tại, thiếu sót, khó khăn, bất cập trong thực hiện nhiệm vụ"
        " công vụ; kịp thời kiến nghị cơ quan có thẩm quyền xử lý nghiêm những trường hợp cán"
        " bộ, công chức, viên chức, người lao động vi phạm kỷ luật, kỷ cương hành chính, gây"
        " khó khăn, phiền hà đối với tổ chức, công dân.\n"
        "Đôn đốc, kiểm tra việc thực hiện các nhiệm vụ của Tỉnh ủy, UBND tỉnh giao, bảo đảm các"
        " chỉ đạo của cấp trên được thực hiện nghiêm túc, khẩn trương, đúng quy định của pháp"
        " luật.\n"
        "Nâng cao trách nhiệm, tinh thần, thái độ, chất lượng phục vụ Nhân dân; xây dựng nề nếp,"
        " ý thức tôn trọng kỷ luật, kỷ cương hành chính; tạo chuyển biến mạnh mẽ trong lề lối,"
        " tác phong làm việc, nhất là vai trò nêu gương của người đứng đầu.\n"
        "Nâng cao hiệu quả tiếp nhận và giải quyết thủ tục hành chính, tiếp công dân, giải"
        " quyết đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh; kiến nghị sửa đổi, bổ sung, ban"
        " hành mới hoặc bãi bỏ thủ tục hành chính cho phù hợp.",
        (),
        (),
        categories=(
            "provincial_departments",
            "state_enterprises",
            "district_peoples_committees",
            "commune_peoples_committees",
            "associations",
        ),
        scope=TRA_VINH,
        issued_on="2023-01-30",
        signer_position="Chủ tịch UBND tỉnh Trà Vinh",
        approved_on="2023-01-30",
    ),
    DemoPlan(
        "Số 05/KH-TU (demo)",
        "DEMO-BAC-KAN",
        "Kế hoạch kiểm tra công vụ năm 2024",
        "Ban Thường vụ Thành ủy Bắc Kạn",
        2024,
        "annual",
        "Kiểm tra đột xuất 8/8 xã, phường sau Tết Giáp Thìn: thời giờ làm việc, rượu bia,"
        " ăn uống tại hàng quán trong giờ hành chính, bộ phận một cửa.",
        ("DEMO-BK-TP",),
        (
            _bac_kan_ward("DEMO-BK-SONG-CAU", 15, "2024-02-15T07:45:00+07:00"),
            _bac_kan_ward("DEMO-BK-NTMK", 16),
            _bac_kan_ward("DEMO-BK-DUC-XUAN", 19),
            _bac_kan_ward("DEMO-BK-PHUNG-CHI-KIEN", 20),
            _bac_kan_ward("DEMO-BK-HUYEN-TUNG", 21),
            _bac_kan_ward("DEMO-BK-XUAT-HOA", 22),
            _bac_kan_ward("DEMO-BK-DUONG-QUANG", 23),
            _bac_kan_ward("DEMO-BK-NONG-THUONG", 26),
        ),
    ),
    DemoPlan(
        "Số 20/KH-SNV (demo)",
        "22",
        "Kế hoạch kiểm tra công vụ năm 2026",
        "Sở Nội vụ tỉnh Quảng Ninh",
        2026,
        "annual",
        "Kiểm tra đột xuất, không báo trước: kỷ luật, kỷ cương hành chính, văn hóa công sở,"
        " tiếp công dân, giải quyết đơn thư.",
        ("06688", "06685"),
        (
            DemoInspection(
                "06688",
                "surprise",
                "2026-02-23T07:00:00+07:00",
                "2026-02-27T17:00:00+07:00",
                "ha-long-1",
                "2026-02-23T07:35:00+07:00",
            ),
            DemoInspection(
                "06685",
                "surprise",
                "2026-02-23T07:00:00+07:00",
                "2026-02-27T17:00:00+07:00",
                "ha-long-2",
                "2026-02-23T14:10:00+07:00",
            ),
        ),
    ),
)


def _count(on_roll: int, present: int, **absent_with_reason: int) -> dict[str, Any]:
    """Return one staff category's headcount as the visits API takes it."""
    return {"on_roll": on_roll, "present": present, "absent_with_reason": absent_with_reason}


@dataclass(frozen=True)
class DemoOffice:
    """One office's attendance: headcounts by staff category (cadre, civil_servant, ...)."""

    name: str
    headcounts: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class DemoViolation:
    """A violation a team recorded, naming no person (the reports name none)."""

    category: str
    criterion: str | None
    severity: str
    description: str


@dataclass(frozen=True)
class DemoRecord:
    """What the team recorded at a scenario visit (unit code, start) before submitting it.

    `results` are (criterion code, outcome, note) against the default checklist the
    inspection pinned.
    """

    unit: str
    started_at: str
    observed_at: str
    offices: tuple[DemoOffice, ...]
    results: tuple[tuple[str, str, str], ...]
    violations: tuple[DemoViolation, ...] = ()


# The Nghệ An report gives the totals (Kỳ Sơn's 9 offices: 40 on roll, 27 present, 13 absent
# with reason; Mường Lống 22 with 3 absent; Lạng Khê 20 with 5 absent) and the findings. The
# office names, the split by office, category and reason, the times of the roll call and the
# severities are invented for the demo.
RECORDS: tuple[DemoRecord, ...] = (
    DemoRecord(
        "DEMO-NA-KY-SON",
        "2021-02-23T08:30:00+07:00",
        "2021-02-23T08:45:00+07:00",
        (
            DemoOffice(
                "Văn phòng HĐND và UBND huyện",
                {
                    "cadre": _count(3, 2, business_trip=1),
                    "civil_servant": _count(6, 4, business_trip=1, leave=1),
                },
            ),
            DemoOffice("Phòng Nội vụ", {"civil_servant": _count(5, 3, business_trip=2)}),
            DemoOffice("Phòng Tài chính - Kế hoạch", {"civil_servant": _count(5, 4, leave=1)}),
            DemoOffice("Phòng Tư pháp", {"civil_servant": _count(3, 2, study=1)}),
            DemoOffice(
                "Phòng Tài nguyên và Môi trường", {"civil_servant": _count(4, 2, business_trip=2)}
            ),
            DemoOffice(
                "Phòng Lao động - Thương binh và Xã hội", {"civil_servant": _count(4, 3, sick=1)}
            ),
            DemoOffice(
                "Phòng Văn hóa và Thông tin", {"civil_servant": _count(3, 2, business_trip=1)}
            ),
            DemoOffice(
                "Phòng Nông nghiệp và Phát triển nông thôn",
                {"civil_servant": _count(4, 3, business_trip=1)},
            ),
            DemoOffice("Phòng Dân tộc", {"civil_servant": _count(3, 2, other=1)}),
        ),
        (
            ("GIO.1", "pass", "27/40 công chức có mặt trong giờ làm việc."),
            ("GIO.2", "pass", "13 cán bộ, công chức vắng mặt có lý do."),
            (
                "CHIDAO.1",
                "pass",
                "Đã ban hành các văn bản chỉ đạo, chấn chỉnh kỷ luật kỷ cương hành chính năm"
                " 2021 (Chỉ thị 17, Chỉ thị 26).",
            ),
        ),
    ),
    DemoRecord(
        "DEMO-NA-MUONG-LONG",
        "2021-02-23T14:00:00+07:00",
        "2021-02-23T14:10:00+07:00",
        (
            DemoOffice(
                "UBND xã Mường Lống",
                {
                    "cadre": _count(11, 10, business_trip=1),
                    "civil_servant": _count(11, 9, business_trip=1, leave=1),
                },
            ),
        ),
        (
            ("GIO.1", "pass", "Cán bộ, công chức chấp hành tốt thời gian làm việc."),
            ("GIO.2", "pass", "3/22 người vắng mặt có lý do."),
            ("VHCS.1", "pass", "Đeo thẻ công chức đầy đủ khi làm việc."),
            (
                "MOTCUA.1",
                "fail",
                "Chưa bố trí bộ phận một cửa; thủ tục hành chính tiếp nhận tại các phòng làm việc.",
            ),
        ),
        (
            DemoViolation(
                "MOTCUA",
                "MOTCUA.1",
                "minor",
                "Chưa bố trí bộ phận một cửa (cơ sở vật chất còn thiếu); việc tiếp nhận, giải"
                " quyết thủ tục hành chính đang thực hiện tại các phòng làm việc.",
            ),
        ),
    ),
    DemoRecord(
        "DEMO-NA-LANG-KHE",
        "2021-02-24T08:00:00+07:00",
        "2021-02-24T08:10:00+07:00",
        (
            DemoOffice(
                "UBND xã Lạng Khê",
                {
                    "cadre": _count(10, 7, business_trip=2, leave=1),
                    "civil_servant": _count(10, 8, business_trip=1, study=1),
                },
            ),
        ),
        (
            ("GIO.2", "pass", "5/20 cán bộ, công chức vắng mặt có lý do."),
            ("MOTCUA.1", "pass", "Đã bố trí bộ phận một cửa để giải quyết thủ tục hành chính."),
            ("MOTCUA.2", "fail", "Phân công lịch trực không đúng quy định niêm yết."),
            ("MOTCUA.3", "fail", "Công khai thủ tục hành chính không đúng quy định."),
        ),
        (
            DemoViolation(
                "MOTCUA",
                "MOTCUA.2",
                "minor",
                "Phân công lịch trực bộ phận một cửa không đúng quy định niêm yết tại bộ phận"
                " một cửa.",
            ),
            DemoViolation(
                "MOTCUA",
                "MOTCUA.3",
                "minor",
                "Công khai thủ tục hành chính tại bộ phận một cửa không đúng quy định.",
            ),
        ),
    ),
)
