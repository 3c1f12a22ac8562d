"""Run one CongVu app with uvicorn: `python -m devstack.serve plans --port 8001`."""

import argparse
from typing import Any

import uvicorn

from devstack.headerlimit import header_limited

APPS = {
    "plans": "plans.main:create_app",
    "visits": "visits.main:create_app",
    "citizen-feedback": "citizen_feedback.main:create_app",
    "reporting": "reporting.main:create_app",
    "gateway": "gateway.main:create_app",
}
SERVICE_MAX_HEADER_BYTES = 128 * 1024


def server_options(app: str) -> dict[str, Any]:
    """Return how uvicorn reads requests for `app`: the head's cap, whose proxy to believe."""
    if app != "gateway":
        # Services are reached through the gateway only, which sets X-Forwarded-For itself;
        # they read that header and never let uvicorn rewrite the peer. Their cap leaves room
        # for what the gateway adds to headers it let through (MAX_HEADER_BYTES, at most 64 KiB).
        return {"http": header_limited(SERVICE_MAX_HEADER_BYTES), "proxy_headers": False}
    from gateway.config import Settings

    settings = Settings()
    return {
        "http": header_limited(settings.max_header_bytes),
        # Only the ingress's X-Forwarded-For is believed (right-most address it did not add);
        # with FORWARDED_ALLOW_IPS empty, the client address is the connection's.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }


def main() -> None:
    """Serve the named app on 127.0.0.1 until SIGINT/SIGTERM, then shut down gracefully."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        APPS[args.app],
        factory=True,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        **server_options(args.app),
    )


if __name__ == "__main__":
    main()
