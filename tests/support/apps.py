"""Service apps run in the test's event loop, lifespan included, reached over ASGI."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from citizen_feedback.config import Settings as FeedbackSettings
from citizen_feedback.main import create_app as create_feedback_app
from plans.config import Settings as PlansSettings
from plans.main import create_app as create_plans_app
from reporting.config import Settings as ReportingSettings
from reporting.main import create_app as create_reporting_app
from servicekit.access import Role
from tests.support.identity import PUBLIC_PEM, as_
from visits.config import Settings as VisitsSettings
from visits.main import create_app as create_visits_app

FACTORIES: dict[str, tuple[Any, Any]] = {
    "plans": (PlansSettings, create_plans_app),
    "visits": (VisitsSettings, create_visits_app),
    "citizen-feedback": (FeedbackSettings, create_feedback_app),
    "reporting": (ReportingSettings, create_reporting_app),
}

# Small timeouts so consumer groups form in about a second (see ARCHITECTURE.md).
FAST_BUS = {
    "kafka_session_timeout_ms": 2000,
    "kafka_heartbeat_interval_ms": 300,
    "relay_poll_interval_s": 0.2,
    "relay_probe_interval_s": 0.5,
    "consumer_retry_backoff_s": 0.05,
    "log_json": False,
}


def build_app(service: str, *, database_url: str, bootstrap: str, **overrides: Any) -> FastAPI:
    """Build a service app wired to a test database and broker."""
    settings_class, factory = FACTORIES[service]
    settings = settings_class(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        identity_public_key=PUBLIC_PEM,
        **(FAST_BUS | overrides),
    )
    app: FastAPI = factory(settings)
    return app


class AppClient(httpx.AsyncClient):
    """An HTTP client bound to an in-process app, which the test can also inspect."""

    def __init__(
        self, app: FastAPI, auth: httpx.Auth, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            auth=auth,
            headers=headers,
        )
        self.app = app


# Who calls each service unless a test says otherwise.
DEFAULT_ROLES = {
    "plans": Role.ADMIN,
    "visits": Role.INSPECTOR,
    "citizen-feedback": Role.PUBLIC,
    "reporting": Role.INSPECTORATE,
}


@asynccontextmanager
async def serve(
    app: FastAPI, role: Role | None = None, *, language: str | None = None
) -> AsyncIterator[AppClient]:
    """Run the app's lifespan and yield an HTTP client bound to it, calling as `role`.

    `language` is the client's Accept-Language: problems come in Vietnamese without one.
    """
    role = role or DEFAULT_ROLES.get(app.state.settings.service_name, Role.ADMIN)
    headers = {"Accept-Language": language} if language else None
    async with app.router.lifespan_context(app), AppClient(app, as_(role), headers) as client:
        yield client
