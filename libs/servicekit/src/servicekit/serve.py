"""Run one CongVu app with uvicorn: `python -m servicekit.serve plans --port 8001`.

The serving entry point of every process, in the image as on one machine. Apps are named by
import string, so serving one imports that app alone.
"""

import argparse
from typing import Any

import uvicorn
from uvicorn.importer import import_from_string

from servicekit.headerlimit import header_limited

APPS = {
    "plans": "plans.main:create_app",
    "visits": "visits.main:create_app",
    "citizen-feedback": "citizen_feedback.main:create_app",
    "reporting": "reporting.main:create_app",
    "gateway": "gateway.main:create_app",
}
# Apps that say themselves how uvicorn reads their requests (the public one: its own cap and
# the proxy it believes); the services get SERVICE_OPTIONS.
OPTIONS = {"gateway": "gateway.main:server_options"}
SERVICE_MAX_HEADER_BYTES = 128 * 1024


def server_options(app: str) -> dict[str, Any]:
    """Return how uvicorn reads requests for `app`: the head's cap, whose proxy to believe."""
    if app in OPTIONS:
        options: dict[str, Any] = import_from_string(OPTIONS[app])()
        return options
    # Services are reached through the gateway only, which sets X-Forwarded-For itself; they
    # read that header and never let uvicorn rewrite the peer. Their cap leaves room for what
    # the gateway adds to headers it let through (MAX_HEADER_BYTES, at most 64 KiB).
    return {"http": header_limited(SERVICE_MAX_HEADER_BYTES), "proxy_headers": False}


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
