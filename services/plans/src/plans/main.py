"""The plans service's app: `uvicorn --factory plans.main:create_app`."""

from functools import partial

from fastapi import FastAPI

from eventbus import audit
from eventbus.bus import EventBus
from plans.checklists.router import router as checklists
from plans.config import Settings
from plans.handlers import SUBSCRIPTIONS
from plans.scheduling.router import router as scheduling
from plans.teams.router import router as teams
from plans.units.router import router as units
from servicekit.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the plans app."""
    return create_service_app(
        settings or Settings(),
        title="CongVu plans",
        description="Danh mục đơn vị, đoàn kiểm tra, bộ tiêu chí và kế hoạch kiểm tra công vụ.",
        routers=[units, teams, checklists, scheduling],
        audit_sink=audit.stage,
        component=partial(EventBus, subscriptions=SUBSCRIPTIONS),
    )
