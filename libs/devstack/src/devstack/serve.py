"""Run one CongVu app with uvicorn: `python -m devstack.serve plans --port 8001`."""

import argparse

import uvicorn

APPS = {
    "plans": "plans.main:create_app",
    "visits": "visits.main:create_app",
    "citizen-feedback": "citizen_feedback.main:create_app",
    "reporting": "reporting.main:create_app",
    "gateway": "gateway.main:create_app",
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
    )


if __name__ == "__main__":
    main()
