"""The plans service's app: `uvicorn --factory plans.main:create_app`."""

from fastapi import FastAPI

from eventbus import audit
from eventbus.bus import EventBus
from plans.config import Settings
from plans.router import router
from servicekit.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the plans app."""
    return create_service_app(
        settings or Settings(),
        title="CongVu plans",
        description="Danh mục đơn vị, đoàn kiểm tra, bộ tiêu chí và kế hoạch kiểm tra công vụ.",
        routers=[router],
        audit_sink=audit.stage,
        component=EventBus,
    )
