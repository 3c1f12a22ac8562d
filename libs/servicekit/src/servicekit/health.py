"""Health endpoints: /healthz says the process is alive, /readyz that its dependencies answer."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

ReadinessCheck = Callable[[], Awaitable[None]]
CHECK_TIMEOUT_S = 2.0


def health_router(checks: Callable[[Request], Mapping[str, ReadinessCheck]]) -> APIRouter:
    """Return the health routes; `checks` gives the readiness checks of the running app."""
    router = APIRouter(tags=["health"])

    @router.get(
        "/healthz",
        summary="Liveness: the process is running",
        description="Tiến trình đang chạy. Không kiểm tra cơ sở dữ liệu hay các dịch vụ khác.",
    )
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Readiness: the database and the broker answer",
        description=(
            "Sẵn sàng nhận yêu cầu: mọi phụ thuộc (cơ sở dữ liệu, broker, Redis; ở gateway:"
            " các dịch vụ) đều trả lời. 503 nếu có phụ thuộc không trả lời."
        ),
        responses={503: {"description": "A dependency does not answer"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks(request).items():
            try:
                await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"failed: {type(exc).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    return router
