"""The whole system as separate processes: broker, four services and the gateway."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from devstack.keys import ensure_keys
from devstack.token import mint_token
from servicekit.access import Role
from tests.support.databases import ROOT, SERVICES
from tests.support.ports import free_port

APPS = (*SERVICES, "gateway")
CLIENT_ID = "hcc-quang-ninh"
CLIENT_SECRETS = ("first-secret-of-22", "second-secret-of-22")


class Stack:
    """Runs like `make up`, on free ports and with its own SQLite files under `workdir`."""

    def __init__(self, workdir: Path, **gateway_env: str) -> None:
        self.workdir = workdir
        self.keys_dir = workdir / "keys"
        ensure_keys(self.keys_dir)
        self.ports = {name: free_port() for name in (*APPS, "broker")}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.gateway_env = {
            "PROVINCIAL_CLIENTS": json.dumps(
                [{"id": CLIENT_ID, "province_code": "22", "secrets": list(CLIENT_SECRETS)}]
            ),
            **gateway_env,
        }

    def bearer(
        self, role: Role, unit: str | None = None, subject: str | None = None
    ) -> dict[str, str]:
        """Return an Authorization header for a person with `role` at `unit`.

        Every role but `national` names a unit: a province's officials their province's code.
        """
        token = mint_token(role, unit, keys_dir=self.keys_dir, subject=subject)
        return {"Authorization": f"Bearer {token}"}

    def province(self, code: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """Register a province as the Ministry does, or find the one registered; return it.

        The stack starts with an empty registry: a province's people act for it once it is in.
        """
        ministry = self.bearer(Role.NATIONAL)
        url = f"{self.gateway_url}/api/v1/plans/units"
        body = {"code": code, "name": name or f"Tỉnh {code}", "level": "province", **fields}
        response = httpx.post(url, json=body, headers=ministry, timeout=10)
        if response.status_code == 409:
            response = httpx.get(url, params={"code": code}, headers=ministry, timeout=10)
            assert response.status_code == 200, response.text
            found: dict[str, Any] = response.json()["items"][0]
            return found
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def database_url(self, service: str) -> str:
        return f"sqlite+aiosqlite:///{self.workdir}/{service}.db"

    def env(self, app: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{self.ports['broker']}",
            KAFKA_SESSION_TIMEOUT_MS="2000",
            KAFKA_HEARTBEAT_INTERVAL_MS="300",
            LOG_JSON="true",
        )
        env["IDENTITY_PUBLIC_KEY_FILE"] = str(self.keys_dir / "identity-public.pem")
        env["IDENTITY_PRIVATE_KEY_FILE"] = str(self.keys_dir / "identity-private.pem")
        env["OIDC_JWKS_FILE"] = str(self.keys_dir / "oidc-jwks.json")
        if app in SERVICES:
            env["DATABASE_URL"] = self.database_url(app)
        else:
            env.update(self.gateway_env)
        for service in SERVICES:
            key = f"{service.replace('-', '_').upper()}_URL"
            env[key] = f"http://127.0.0.1:{self.ports[service]}"
        return env

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.workdir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", *args], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )

    def start(self, timeout_s: float = 60.0) -> None:
        """Start everything and wait until the gateway says every service is ready."""
        self._spawn(
            "broker", ["devstack.broker", "--port", str(self.ports["broker"])], self.env("broker")
        )
        for service in SERVICES:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "alembic",
                    "-c",
                    f"services/{service}/alembic.ini",
                    "upgrade",
                    "head",
                ],
                env=self.env(service),
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        for app in APPS:
            self.start_app(app)
        self.wait_ready(timeout_s)

    def start_app(self, app: str) -> None:
        """Start one service or the gateway."""
        self._spawn(app, ["servicekit.serve", app, "--port", str(self.ports[app])], self.env(app))

    def start_extra_gateway(self, name: str, **env: str) -> str:
        """Start another gateway in front of the same services, with other settings."""
        self.ports[name] = free_port()
        self._spawn(
            name,
            ["servicekit.serve", "gateway", "--port", str(self.ports[name])],
            self.env("gateway") | env,
        )
        url = f"http://127.0.0.1:{self.ports[name]}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError(f"gateway {name} did not start")

    def wait_ready(self, timeout_s: float) -> None:
        """Wait until /readyz of every service (database and broker) and of the gateway is 200."""
        deadline = time.monotonic() + timeout_s
        urls = [f"http://127.0.0.1:{self.ports[a]}/readyz" for a in APPS]
        while True:
            try:
                if all(httpx.get(u, timeout=2).status_code == 200 for u in urls):
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"stack not ready; logs in {self.workdir}")
            time.sleep(0.1)

    def stop_app(self, app: str) -> None:
        """Stop one process gracefully (SIGTERM; SIGINT for the broker)."""
        process = self.processes.pop(app, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT if app == "broker" else signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        """Stop the gateways and services, then the broker."""
        for app in [*(p for p in self.processes if p not in (*APPS, "broker")), *reversed(APPS)]:
            self.stop_app(app)
        self.stop_app("broker")
