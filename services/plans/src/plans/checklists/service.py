"""Domain logic of checklist templates."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from contracts.plans import ChecklistVersionPublished
from plans.checklists.schemas import (
    ChecklistContent,
    ChecklistCreate,
    ChecklistRead,
    ChecklistVersionRead,
)
from plans.errors import ChecklistNotFound
from plans.events import publish
from plans.models import Checklist, ChecklistVersion
from servicekit.errors import Invalid
from servicekit.pagination import SortOrder, page_by_id
from servicekit.times import utcnow


def check_codes(content: ChecklistContent) -> None:
    """Refuse a version where two categories, or two criteria, share a code."""
    categories: set[str] = set()
    criteria: set[str] = set()
    for i, category in enumerate(content.categories):
        if category.code in categories:
            raise Invalid.field(
                ["body", "categories", i, "code"], "Another category has this code."
            )
        categories.add(category.code)
        for j, criterion in enumerate(category.criteria):
            if criterion.code in criteria:
                raise Invalid.field(
                    ["body", "categories", i, "criteria", j, "code"],
                    "Another criterion has this code.",
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
    publish(
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
    checklist_id: uuid.UUID | None = None,
) -> ChecklistRead:
    """Create a template and publish its version 1."""
    now = utcnow()
    checklist = Checklist(
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


async def get_checklist(
    session: AsyncSession, *, checklist_id: uuid.UUID
) -> tuple[Checklist, ChecklistRead]:
    """Return a template, as stored and as read with its current version."""
    checklist = await session.get(Checklist, checklist_id)
    if checklist is None:
        raise ChecklistNotFound(f"No checklist has id {checklist_id}.")
    current = await session.get(ChecklistVersion, (checklist.id, checklist.current_version))
    assert current is not None, "the current version is written with the template"
    return checklist, _read(checklist, current)


async def get_version(
    session: AsyncSession, *, checklist_id: uuid.UUID, version: int
) -> ChecklistVersionRead:
    """Return one published version of a template."""
    row = await session.get(ChecklistVersion, (checklist_id, version))
    if row is None:
        raise ChecklistNotFound(f"Checklist {checklist_id} has no version {version}.")
    return _version_read(row)


async def publish_version(
    session: AsyncSession, *, checklist: Checklist, data: ChecklistContent, actor: str
) -> ChecklistRead:
    """Publish a new version; inspections already scheduled keep the one they pinned."""
    checklist.current_version += 1
    checklist.name = data.name
    checklist.updated_at = utcnow()
    return _read(checklist, _publish_version(session, checklist, data, actor=actor))


async def list_checklists(
    session: AsyncSession, *, limit: int, cursor: str | None, sort: str | None = None
) -> tuple[list[ChecklistRead], str | None]:
    """Return a page of templates with their current versions."""
    sortable = {"name": Checklist.name, "updated_at": Checklist.updated_at}
    checklists, next_cursor = await page_by_id(
        session,
        select(Checklist),
        id_column=Checklist.id,
        limit=limit,
        cursor=cursor,
        sort=SortOrder.of(sort, sortable) if sort else None,
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
