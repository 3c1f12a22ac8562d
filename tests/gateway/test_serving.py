"""How uvicorn serves the gateway and the services: whose X-Forwarded-For, how big a head."""

import pytest

from servicekit.serve import server_options


def test_the_gateway_believes_no_proxy_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    options = server_options("gateway")
    assert options["proxy_headers"] is False
    assert options["http"].max_header_bytes == 32 * 1024


def test_the_gateway_believes_the_configured_ingress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.42.0.0/16, 10.43.0.10")
    monkeypatch.setenv("MAX_HEADER_BYTES", "16384")
    options = server_options("gateway")
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == ["10.42.0.0/16", "10.43.0.10"]
    assert options["http"].max_header_bytes == 16384


def test_services_never_rewrite_the_peer(monkeypatch: pytest.MonkeyPatch) -> None:
    # uvicorn itself would read FORWARDED_ALLOW_IPS; services are behind the gateway only.
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "127.0.0.1")
    assert server_options("plans")["proxy_headers"] is False
