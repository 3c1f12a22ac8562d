"""Redis for tests: the local server where it answers; required on CI."""

import os
import socket

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_available() -> bool:
    """Tell whether a Redis server answers on 127.0.0.1:6379."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


# CI sets CONGVU_REQUIRE_REDIS=1: a missing server is then a failure, not a skip.
needs_redis = pytest.mark.skipif(
    not redis_available() and os.environ.get("CONGVU_REQUIRE_REDIS") != "1",
    reason="no Redis on 127.0.0.1:6379",
)
