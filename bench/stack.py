"""Embedded-mode figures: cold start, memory, end-to-end slice latency.

`python bench/stack.py [--runs 3] [--events 200]` starts `make up` in a fresh data directory
(ports 8000-8004 and 9092 must be free), then for each run prints:
- cold start: from running `make up` until the gateway's /readyz answers 200;
- catch-up: from /readyz 200 until reporting, visits and citizen-feedback have each absorbed
  every unit the registry import left in the plans database (read from their databases);
- first event: POST accepted until visible in reporting, right after start;
- idle: how long after that the stack stays busy consuming the imported registry's events;
- memory: resident set size of every process of the stack, summed, after the events;
then, measured once the stack is idle, the slice's end-to-end latency over `--events`
sequential units: POST to the plans
service through the gateway until reporting (through the gateway) returns the unit.
"""

import argparse
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from devstack.token import mint_token
from servicekit.access import Role

ROOT = Path(__file__).resolve().parents[1]
GATEWAY = "http://127.0.0.1:8000"


def descendants(root: int) -> list[int]:
    """Return `root` and every process started under it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_ticks(pids: list[int]) -> int:
    """Return the CPU time `pids` have used so far, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def wait_settled(root: int, timeout_s: float = 180) -> float:
    """Wait until the stack is idle: consumers have caught up with the registry's events.

    A fresh start imports 3,355 units; reporting and citizen-feedback consume their events
    for a while. Measuring during that catch-up would charge it to the requests.
    """
    started = time.monotonic()
    tick = os.sysconf("SC_CLK_TCK")
    quiet, last = 0, cpu_ticks(descendants(root))
    while quiet < 3:
        if time.monotonic() - started > timeout_s:
            raise SystemExit("the stack never became idle")
        time.sleep(1)
        now = cpu_ticks(descendants(root))
        # Under 30% of one core for three seconds in a row; an idle stack (broker polls,
        # consumers' empty fetches, relays' probes) uses about 10%.
        quiet = quiet + 1 if now - last < tick * 0.3 else 0
        last = now
    return time.monotonic() - started


def rss_mib(pids: list[int]) -> float:
    """Return the summed resident memory of `pids` in MiB."""
    total_kib = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total_kib / 1024


def slice_once(api: httpx.Client, admin: dict[str, str]) -> float:
    """Register one unit (as the Ministry) and return seconds until reporting shows it."""
    started = time.perf_counter()
    response = api.post(
        "/api/v1/plans/units",
        json={"code": f"B{uuid.uuid4().hex[:12]}", "name": "Phường Hạ Long", "level": "commune"},
        headers=admin,
    )
    response.raise_for_status()
    unit_id = response.json()["id"]
    while (status := api.get(f"/api/v1/reporting/units/{unit_id}").status_code) != 200:
        if status != 404:
            raise RuntimeError(f"reporting answered {status}")
        time.sleep(0.002)
    return time.perf_counter() - started


# Per consumer of the registry: its database and how it counts the units it has absorbed.
ABSORBED = {
    "reporting": (
        "reporting.db",
        "SELECT count(*) FROM db.unit_scores WHERE code IS NOT NULL"
        " AND unit_id IN (SELECT id FROM imported)",
    ),
    "visits": (
        "visits.db",
        "SELECT count(*) FROM db.unit_directory WHERE id IN (SELECT id FROM imported)",
    ),
    "citizen-feedback": (
        "citizen-feedback.db",
        "SELECT count(*) FROM db.unit_directory WHERE id IN (SELECT id FROM imported)",
    ),
}


class CatchUp(threading.Thread):
    """Times, from now, how long each consumer of the registry takes to absorb the import."""

    def __init__(self, var: Path, timeout_s: float = 180) -> None:
        super().__init__(daemon=True)
        self.var, self.timeout_s = var, timeout_s
        self.started = time.perf_counter()
        self.seconds: dict[str, float] = {}
        # The units there are now, before the benchmark registers its own.
        self.db = db = sqlite3.connect(":memory:", check_same_thread=False)
        db.execute("ATTACH DATABASE ? AS plans", (str(var / "plans.db"),))
        db.execute("CREATE TEMP TABLE imported AS SELECT id FROM plans.units")
        db.execute("DETACH DATABASE plans")
        self.units: int = db.execute("SELECT count(*) FROM imported").fetchone()[0]

    def run(self) -> None:
        db = self.db
        waiting = dict(ABSORBED)
        while waiting and time.perf_counter() - self.started < self.timeout_s:
            for name, (file, query) in list(waiting.items()):
                db.execute("ATTACH DATABASE ? AS db", (str(self.var / file),))
                try:
                    absorbed = db.execute(query).fetchone()[0]
                except sqlite3.OperationalError:
                    absorbed = 0  # not migrated yet, or busy
                db.execute("DETACH DATABASE db")
                if absorbed >= self.units:
                    self.seconds[name] = time.perf_counter() - self.started
                    del waiting[name]
            time.sleep(0.02)
        db.close()

    def result(self) -> float:
        """Return seconds until every consumer had absorbed every unit (or raise)."""
        self.join()
        if len(self.seconds) < len(ABSORBED):
            raise SystemExit(f"the registry was not absorbed in time: {self.seconds}")
        return max(self.seconds.values())


def wait_ready(deadline_s: float = 120) -> None:
    """Poll the gateway's readiness until it answers 200."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{GATEWAY}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise SystemExit("the stack did not become ready")


def one_run(events: int) -> dict[str, Any]:
    """Start the stack cold, measure, stop it."""
    with tempfile.TemporaryDirectory() as var:
        started = time.perf_counter()
        process = subprocess.Popen(
            ["make", "up", f"VAR={var}"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # The polling below is far above the per-caller limit a person needs.
            env=os.environ | {"RATE_LIMIT_PER_MINUTE": "1000000"},
        )
        try:
            wait_ready()
            cold_start = time.perf_counter() - started
            catch_up = CatchUp(Path(var))
            catch_up.start()
            keys = Path(var) / "keys"
            # The Ministry registers the unit and reads it back: no province limits either.
            ministry = {"Authorization": f"Bearer {mint_token(Role.NATIONAL, None, keys_dir=keys)}"}
            admin = reader = ministry
            with httpx.Client(base_url=GATEWAY, timeout=10, headers=reader) as api:
                first = slice_once(api, admin)
                caught_up = catch_up.result()
                settled = wait_settled(process.pid)
                latencies = [slice_once(api, admin) for _ in range(events)]
            memory = rss_mib(descendants(process.pid))
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(60)
    return {
        "cold_start": cold_start,
        "catch_up": caught_up,
        "catch_up_each": catch_up.seconds,
        "units": catch_up.units,
        "first": first,
        "settled": settled,
        "memory": memory,
        "latencies": latencies,
    }


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of `values`."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    results = []
    for run in range(1, args.runs + 1):
        result = one_run(args.events)
        results.append(result)
        each = ", ".join(f"{name} {s:.2f} s" for name, s in result["catch_up_each"].items())
        print(
            f"run {run}: cold start {result['cold_start']:.2f} s, catch-up of "
            f"{result['units']} units {result['catch_up']:.2f} s after ready ({each}), "
            f"first event {float(result['first']) * 1000:.0f} ms, "
            f"idle {result['settled']:.0f} s later, memory {result['memory']:.0f} MiB"
        )
    latencies_ms = [x * 1000 for r in results for x in r["latencies"]]
    print(
        f"cold start median {statistics.median(float(r['cold_start']) for r in results):.2f} s; "
        f"catch-up median {statistics.median(float(r['catch_up']) for r in results):.2f} s; "
        f"memory median {statistics.median(float(r['memory']) for r in results):.0f} MiB"
    )
    p50, p95, p99 = (percentile(latencies_ms, q) for q in (50, 95, 99))
    print(
        f"slice latency over {len(latencies_ms)} events: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(latencies_ms):.1f} ms"
    )


if __name__ == "__main__":
    main()
