"""Domain logic of checklist results: criteria of the pinned version, weights, the score."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from contracts.visits import ChecklistResultsRecorded, CriterionResult
from servicekit.access import Identity
from servicekit.errors import FieldError, Invalid
from servicekit.times import utcnow
from visits.errors import ChecklistNotKnown, RecordVersionConflict
from visits.events import publish
from visits.models import ChecklistResult, DirectoryChecklist, Visit
from visits.planning import checklist_version
from visits.results.schemas import ResultRead, ResultsRead, ResultsWrite, ResultWrite, Score
from visits.sync import accept_version, refuse_sealed, touch


def criteria_of(checklist: DirectoryChecklist) -> dict[str, dict[str, Any]]:
    """Return the version's criteria by code, each with the code of its category."""
    return {
        criterion["code"]: {**criterion, "category_code": category["code"]}
        for category in checklist.categories
        for criterion in category["criteria"]
    }


async def pinned_checklist(
    session: AsyncSession, visit: Visit, *, loc: list[str | int]
) -> DirectoryChecklist:
    """Return the checklist version the visit follows, refusing a visit that follows none."""
    if visit.checklist_id is None or visit.checklist_version is None:
        raise Invalid.field(
            loc,
            "This visit follows no checklist: an ad hoc visit names one when it starts.",
            vi="Cuộc kiểm tra này không theo bộ tiêu chí nào: cuộc kiểm tra không theo kế hoạch"
            " phải nêu bộ tiêu chí khi bắt đầu.",
        )
    found = await checklist_version(session, visit.checklist_id, visit.checklist_version)
    if found is None:
        raise ChecklistNotKnown(
            f"Version {visit.checklist_version} of checklist {visit.checklist_id} has not"
            " reached the visits service yet; try again shortly.",
            vi=f"Phiên bản {visit.checklist_version} của bộ tiêu chí {visit.checklist_id} chưa"
            " được cập nhật sang dịch vụ kiểm tra tại đơn vị; hãy thử lại sau ít phút.",
        )
    return found


def check_result(
    criteria: dict[str, dict[str, Any]],
    checklist: DirectoryChecklist,
    *,
    code: str,
    outcome: str,
    loc: list[str | int],
) -> list[FieldError]:
    """Return what is wrong with a result for criterion `code` of the pinned version."""
    criterion = criteria.get(code)
    if criterion is None:
        return [
            FieldError(
                loc=[*loc, "criterion_code"],
                msg=f"Criterion {code} is not in version {checklist.version} of the checklist"
                " this visit follows.",
                vi=f"Tiêu chí {code} không có trong phiên bản {checklist.version} của bộ tiêu chí"
                " cuộc kiểm tra này áp dụng.",
            )
        ]
    if outcome == "not_applicable" and not criterion.get("allow_not_applicable", False):
        return [
            FieldError(
                loc=[*loc, "outcome"],
                msg=f"Criterion {code} may not be marked not applicable.",
                vi=f"Tiêu chí {code} không được đánh giá là không áp dụng.",
            )
        ]
    return []


def _same(row: ChecklistResult, item: ResultWrite) -> bool:
    return (row.criterion_code, row.outcome, row.note) == (
        item.criterion_code,
        item.outcome,
        item.note,
    )


async def results_of(session: AsyncSession, visit: Visit) -> list[ChecklistResult]:
    """Return the visit's results in id order."""
    rows = await session.scalars(
        select(ChecklistResult)
        .where(col(ChecklistResult.visit_id) == visit.id)
        .order_by(col(ChecklistResult.id))
    )
    return list(rows.all())


async def _writes(
    session: AsyncSession, visit: Visit, data: ResultsWrite
) -> list[tuple[int, ResultWrite, ChecklistResult | None]]:
    """Return the items that change something, with their place and the row they replace."""
    rows = await results_of(session, visit)
    by_id = {row.id: row for row in rows}
    by_code = {row.criterion_code: row for row in rows}
    writes = []
    for index, item in enumerate(data.items):
        current = by_id.get(item.id)
        holder = by_code.get(item.criterion_code)
        if current is None and holder is not None:
            raise RecordVersionConflict(
                f"Criterion {item.criterion_code} already has a result, {holder.id}.",
                vi=f"Tiêu chí {item.criterion_code} đã có kết quả, mã {holder.id}.",
            )
        if current is None and await session.get(ChecklistResult, item.id) is not None:
            raise RecordVersionConflict(
                f"Result {item.id} belongs to another visit.",
                vi=f"Kết quả {item.id} thuộc một cuộc kiểm tra khác.",
            )
        if current is not None and current.criterion_code != item.criterion_code:
            raise RecordVersionConflict(
                f"Result {item.id} is of criterion {current.criterion_code}; a result keeps"
                " its criterion.",
                vi=f"Kết quả {item.id} thuộc tiêu chí {current.criterion_code}; không đổi"
                " được tiêu chí của một kết quả.",
            )
        if current is None or accept_version(
            stored=current.version, incoming=item.version, same=_same(current, item), what="result"
        ):
            writes.append((index, item, current))
    return writes


def _refuse_repeats(data: ResultsWrite) -> None:
    errors = []
    ids: set[object] = set()
    codes: set[str] = set()
    for index, item in enumerate(data.items):
        if item.id in ids:
            errors.append(
                FieldError(
                    loc=["body", "items", index, "id"],
                    msg="This result is given twice.",
                    vi="Kết quả này được gửi hai lần.",
                )
            )
        if item.criterion_code in codes:
            errors.append(
                FieldError(
                    loc=["body", "items", index, "criterion_code"],
                    msg="This criterion is given twice.",
                    vi="Tiêu chí này được gửi hai lần.",
                )
            )
        ids.add(item.id)
        codes.add(item.criterion_code)
    if errors:
        raise Invalid(
            "Each result and criterion once; see errors.",
            vi="Mỗi kết quả, mỗi tiêu chí chỉ một lần; xem chi tiết trong errors.",
            errors=errors,
        )


async def put_results(
    session: AsyncSession, *, visit: Visit, data: ResultsWrite, caller: Identity
) -> list[ChecklistResult]:
    """Record results of the pinned checklist version; resent versions change nothing."""
    _refuse_repeats(data)
    writes = await _writes(session, visit, data)
    if not writes:
        return await results_of(session, visit)
    refuse_sealed(visit)
    checklist = await pinned_checklist(session, visit, loc=["body", "items"])
    criteria = criteria_of(checklist)
    errors = [
        error
        for index, item, _ in writes
        for error in check_result(
            criteria,
            checklist,
            code=item.criterion_code,
            outcome=item.outcome,
            loc=["body", "items", index],
        )
    ]
    if errors:
        raise Invalid(
            "Some results do not fit the checklist; see errors.",
            vi="Một số kết quả không phù hợp với bộ tiêu chí; xem chi tiết trong errors.",
            errors=errors,
        )
    now = utcnow()
    for _, item, current in writes:
        fields: dict[str, Any] = {
            "version": item.version,
            "criterion_code": item.criterion_code,
            "outcome": item.outcome,
            "note": item.note,
            "recorded_by": caller.subject,
            "updated_at": now,
        }
        if current is None:
            session.add(ChecklistResult(id=item.id, visit_id=visit.id, recorded_at=now, **fields))
        else:
            for name, value in fields.items():
                setattr(current, name, value)
    touch(visit, now)
    rows = await results_of(session, visit)
    score = score_of(rows, criteria)
    publish(
        session,
        ChecklistResultsRecorded(
            visit_id=visit.id,
            unit_id=visit.unit_id,
            checklist_id=checklist.checklist_id,
            checklist_version=checklist.version,
            results=[
                CriterionResult(
                    result_id=item.id,
                    version=item.version,
                    criterion_code=item.criterion_code,
                    outcome=item.outcome,
                )
                for _, item, _ in writes
            ],
            points=score.points,
            possible=score.possible,
            recorded_by=caller.subject,
            recorded_at=now,
        ),
    )
    return rows


def score_of(rows: list[ChecklistResult], criteria: dict[str, dict[str, Any]]) -> Score:
    """Return the score: weights of criteria passed over those passed or failed."""
    points = possible = answered = 0
    for row in rows:
        criterion = criteria.get(row.criterion_code)
        if criterion is None:
            continue
        answered += 1
        weight = int(criterion.get("weight", 1))
        if row.outcome != "not_applicable":
            possible += weight
        if row.outcome == "pass":
            points += weight
    percent = round(100 * points / possible, 2) if possible else None
    return Score(
        points=points,
        possible=possible,
        percent=percent,
        answered=answered,
        criteria=len(criteria),
    )


async def results_read(session: AsyncSession, *, visit: Visit, show_recorders: bool) -> ResultsRead:
    """Return the visit's results and score as the API shows them."""
    rows = await results_of(session, visit)
    checklist = await checklist_version(session, visit.checklist_id, visit.checklist_version)
    criteria = criteria_of(checklist) if checklist is not None else {}
    items = [
        ResultRead.model_validate(
            {
                **row.model_dump(exclude={"visit_id", "recorded_by"}),
                "category_code": criteria.get(row.criterion_code, {}).get("category_code", ""),
                "weight": criteria.get(row.criterion_code, {}).get("weight", 1),
                "recorded_by": row.recorded_by if show_recorders else None,
            }
        )
        for row in rows
    ]
    return ResultsRead(
        checklist_id=visit.checklist_id,
        checklist_version=visit.checklist_version,
        items=items,
        score=score_of(rows, criteria),
    )
