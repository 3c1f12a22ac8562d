"""The default checklist, drawn from the inspections CongVu's users run today.

`python -m plans.checklists.defaults` installs it; safe to re-run (it is created once,
under a fixed id, and later versions published through the API are left alone).
"""

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from plans.checklists.schemas import ChecklistCategoryInput, ChecklistCreate, CriterionInput
from plans.checklists.service import create_checklist
from plans.config import Settings
from plans.models import Checklist
from servicekit.db import create_engine, create_sessionmaker

DEFAULT_CHECKLIST_ID = uuid.UUID("0193a5d2-0000-7000-8000-00000000c001")
PUBLISHER = "congvu-default"

CT26 = "Chỉ thị 26/CT-TTg ngày 05/9/2016 của Thủ tướng Chính phủ"
ALCOHOL_LAW = "Luật Phòng, chống tác hại của rượu, bia năm 2019, Điều 5"
ONE_STOP = "Nghị định 61/2018/NĐ-CP về cơ chế một cửa, một cửa liên thông"
CULTURE = "Quyết định 129/2007/QĐ-TTg ban hành Quy chế văn hóa công sở"


def _c(
    code: str, title: str, weight: int = 1, basis: str | None = None, na: bool = False
) -> CriterionInput:
    return CriterionInput(
        code=code, title=title, weight=weight, legal_basis=basis, allow_not_applicable=na
    )


DEFAULT_CHECKLIST = ChecklistCreate(
    name="Bộ tiêu chí kiểm tra công vụ (mặc định)",
    description=(
        "Nội dung kiểm tra kỷ luật, kỷ cương hành chính thường gặp: thời giờ làm việc, rượu bia,"
        " văn hóa công sở, bộ phận một cửa, hồ sơ trễ hẹn, tiếp công dân, thực hiện chỉ đạo."
    ),
    note="Phiên bản đầu, xây dựng từ các đợt kiểm tra tại Bắc Kạn, Nghệ An, Hạ Long, Phú Ninh.",
    categories=[
        ChecklistCategoryInput(
            code="GIO",
            title="Thời giờ làm việc",
            criteria=[
                _c("GIO.1", "Có mặt đúng giờ, không đi muộn, về sớm", 3, CT26),
                _c("GIO.2", "Vắng mặt có lý do, được cấp có thẩm quyền cho phép", 2, CT26),
                _c("GIO.3", "Không làm việc riêng, bỏ vị trí trong giờ làm việc", 2, CT26),
                _c("GIO.4", "Tham dự đầy đủ các cuộc họp được triệu tập", 1, na=True),
            ],
        ),
        ChecklistCategoryInput(
            code="RUOU",
            title="Rượu, bia và ăn uống trong giờ hành chính",
            criteria=[
                _c("RUOU.1", "Không uống rượu, bia trước và trong giờ làm việc", 3, ALCOHOL_LAW),
                _c(
                    "RUOU.2",
                    "Không uống rượu, bia trong giờ nghỉ trưa của ngày làm việc",
                    3,
                    ALCOHOL_LAW,
                ),
                _c("RUOU.3", "Không ăn, uống tại hàng quán trong giờ hành chính", 2, CT26),
            ],
        ),
        ChecklistCategoryInput(
            code="VHCS",
            title="Thẻ, trang phục và văn hóa công sở",
            criteria=[
                _c("VHCS.1", "Đeo thẻ cán bộ, công chức, viên chức khi làm việc", 1, CULTURE),
                _c("VHCS.2", "Trang phục gọn gàng, lịch sự", 1, CULTURE),
                _c(
                    "VHCS.3",
                    "Thái độ, lời nói, ứng xử chuẩn mực với người dân và đồng nghiệp",
                    2,
                    CULTURE,
                ),
                _c("VHCS.4", "Không nhũng nhiễu, gây phiền hà cho tổ chức, công dân", 3, CT26),
            ],
        ),
        ChecklistCategoryInput(
            code="MOTCUA",
            title="Bộ phận tiếp nhận và trả kết quả (một cửa, một cửa liên thông)",
            criteria=[
                _c("MOTCUA.1", "Bố trí bộ phận một cửa theo quy định", 3, ONE_STOP),
                _c("MOTCUA.2", "Niêm yết lịch trực đúng quy định", 1, ONE_STOP),
                _c("MOTCUA.3", "Công khai, niêm yết đầy đủ thủ tục hành chính", 2, ONE_STOP),
                _c(
                    "MOTCUA.4",
                    "Camera giám sát hoạt động tại bộ phận một cửa",
                    1,
                    ONE_STOP,
                    na=True,
                ),
                _c(
                    "MOTCUA.5",
                    "Thiết bị đánh giá mức độ hài lòng của người dân",
                    1,
                    ONE_STOP,
                    na=True,
                ),
                _c(
                    "MOTCUA.6",
                    "Sổ theo dõi tiếp nhận và trả kết quả hồ sơ được cập nhật",
                    2,
                    ONE_STOP,
                ),
            ],
        ),
        ChecklistCategoryInput(
            code="HOSO",
            title="Giải quyết hồ sơ, thủ tục hành chính",
            criteria=[
                _c("HOSO.1", "Hồ sơ được giải quyết đúng hạn", 3, ONE_STOP),
                _c(
                    "HOSO.2",
                    "Có văn bản xin lỗi và hẹn lại ngày trả kết quả với hồ sơ trễ hẹn",
                    2,
                    ONE_STOP,
                    na=True,
                ),
            ],
        ),
        ChecklistCategoryInput(
            code="TCD",
            title="Tiếp công dân, giải quyết khiếu nại, tố cáo, phản ánh",
            criteria=[
                _c(
                    "TCD.1",
                    "Có lịch và thực hiện tiếp công dân theo quy định",
                    2,
                    "Luật Tiếp công dân năm 2013",
                ),
                _c(
                    "TCD.2",
                    "Giải quyết đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh đúng thời hạn",
                    2,
                    "Luật Khiếu nại năm 2011; Luật Tố cáo năm 2018",
                    na=True,
                ),
            ],
        ),
        ChecklistCategoryInput(
            code="CHIDAO",
            title="Thực hiện chỉ thị, chỉ đạo của cấp trên",
            criteria=[
                _c(
                    "CHIDAO.1",
                    "Ban hành văn bản triển khai chỉ thị về kỷ luật, kỷ cương hành chính",
                    2,
                    CT26,
                ),
                _c(
                    "CHIDAO.2",
                    "Khắc phục tồn tại theo thông báo kết luận kiểm tra trước",
                    3,
                    na=True,
                ),
                _c("CHIDAO.3", "Thực hiện nhiệm vụ cấp trên giao đúng thời hạn", 2),
            ],
        ),
        ChecklistCategoryInput(
            code="QUYCHE",
            title="Quy chế làm việc và văn hóa công vụ",
            criteria=[
                _c("QUYCHE.1", "Có và thực hiện quy chế làm việc của cơ quan, đơn vị", 1),
                _c("QUYCHE.2", "Người đứng đầu nêu gương, kiểm tra nội bộ thường xuyên", 2, CT26),
            ],
        ),
    ],
)


async def install_default_checklist(session: AsyncSession) -> bool:
    """Create the default checklist unless it exists; tell whether it was created."""
    if await session.get(Checklist, DEFAULT_CHECKLIST_ID) is not None:
        return False
    await create_checklist(
        session,
        data=DEFAULT_CHECKLIST,
        actor=PUBLISHER,
        province_id=None,
        checklist_id=DEFAULT_CHECKLIST_ID,
    )
    return True


async def main() -> None:
    """Install into the database named by DATABASE_URL and say what happened."""
    settings = Settings()
    engine = create_engine(settings.database_url)
    try:
        sessionmaker = create_sessionmaker(engine, event_source=settings.event_source)
        async with sessionmaker() as session, session.begin():
            created = await install_default_checklist(session)
    finally:
        await engine.dispose()
    print("default checklist " + ("installed" if created else "already present"))


if __name__ == "__main__":
    asyncio.run(main())
