"""Offline sync: a 200-record visit through the visits service, beside the same rows raw.

`python bench/visit_sync.py [--syncs 30] [--records 200]` migrates a fresh visits database
(SQLite, as embedded mode keeps it), announces a province, a unit and a checklist version
of 50 criteria to it (as the plans service's events would), and starts the visits service
alone (`python -m servicekit.serve visits`; no broker: the relay keeps its events). Then, one
after another, it syncs `--syncs` fresh visits of `--records` records each (half attendance
of distinct offices, a quarter results, a quarter violations, every other one naming a
person; the visit's start in the same body), `POST /api/v1/visits/visits/{id}/sync` with the
identity token the gateway would sign, and replays each once (all `unchanged`). Beside
them, in the same run and the same database file, the ceiling: the same rows (visit,
attendance, results, violations, people) inserted by a bare aiosqlite `executemany` in one
transaction per visit, no ORM, no events, no checks. It prints p50 and p99 of each.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
from busbench import free_port
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from evidence_upload import BIN, CALLER, ROOT, announce_units, load, migrate, wait_answering

from contracts.plans import ChecklistCategory, ChecklistVersionPublished, Criterion
from devstack.keys import ensure_keys
from servicekit.access import IDENTITY_HEADER, mint_identity_token, request_binding
from servicekit.db import create_engine, create_sessionmaker
from servicekit.times import utcnow
from visits.handlers import HANDLERS

CATEGORIES = [f"C{c}" for c in range(1, 6)]
CRITERIA = [f"{category}.{n}" for category in CATEGORIES for n in range(1, 11)]
STARTED = "2024-02-19T08:00:00+07:00"
HEADCOUNT = {
    "on_roll": 5,
    "present": 3,
    "absent_with_reason": {"business_trip": 1, "leave": 1},
    "absent_without_reason": 0,
    "late": 1,
}


async def announce_checklist(url: str) -> uuid.UUID:
    """Announce a checklist version of 50 criteria in 5 categories; return its id."""
    checklist_id = uuid.uuid4()
    event = ChecklistVersionPublished(
        checklist_id=checklist_id,
        version=1,
        name="Bộ tiêu chí đo đồng bộ",
        categories=[
            ChecklistCategory(
                code=category,
                title=f"Nhóm {category}",
                criteria=[
                    Criterion(code=code, title=f"Tiêu chí {code}", weight=1)
                    for code in CRITERIA
                    if code.startswith(f"{category}.")
                ],
            )
            for category in CATEGORIES
        ],
        published_by="bench",
        published_at=utcnow(),
    )
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session, session.begin():
        await HANDLERS[ChecklistVersionPublished](session, event)
    await engine.dispose()
    return checklist_id


def offline_visit(unit: uuid.UUID, checklist_id: uuid.UUID, records: int) -> dict[str, Any]:
    """Return what a device recorded of one visit: `records` records and the visit's start."""
    offices, results = records // 2, min(records // 4, len(CRITERIA))
    violations = records - offices - results
    return {
        "visit": {
            "id": str(uuid.uuid4()),
            "unit_id": str(unit),
            "started_at": STARTED,
            "justification": "Đo thời gian đồng bộ biên bản ngoại tuyến",
            "checklist_id": str(checklist_id),
            "checklist_version": 1,
        },
        "attendance": [
            {
                "id": str(uuid.uuid4()),
                "version": 1,
                "office_name": f"Phòng chuyên môn số {n}",
                "observed_at": STARTED,
                "headcounts": {"civil_servant": HEADCOUNT, "contract": HEADCOUNT},
            }
            for n in range(offices)
        ],
        "results": [
            {
                "id": str(uuid.uuid4()),
                "version": 1,
                "criterion_code": code,
                "outcome": "fail" if n % 3 == 0 else "pass",
                "note": "Ghi chú của đoàn" if n % 3 == 0 else None,
            }
            for n, code in enumerate(CRITERIA[:results])
        ],
        "violations": [
            {
                "id": str(uuid.uuid4()),
                "version": 1,
                "category_code": CRITERIA[n % len(CRITERIA)].split(".")[0],
                "criterion_code": CRITERIA[n % len(CRITERIA)],
                "severity": "minor",
                "unit_id": str(unit),
                "description": f"Vi phạm thứ {n} ghi tại hiện trường",
                "observed_at": STARTED,
                **({"person": {"full_name": f"Nguyễn Văn {n}"}} if n % 2 == 0 else {}),
            }
            for n in range(violations)
        ],
    }


class Service:
    """The visits service in its own process, on SQLite."""

    def __init__(self, var: Path) -> None:
        self.port = free_port()
        self.database = var / "visits.db"
        self.url = f"sqlite+aiosqlite:///{self.database}"
        self.key = load_pem_private_key((var / "keys" / "identity-private.pem").read_bytes(), None)
        migrate(self.url)
        self.unit = asyncio.run(announce_units(self.url))
        self.checklist_id = asyncio.run(announce_checklist(self.url))
        env = os.environ | {
            "DATABASE_URL": self.url,
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
            "IDENTITY_PUBLIC_KEY_FILE": str(var / "keys" / "identity-public.pem"),
            "EVIDENCE_DIR": str(var / "evidence"),
            "LOG_LEVEL": "ERROR",
        }
        self.process = subprocess.Popen(
            [str(BIN / "python"), "-m", "servicekit.serve", "visits", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=(var / "visits.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_answering(f"http://127.0.0.1:{self.port}/healthz", self.process)

    def sync(self, client: httpx.Client, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        """Sync one visit's body; return the seconds it took and the answer."""
        path = f"/api/v1/visits/visits/{body['visit']['id']}/sync"
        content = json.dumps(body).encode()
        token = mint_identity_token(
            CALLER,
            private_key=self.key,
            service="visits",
            binding=request_binding("POST", path.encode(), content),
        )
        headers = {IDENTITY_HEADER: token, "Content-Type": "application/json"}
        started = time.perf_counter()
        response = client.post(
            f"http://127.0.0.1:{self.port}{path}", content=content, headers=headers
        )
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"sync answered {response.status_code}: {response.text[:2000]}")
        answer: dict[str, Any] = response.json()
        return seconds, answer

    def stop(self) -> None:
        self.process.send_signal(2)
        self.process.wait(30)


def _hex(value: str) -> str:
    return uuid.UUID(value).hex


async def raw_insert(database: Path, body: dict[str, Any]) -> float:
    """Insert the visit's rows by bare aiosqlite executemany in one transaction; return seconds."""
    now = utcnow().isoformat()
    visit = body["visit"]
    visit_id = _hex(visit["id"])
    attendance = [
        (
            _hex(a["id"]),
            visit_id,
            a["version"],
            a["office_name"],
            a["office_name"].casefold(),
            a["observed_at"],
            json.dumps(a["headcounts"]),
            CALLER.subject,
            now,
            now,
        )
        for a in body["attendance"]
    ]
    results = [
        (
            _hex(r["id"]),
            visit_id,
            r["version"],
            r["criterion_code"],
            r["outcome"],
            r["note"],
            CALLER.subject,
            now,
            now,
        )
        for r in body["results"]
    ]
    violations = [
        (
            _hex(v["id"]),
            visit_id,
            v["version"],
            _hex(v["unit_id"]),
            v["category_code"],
            v["criterion_code"],
            v["severity"],
            v["description"],
            v["observed_at"],
            v["person"]["full_name"].casefold() if "person" in v else None,
            "[]",
            CALLER.subject,
            now,
            now,
        )
        for v in body["violations"]
    ]
    people = [
        (_hex(v["id"]), v["person"]["full_name"]) for v in body["violations"] if "person" in v
    ]
    async with aiosqlite.connect(database) as connection:
        started = time.perf_counter()
        await connection.execute(
            "INSERT INTO visits (id, version, unit_id, started_at, surprise, started_by,"
            " justification, checklist_id, checklist_version, status, created_at, updated_at)"
            " VALUES (?, 1, ?, ?, 0, ?, ?, ?, 1, 'recording', ?, ?)",
            (
                visit_id,
                _hex(visit["unit_id"]),
                visit["started_at"],
                CALLER.subject,
                visit["justification"],
                _hex(visit["checklist_id"]),
                now,
                now,
            ),
        )
        await connection.executemany(
            "INSERT INTO visit_attendance (id, visit_id, version, office_name, office_key,"
            " observed_at, headcounts, recorded_by, recorded_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            attendance,
        )
        await connection.executemany(
            "INSERT INTO visit_results (id, visit_id, version, criterion_code, outcome, note,"
            " recorded_by, recorded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            results,
        )
        await connection.executemany(
            "INSERT INTO visit_violations (id, visit_id, version, unit_id, category_code,"
            " criterion_code, severity, description, observed_at, person_key, repeat_of,"
            " recorded_by, recorded_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            violations,
        )
        await connection.executemany(
            "INSERT INTO visit_violation_people (violation_id, full_name) VALUES (?, ?)", people
        )
        await connection.commit()
        return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    """Return the value `share` of the way up the sorted values (nearest rank), in ms."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float]) -> str:
    p50, p99 = 1000 * statistics.median(seconds), percentile(seconds, 0.99)
    return f"  {name:<12} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"


def main() -> None:
    """Start the service, sync fresh visits and replay them, insert the same rows raw, stop."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--syncs", type=int, default=30, help="fresh visits to sync")
    parser.add_argument("--records", type=int, default=200, help="records per visit")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}; load average {load()}")
    timings: dict[str, list[float]] = {"sync": [], "replay": [], "raw insert": []}
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        ensure_keys(var / "keys")
        service = Service(var)
        try:
            with httpx.Client(timeout=120) as client:
                # One visit first: imports, caches, the first pages of each table.
                service.sync(client, offline_visit(service.unit, service.checklist_id, 20))
                for _ in range(args.syncs):
                    body = offline_visit(service.unit, service.checklist_id, args.records)
                    seconds, answer = service.sync(client, body)
                    created = {e["outcome"] for e in answer["records"]}
                    if created != {"created"} or len(answer["records"]) != args.records + 1:
                        raise SystemExit(f"the first sync did not create everything: {created}")
                    timings["sync"].append(seconds)
                    seconds, answer = service.sync(client, body)
                    if {e["outcome"] for e in answer["records"]} != {"unchanged"}:
                        raise SystemExit("the replay changed something")
                    timings["replay"].append(seconds)
                    rows = offline_visit(service.unit, service.checklist_id, args.records)
                    timings["raw insert"].append(asyncio.run(raw_insert(service.database, rows)))
        finally:
            service.stop()
    print(f"{args.syncs} visits of {args.records} records each (+ the visit), one at a time:")
    for name, measured in timings.items():
        print(summary(name, measured))
    sync, ceiling = statistics.median(timings["sync"]), statistics.median(timings["raw insert"])
    per_record = 1000 * sync / args.records
    print(f"sync/raw insert at p50: {sync / ceiling:.0f}x; per record {per_record:.2f} ms")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
