"""Domain logic of checklist templates."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from contracts.plans import ChecklistVersionPublished
from eventbus import outbox
from plans.checklists.schemas import (
    ChecklistContent,
    ChecklistCreate,
    ChecklistRead,
    ChecklistVersionRead,
)
from plans.errors import ChecklistNotFound, NationalChecklist
from plans.models import Checklist, ChecklistVersion
from plans.tenancy import TREE
from servicekit.access import Identity
from servicekit.errors import Invalid
from servicekit.pagination import SortKey, page_by_id
from servicekit.times import utcnow


def check_codes(content: ChecklistContent) -> None:
    """Refuse a version where two categories, or two criteria, share a code."""
    categories: set[str] = set()
    criteria: set[str] = set()
    for i, category in enumerate(content.categories):
        if category.code in categories:
            raise Invalid.field(
                ["body", "categories", i, "code"],
                "Another category has this code.",
                vi="Mã này đã được dùng cho một nhóm tiêu chí khác.",
            )
        categories.add(category.code)
        for j, criterion in enumerate(category.criteria):
            if criterion.code in criteria:
                raise Invalid.field(
                    ["body", "categories", i, "criteria", j, "code"],
                    "Another criterion has this code.",
                    vi="Mã này đã được dùng cho một tiêu chí khác.",
                )
            criteria.add(criterion.code)


def _version_read(version: ChecklistVersion) -> ChecklistVersionRead:
    return ChecklistVersionRead.model_validate(version.model_dump())


def _read(checklist: Checklist, current: ChecklistVersion) -> ChecklistRead:
    return ChecklistRead.model_validate(
        {**checklist.model_dump(), "current": _version_read(current)}
    )


def _publish_version(
    session: AsyncSession, checklist: Checklist, content: ChecklistContent, *, actor: str
) -> ChecklistVersion:
    check_codes(content)
    version = ChecklistVersion(
        checklist_id=checklist.id,
        version=checklist.current_version,
        name=content.name,
        categories=[c.model_dump() for c in content.categories],
        note=content.note,
        published_by=actor,
        published_at=checklist.updated_at,
    )
    session.add(version)
    outbox.add(
        session,
        ChecklistVersionPublished(
            checklist_id=checklist.id,
            version=version.version,
            name=version.name,
            categories=list(content.categories),
            published_by=actor,
            published_at=version.published_at,
        ),
    )
    return version


async def create_checklist(
    session: AsyncSession,
    *,
    data: ChecklistCreate,
    actor: str,
    province_id: uuid.UUID | None,
    checklist_id: uuid.UUID | None = None,
) -> ChecklistRead:
    """Create a province's template (None: a national one) and publish its version 1."""
    now = utcnow()
    checklist = Checklist(
        province_id=province_id,
        name=data.name,
        description=data.description,
        current_version=1,
        created_at=now,
        updated_at=now,
    )
    if checklist_id is not None:
        checklist.id = checklist_id
    session.add(checklist)
    await session.flush()
    return _read(checklist, _publish_version(session, checklist, data, actor=actor))


def visible_checklists(caller: Identity) -> Any:
    """Return the condition selecting the national templates and the caller's province's."""
    return or_(col(Checklist.province_id).is_(None), TREE.owned(caller, col(Checklist.province_id)))


async def get_checklist(
    session: AsyncSession, *, checklist_id: uuid.UUID, caller: Identity
) -> Checklist:
    """Return a template the caller sees."""
    checklist = await session.scalar(
        select(Checklist).where(col(Checklist.id) == checklist_id, visible_checklists(caller))
    )
    if checklist is None:
        raise ChecklistNotFound(
            f"No checklist has id {checklist_id}.",
            vi=f"Không có bộ tiêu chí nào có mã định danh {checklist_id}.",
        )
    return checklist


async def checklist_read(session: AsyncSession, *, checklist: Checklist) -> ChecklistRead:
    """Return the template as the API shows it, with its current version."""
    current = await session.get(ChecklistVersion, (checklist.id, checklist.current_version))
    assert current is not None, "the current version is written with the template"
    return _read(checklist, current)


async def get_version(
    session: AsyncSession, *, checklist_id: uuid.UUID, version: int, caller: Identity
) -> ChecklistVersionRead:
    """Return one published version of a template the caller sees."""
    row = await session.scalar(
        select(ChecklistVersion).where(
            col(ChecklistVersion.checklist_id) == checklist_id,
            col(ChecklistVersion.version) == version,
            col(ChecklistVersion.checklist_id).in_(
                select(Checklist.id).where(visible_checklists(caller))
            ),
        )
    )
    if row is None:
        raise ChecklistNotFound(
            f"Checklist {checklist_id} has no version {version}.",
            vi=f"Bộ tiêu chí {checklist_id} không có phiên bản {version}.",
        )
    return _version_read(row)


async def publish_version(
    session: AsyncSession, *, checklist: Checklist, data: ChecklistContent, actor: str
) -> ChecklistRead:
    """Publish a new version; inspections already scheduled keep the one they pinned."""
    if checklist.province_id is None:
        raise NationalChecklist(
            f"Checklist {checklist.name!r} is the Ministry's: create your province's own"
            " checklist from its content instead.",
            vi=f"Bộ tiêu chí {checklist.name!r} là của Bộ Nội vụ: hãy tạo bộ tiêu chí của tỉnh"
            " từ nội dung của nó.",
        )
    checklist.current_version += 1
    checklist.name = data.name
    checklist.updated_at = utcnow()
    return _read(checklist, _publish_version(session, checklist, data, actor=actor))


class ChecklistSort(SortKey):
    """How the checklist list may be sorted: `field` ascending, `-field` descending."""

    NAME = "name", Checklist.name
    NAME_DESC = "-name", Checklist.name
    UPDATED_AT = "updated_at", Checklist.updated_at
    UPDATED_AT_DESC = "-updated_at", Checklist.updated_at


async def list_checklists(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None,
    sort: ChecklistSort | None = None,
    caller: Identity,
) -> tuple[list[ChecklistRead], str | None]:
    """Return a page of the templates the caller sees, with their current versions."""
    checklists, next_cursor = await page_by_id(
        session,
        select(Checklist).where(visible_checklists(caller)),
        id_column=Checklist.id,
        limit=limit,
        cursor=cursor,
        sort=sort,
    )
    versions = {
        (v.checklist_id, v.version): v
        for v in await session.scalars(
            select(ChecklistVersion).where(
                col(ChecklistVersion.checklist_id).in_([c.id for c in checklists])
            )
        )
    }
    return [_read(c, versions[(c.id, c.current_version)]) for c in checklists], next_cursor
