"""One service's one-row read beside its ceilings: what a request costs inside the service.

`python bench/service_read.py [--requests 6000] [--concurrency 16] [--rounds 3]` migrates a
fresh plans database and imports the registry, starts an embedded broker and the plans
service alone (`python -m servicekit.serve plans`, as the Procfile does), waits until its
relay has published the import, then reads one unit `GET /api/v1/plans/units/{id}` as the
Ministry (national: no scope work), each request with its own identity token, in rounds
alternating with the ceiling: a bare Starlette app under the same uvicorn answering the same
JSON. It prints requests/s and the CPU each server spent per request (from /proc), the
service's ratio to the ceiling, and the CPU of a raw aiosqlite select of the same row. The
client runs on the same machine, so compare ratios within one run, not absolute numbers.

`--profile FILE` serves the plans app under pyinstrument instead (requirements-dev.txt) and
writes its text report to FILE: figures from that run are the profiler's, not the service's.
"""

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import aiosqlite
import httpx
from busbench import free_port
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from rawload import load
from stack import cpu_ticks, wait_settled
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devstack.broker import start_broker, stop_broker
from servicekit.access import (
    IDENTITY_HEADER,
    Identity,
    Role,
    mint_identity_token,
    request_binding,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CEILING_BODY = "CONGVU_BENCH_CEILING_BODY"


def ceiling() -> Starlette:
    """Return the ceiling: a bare Starlette app answering the service's JSON for any unit."""
    body = Path(os.environ[CEILING_BODY]).read_bytes()

    async def unit(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/api/v1/plans/units/{unit_id}", unit)])


def prepare(var: Path) -> tuple[str, str]:
    """Migrate and fill a plans database in `var`, make keys; return a unit's id and the URL."""
    url = f"sqlite+aiosqlite:///{var}/plans.db"
    for command in (
        ["alembic", "-c", "services/plans/alembic.ini", "upgrade", "head"],
        ["python", "-m", "plans.registry_import"],
        ["python", "-m", "devstack.keys", "--dir", str(var / "keys")],
    ):
        subprocess.run(
            [str(BIN / command[0]), *command[1:]],
            cwd=ROOT,
            env=os.environ | {"DATABASE_URL": url},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    found = subprocess.run(
        ["sqlite3", f"{var}/plans.db", "SELECT id FROM units ORDER BY code LIMIT 1 OFFSET 100"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    unit = f"{found[:8]}-{found[8:12]}-{found[12:16]}-{found[16:20]}-{found[20:]}"
    return unit, url


def wait_port(port: int, process: "subprocess.Popen[bytes]") -> None:
    """Wait until something accepts connections on `port`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} stopped")
        try:
            asyncio.run(asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1))
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answers on port {port}")


async def raw_select_ms(database: str, unit: str, reads: int = 3000) -> float:
    """Return the CPU per read of the same row by a bare aiosqlite select (no ORM, no HTTP)."""
    async with aiosqlite.connect(database) as connection:
        started = time.process_time()
        for _ in range(reads):
            async with connection.execute(
                "SELECT * FROM units WHERE id = ?", (unit.replace("-", ""),)
            ) as cursor:
                await cursor.fetchall()
        return (time.process_time() - started) * 1000 / reads


def main() -> None:
    """Start the plans service and the ceiling, measure both, stop them."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="serve plans under pyinstrument")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        unit, url = prepare(var)
        path = f"/api/v1/plans/units/{unit}"
        broker_port, plans_port, ceiling_port = free_port(), free_port(), free_port()
        broker = start_broker(broker_port, quiet=True)
        env = os.environ | {
            "DATABASE_URL": url,
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{broker_port}",
            "IDENTITY_PUBLIC_KEY_FILE": str(var / "keys" / "identity-public.pem"),
            CEILING_BODY: str(var / "body.json"),
        }
        serve = ["-m", "servicekit.serve", "plans", "--port", str(plans_port)]
        if args.profile:
            serve = ["-m", "pyinstrument", "-o", str(args.profile.resolve()), *serve]
        servers: dict[str, subprocess.Popen[bytes]] = {}
        try:
            servers["plans"] = subprocess.Popen([BIN / "python", *serve], cwd=ROOT, env=env)
            wait_port(plans_port, servers["plans"])
            print(f"idle {wait_settled(servers['plans'].pid):.0f} s after start (relay)")
            # The ceiling answers the very bytes the service answers.
            answer = httpx.get(
                f"http://127.0.0.1:{plans_port}{path}", headers=identities(var, path)()
            )
            (var / "body.json").write_bytes(answer.raise_for_status().content)
            servers["ceiling"] = subprocess.Popen(
                [
                    BIN / "uvicorn",
                    *("--app-dir", "bench", "--factory", "service_read:ceiling"),
                    *("--port", str(ceiling_port), "--no-access-log", "--log-level", "warning"),
                ],
                cwd=ROOT,
                env=env,
            )
            wait_port(ceiling_port, servers["ceiling"])
            ports = {"plans": plans_port, "ceiling": ceiling_port}
            asyncio.run(measure(args, servers, path, unit, var, ports))
        finally:
            for process in servers.values():
                process.send_signal(2)
                process.wait(30)
            stop_broker(broker)


def identities(var: Path, path: str) -> Callable[[], dict[str, str]]:
    """Return a maker of identity headers for the Ministry reading `path`."""
    key = load_pem_private_key((var / "keys" / "identity-private.pem").read_bytes(), None)
    caller = Identity(subject="bench", role=Role.NATIONAL)
    binding = request_binding("GET", path.encode(), b"")

    def identity() -> dict[str, str]:
        # Services accept an identity token once: each request carries its own.
        token = mint_identity_token(caller, private_key=key, service="plans", binding=binding)
        return {IDENTITY_HEADER: token}

    return identity


async def measure(
    args: argparse.Namespace,
    servers: "dict[str, subprocess.Popen[bytes]]",
    path: str,
    unit: str,
    var: Path,
    ports: dict[str, int],
) -> None:
    """Warm up both servers, then alternate rounds of the service and the ceiling."""
    identity = identities(var, path)
    targets = {"plans": (ports["plans"], identity), "ceiling": (ports["ceiling"], None)}
    for port, each in targets.values():
        await load(port=port, path=path, headers={}, requests=300, concurrency=4, each=each)
    ticks = dict.fromkeys(targets, 0)
    done = {name: (0, 0.0) for name in targets}
    for _ in range(args.rounds):
        for name, (port, each) in targets.items():
            pid = servers[name].pid
            before = cpu_ticks([pid])
            latencies, seconds = await load(
                port=port,
                path=path,
                headers={},
                requests=args.requests // args.rounds,
                concurrency=args.concurrency,
                each=each,
            )
            ticks[name] += cpu_ticks([pid]) - before
            done[name] = (done[name][0] + len(latencies), done[name][1] + seconds)
    ms_per_tick = 1000 / os.sysconf("SC_CLK_TCK")
    cpu = {name: ticks[name] * ms_per_tick / done[name][0] for name in targets}
    rate = {name: count / seconds for name, (count, seconds) in done.items()}
    print(f"GET {path}: concurrency {args.concurrency}, {args.rounds} alternating rounds")
    for name in targets:
        print(f"{name:<8} {rate[name]:.0f} requests/s, CPU {cpu[name]:.2f} ms per request")
    raw = await raw_select_ms(str(var / "plans.db"), unit)
    print(
        f"plans/ceiling: requests/s {rate['plans'] / rate['ceiling']:.3f}x, CPU per request"
        f" {cpu['plans'] / cpu['ceiling']:.0f}x; raw aiosqlite select of the row: {raw:.3f} ms"
        f" CPU (plans {cpu['plans'] / raw:.1f}x)"
    )


if __name__ == "__main__":
    main()
