"""Offline sync: field devices name each record by a UUID they chose and number its versions.

A device may record many versions while offline and send only the last: a new record
starts at any version, a higher version replaces the stored one, the same version with the
same content changes nothing (a resend), and anything else is a conflict between devices.
"""

from datetime import datetime

from servicekit.times import to_vn
from visits.errors import RecordVersionConflict, VisitSealed
from visits.models import Visit
from visits.scope import SEALED_STATUSES

WHAT_VI = {
    "attendance": "Bản ghi điểm danh",
    "result": "Kết quả đánh giá",
    "violation": "Vi phạm",
}


def accept_version(*, stored: int, incoming: int, same: bool, what: str) -> bool:
    """Tell whether version `incoming` replaces `stored`; False for a resend, else a conflict."""
    if incoming > stored:
        return True
    what_vi = WHAT_VI[what]
    if incoming == stored and same:
        return False
    if incoming == stored:
        raise RecordVersionConflict(
            f"The {what} record's version {stored} was recorded with other content; read it"
            f" and send version {stored + 1}.",
            vi=f"{what_vi} phiên bản {stored} đã được ghi với nội dung khác; hãy đọc lại và gửi"
            f" phiên bản {stored + 1}.",
        )
    raise RecordVersionConflict(
        f"The {what} record is at version {stored}; version {incoming} is older.",
        vi=f"{what_vi} đang ở phiên bản {stored}; phiên bản {incoming} đã cũ.",
    )


def refuse_sealed(visit: Visit) -> None:
    """Refuse to change a sealed record: a correction is an amendment."""
    if visit.status not in SEALED_STATUSES:
        return
    when = visit.submitted_at or visit.no_access_at
    moment = to_vn(when).strftime("%H:%M %d/%m/%Y") if when else "?"
    raise VisitSealed(
        f"The visit's record was sealed ({visit.status}, {moment}) and no longer changes;"
        " record a correction as an amendment (POST .../amendments).",
        vi=f"Biên bản cuộc kiểm tra đã được niêm phong ({moment}) và không thể sửa; hãy ghi"
        " đính chính (POST .../amendments).",
    )


def touch(visit: Visit, now: datetime) -> None:
    """Note a change to the visit's record: it is being recorded, and its version moves on."""
    refuse_sealed(visit)
    if visit.status == "started":
        visit.status = "recording"
    visit.updated_at = now
