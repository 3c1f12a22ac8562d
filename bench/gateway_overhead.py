"""Gateway overhead: the same read, direct to the plans service and through the gateway.

`python bench/gateway_overhead.py [--requests 3000] [--concurrency 16]` starts `make up`
in a fresh data directory (ports 8000-8004 and 9092 must be free), waits until the stack is
idle (the consumers have caught up with the imported registry), registers one unit, then
reads it N times each way, in alternating rounds, and prints p50/p99 latency and requests
per second for both paths. The client runs on the same machine as the stack, so it takes
CPU from the servers (it uses a lean asyncio client, bench/rawload.py, for that reason):
compare the two paths, not the absolute numbers with other machines.

Through the gateway a request is authenticated (RS256 bearer token), authorised, rate
limited (in memory), given a signed identity (Ed25519) and proxied; direct, it carries the
identity token the gateway would have added and goes to the service alone.
"""

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from rawload import load
from stack import wait_settled

from devstack.token import mint_token
from servicekit.access import (
    IDENTITY_HEADER,
    Identity,
    Role,
    mint_identity_token,
    request_binding,
)

ROOT = Path(__file__).resolve().parents[1]
GATEWAY = "http://127.0.0.1:8000"
GATEWAY_PORT, PLANS_PORT = 8000, 8001


def wait_ready() -> None:
    """Poll the gateway's readiness until it answers 200."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{GATEWAY}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise SystemExit("the stack did not become ready")


def report(name: str, latencies: list[float], seconds: float) -> None:
    """Print one path's figures."""
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    print(
        f"{name:<8} {len(ms)} requests: p50 {q[49]:.2f} ms, p99 {q[98]:.2f} ms, "
        f"{len(ms) / seconds:.0f} requests/s"
    )


async def measure(keys: Path, requests: int, concurrency: int, rounds: int) -> None:
    """Register a unit and read it both ways."""
    admin = {"Authorization": f"Bearer {mint_token(Role.ADMIN, None, keys_dir=keys)}"}
    async with httpx.AsyncClient(base_url=GATEWAY, headers=admin) as client:
        unit = (
            await client.post(
                "/api/v1/plans/units",
                json={"code": "BENCH-1", "name": "Phường Hạ Long", "level": "commune"},
            )
        ).json()
    path = f"/api/v1/plans/units/{unit['id']}"
    inspectorate = mint_token(Role.INSPECTORATE, None, keys_dir=keys)
    identity_key = load_pem_private_key((keys / "identity-private.pem").read_bytes(), None)
    caller = Identity(subject="bench", role=Role.INSPECTORATE)
    # Valid for 60 s: minted again for every round.
    results: dict[str, tuple[list[float], float]] = {"direct": ([], 0.0), "gateway": ([], 0.0)}
    through_gateway = {"Authorization": f"Bearer {inspectorate}"}
    await load(port=GATEWAY_PORT, path=path, headers=through_gateway, requests=200, concurrency=4)
    for _ in range(rounds):
        identity = mint_identity_token(
            caller,
            private_key=identity_key,
            service="plans",
            binding=request_binding("GET", path.encode(), b""),
        )
        for name, port, headers in (
            ("direct", PLANS_PORT, {IDENTITY_HEADER: identity}),
            ("gateway", GATEWAY_PORT, through_gateway),
        ):
            latencies, seconds = await load(
                port=port,
                path=path,
                headers=headers,
                requests=requests // rounds,
                concurrency=concurrency,
            )
            results[name] = (results[name][0] + latencies, results[name][1] + seconds)
    for name, (latencies, seconds) in results.items():
        report(name, latencies, seconds)
    direct_p50 = statistics.median(results["direct"][0]) * 1000
    gateway_p50 = statistics.median(results["gateway"][0]) * 1000
    print(f"gateway overhead at p50: {gateway_p50 - direct_p50:.2f} ms")


def main() -> None:
    """Start the stack, measure, stop it."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"concurrency {args.concurrency}, {args.rounds} alternating rounds")
    with tempfile.TemporaryDirectory() as var:
        process = subprocess.Popen(
            ["make", "up", f"VAR={var}"],
            cwd=ROOT,
            env=os.environ | {"RATE_LIMIT_PER_MINUTE": "1000000"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_ready()
            print(f"idle {wait_settled(process.pid):.0f} s after ready (event catch-up)")
            asyncio.run(measure(Path(var) / "keys", args.requests, args.concurrency, args.rounds))
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(60)


if __name__ == "__main__":
    main()
