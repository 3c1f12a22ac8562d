"""The visits service's app: `uvicorn --factory visits.main:create_app`."""

from functools import partial

from fastapi import FastAPI

from eventbus import audit
from eventbus.bus import EventBus
from servicekit.app import create_service_app
from visits.config import Settings
from visits.handlers import SUBSCRIPTIONS
from visits.router import router


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the visits app."""
    return create_service_app(
        settings or Settings(),
        title="CongVu visits",
        description="Các cuộc kiểm tra tại đơn vị: điểm danh, kết quả, vi phạm, kết luận.",
        routers=[router],
        audit_sink=audit.stage,
        component=partial(EventBus, subscriptions=SUBSCRIPTIONS),
    )
