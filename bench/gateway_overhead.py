"""Gateway overhead: the same read, direct to the plans service and through the gateway.

`python bench/gateway_overhead.py [--requests 3000] [--concurrency 1 16] [--baseline DIR]`
starts `make up` in a fresh data directory (ports 8000-8004 and 9092 must be free), waits
until the stack is idle (the consumers have caught up with the imported registry), then at
each concurrency reads one of the imported units N times each way, in alternating rounds,
and prints p50/p99 latency and requests per second for both paths, the gateway's ratios to
direct, and the CPU time the gateway and plans processes spent per request (from /proc).
The client runs on the same machine as the stack, so it takes CPU from the servers (it uses
a lean asyncio client, bench/rawload.py, for that reason): compare the paths, not the
absolute numbers with other machines.

`--baseline DIR` also serves another version of the gateway beside the stack's, on port
8010 with the same settings: DIR holds its `gateway` package (for example `gateway/src` of
an earlier commit, from `git archive`). It is read as a third path in the same alternating
rounds, so a change is compared with what it replaces on the same machine in the same
minute.

Through the gateway a request is authenticated (RS256 bearer token), authorised, rate
limited (in memory), given a signed identity (Ed25519) and proxied; direct, it carries the
identity token the gateway would have added (a fresh one each request, as services accept
a token once) and goes to the service alone.
"""

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from rawload import load
from stack import cpu_ticks, descendants, wait_settled

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
GATEWAY_PORT, PLANS_PORT, BASELINE_PORT = 8000, 8001, 8010
# What the stack's processes are given besides `make up`'s own settings.
STACK_ENV = {"RATE_LIMIT_PER_MINUTE": "1000000"}


def wait_ready(process: subprocess.Popen[bytes], url: str = GATEWAY) -> None:
    """Poll a gateway's readiness until it answers 200."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        # Another stack on the same ports would answer too: its own must still be running.
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} stopped: are its ports free?")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} did not become ready")


@contextmanager
def baseline_gateway(package_dir: Path, var: Path) -> Iterator[int]:
    """Serve the gateway package in `package_dir` on BASELINE_PORT, as `make up` serves its own.

    Yields the serving process's id.
    """
    keys = var / "keys"
    # Ahead of the installed packages, so its `gateway` is imported instead of the stack's.
    path = [str(package_dir.resolve()), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = os.environ | STACK_ENV
    env |= {
        "PYTHONPATH": os.pathsep.join(path),
        "IDENTITY_PRIVATE_KEY_FILE": str(keys / "identity-private.pem"),
        "OIDC_JWKS_FILE": str(keys / "oidc-jwks.json"),
    }
    command = [sys.executable, "-m", "servicekit.serve", "gateway", "--port", str(BASELINE_PORT)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_ready(process, f"http://127.0.0.1:{BASELINE_PORT}")
        yield process.pid
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)


def report(name: str, latencies: list[float], seconds: float) -> None:
    """Print one path's figures."""
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    print(
        f"{name:<8} {len(ms)} requests: p50 {q[49]:.2f} ms, p99 {q[98]:.2f} ms, "
        f"{len(ms) / seconds:.0f} requests/s"
    )


def server_pid(root: int, app: str) -> int:
    """Return the process that serves `app` in the stack started as `root`."""
    wanted = f"servicekit.serve\0{app}\0".encode()
    for pid in descendants(root):
        try:
            if wanted in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except FileNotFoundError:
            continue
    raise SystemExit(f"no {app} process in the stack")


async def compare(
    path: str,
    gateway_headers: dict[str, str],
    direct_identity: Callable[[], dict[str, str]],
    *,
    servers: dict[str, int],
    requests: int,
    concurrency: int,
    rounds: int,
) -> None:
    """Read `path` every way at one concurrency, in alternating rounds, and print the ratios.

    `servers` holds the plans process and each gateway's ("gateway", and "baseline" if any).
    """
    ways: dict[str, tuple[int, dict[str, str], Callable[[], dict[str, str]] | None]] = {
        "direct": (PLANS_PORT, {}, direct_identity),
        "gateway": (GATEWAY_PORT, gateway_headers, None),
    }
    if "baseline" in servers:
        ways["baseline"] = (BASELINE_PORT, gateway_headers, None)
    results: dict[str, tuple[list[float], float]] = {name: ([], 0.0) for name in ways}
    # CPU clock ticks each server spent on each path's requests.
    ticks = {name: dict.fromkeys(servers, 0) for name in ways}
    for _ in range(rounds):
        for name, (port, headers, each) in ways.items():
            before = {app: cpu_ticks([pid]) for app, pid in servers.items()}
            latencies, seconds = await load(
                port=port,
                path=path,
                headers=headers,
                requests=requests // rounds,
                concurrency=concurrency,
                each=each,
            )
            for app, pid in servers.items():
                ticks[name][app] += cpu_ticks([pid]) - before[app]
            results[name] = (results[name][0] + latencies, results[name][1] + seconds)
    print(f"concurrency {concurrency}, {rounds} alternating rounds")
    for name, (latencies, seconds) in results.items():
        report(name, latencies, seconds)
    p50 = {name: statistics.median(latencies) * 1000 for name, (latencies, _) in results.items()}
    rate = {name: len(latencies) / seconds for name, (latencies, seconds) in results.items()}
    for name, than in (("gateway", "direct"), ("baseline", "direct"), ("gateway", "baseline")):
        if name in results and than in results:
            print(
                f"{name}/{than}: p50 {p50[name] / p50[than]:.2f}x"
                f" ({p50[name] - p50[than]:+.2f} ms), requests/s {rate[name] / rate[than]:.2f}x"
            )
    ms_per_tick = 1000 / os.sysconf("SC_CLK_TCK")

    def cpu_ms(name: str, app: str) -> float:
        return ticks[name][app] * ms_per_tick / len(results[name][0])

    # Through a gateway, the CPU is that gateway's own process and the plans service's.
    spent = [f"direct: plans {cpu_ms('direct', 'plans'):.2f} ms"] + [
        f"through the {name}: {name} {cpu_ms(name, name):.2f} ms,"
        f" plans {cpu_ms(name, 'plans'):.2f} ms"
        for name in ways
        if name != "direct"
    ]
    print("CPU per request: " + "; ".join(spent))


async def measure(
    keys: Path, servers: dict[str, int], requests: int, concurrencies: list[int], rounds: int
) -> None:
    """Read one unit of the imported registry every way at each concurrency."""
    # The Ministry's role reaches every unit, so the read does no scope work.
    national = mint_token(Role.NATIONAL, None, keys_dir=keys)
    through_gateway = {"Authorization": f"Bearer {national}"}
    async with httpx.AsyncClient(base_url=GATEWAY, headers=through_gateway) as client:
        listed = await client.get("/api/v1/plans/units", params={"limit": 1})
        unit = listed.raise_for_status().json()["items"][0]
    path = f"/api/v1/plans/units/{unit['id']}"
    identity_key = load_pem_private_key((keys / "identity-private.pem").read_bytes(), None)
    caller = Identity(subject="bench", role=Role.NATIONAL)
    binding = request_binding("GET", path.encode(), b"")

    def direct_identity() -> dict[str, str]:
        # Services accept an identity token once: each direct request carries its own.
        token = mint_identity_token(
            caller, private_key=identity_key, service="plans", binding=binding
        )
        return {IDENTITY_HEADER: token}

    warm_up = [(GATEWAY_PORT, through_gateway, None), (PLANS_PORT, {}, direct_identity)]
    if "baseline" in servers:
        warm_up.append((BASELINE_PORT, through_gateway, None))
    for port, headers, each in warm_up:
        await load(port=port, path=path, headers=headers, requests=200, concurrency=4, each=each)
    for concurrency in concurrencies:
        await compare(
            path,
            through_gateway,
            direct_identity,
            servers=servers,
            requests=requests,
            concurrency=concurrency,
            rounds=rounds,
        )


def main() -> None:
    """Start the stack, measure, stop it."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 16], help="one run per value"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also serve the gateway package in DIR (port 8010) and measure it alongside",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as var:
        process = subprocess.Popen(
            ["make", "up", f"VAR={var}"],
            cwd=ROOT,
            env=os.environ | STACK_ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_ready(process)
            print(f"idle {wait_settled(process.pid):.0f} s after ready (event catch-up)")
            servers = {app: server_pid(process.pid, app) for app in ("gateway", "plans")}
            keys = Path(var) / "keys"
            with ExitStack() as stack:
                if args.baseline is not None:
                    servers["baseline"] = stack.enter_context(
                        baseline_gateway(args.baseline, Path(var))
                    )
                asyncio.run(measure(keys, servers, args.requests, args.concurrency, args.rounds))
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(60)


if __name__ == "__main__":
    main()
