"""The citizen-feedback service's app: `uvicorn --factory citizen_feedback.main:create_app`."""

from functools import partial

from fastapi import FastAPI

from citizen_feedback.config import Settings
from citizen_feedback.handlers import SUBSCRIPTIONS
from citizen_feedback.router import router
from eventbus import audit
from eventbus.bus import EventBus
from servicekit.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the citizen-feedback app."""
    return create_service_app(
        settings or Settings(),
        title="CongVu citizen feedback",
        description="Đánh giá sự hài lòng, phản ánh, kiến nghị của người dân.",
        routers=[router],
        audit_sink=audit.stage,
        component=partial(EventBus, subscriptions=SUBSCRIPTIONS),
    )
