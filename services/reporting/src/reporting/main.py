"""The reporting service's app: `uvicorn --factory reporting.main:create_app`."""

from functools import partial

from fastapi import FastAPI

from eventbus import audit
from eventbus.bus import EventBus
from reporting.config import Settings
from reporting.handlers import SUBSCRIPTIONS
from reporting.router import router
from servicekit.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the reporting app."""
    return create_service_app(
        settings or Settings(),
        title="CongVu reporting",
        description="Báo cáo, bảng điểm đơn vị, xếp hạng, xuất dữ liệu; dựng lại từ sự kiện.",
        routers=[router],
        audit_sink=audit.stage,
        component=partial(EventBus, subscriptions=SUBSCRIPTIONS),
    )
