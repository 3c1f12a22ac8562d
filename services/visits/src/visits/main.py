"""The visits service's app: `uvicorn --factory visits.main:create_app`."""

from functools import partial

from fastapi import FastAPI

from eventbus import audit
from eventbus.bus import EventBus
from servicekit.app import create_service_app
from visits.amendments.router import router as amendments
from visits.attendance.router import router as attendance
from visits.config import Settings
from visits.evidence.router import router as evidence
from visits.handlers import SUBSCRIPTIONS
from visits.offline.router import router as sync
from visits.results.router import router as results
from visits.router import router as visits
from visits.violations.router import router as violations


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the visits app."""
    return create_service_app(
        settings or Settings(),
        title="CongVu visits",
        description="Các cuộc kiểm tra tại đơn vị: điểm danh, kết quả, vi phạm, kết luận.",
        routers=[visits, attendance, results, violations, amendments, evidence, sync],
        audit_sink=audit.stage,
        component=partial(EventBus, subscriptions=SUBSCRIPTIONS),
    )
