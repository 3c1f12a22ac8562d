"""Where evidence files are kept: a folder (embedded mode) or an S3-compatible bucket.

Both address a file by its SHA-256, so a file sent twice, or attached to two visits, is
stored once; both stream a download (a byte range of it) in chunks.
"""

import asyncio
import base64
import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from visits.config import Settings
from visits.evidence.errors import StorageUnavailable

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

log = logging.getLogger(__name__)
CHUNK_BYTES = 256 * 1024


def key_of(sha256: str) -> str:
    """Return where a file is kept, relative to the store: fanned out by its hash's start."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class EvidenceStore(Protocol):
    """Files by their SHA-256 (lowercase hex)."""

    async def exists(self, sha256: str) -> bool:
        """Tell whether the store holds the file."""
        ...

    async def put(self, sha256: str, data: bytes, *, media_type: str) -> None:
        """Keep the file, unless the store holds it already."""
        ...

    async def open(self, sha256: str, *, first: int, last: int) -> AsyncIterator[bytes]:
        """Return the file's bytes `first` to `last` (inclusive), to be streamed."""
        ...

    async def close(self) -> None:
        """Let go of connections (the app is stopping)."""
        ...


class LocalStore:
    """A folder on the local filesystem (embedded mode)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        """Return the file's path."""
        return self.root / key_of(sha256)

    async def exists(self, sha256: str) -> bool:
        """Tell whether the folder holds the file."""
        return await asyncio.to_thread(self.path_of(sha256).is_file)

    async def put(self, sha256: str, data: bytes, *, media_type: str) -> None:
        """Write the file whole or not at all: a temporary file, synced, then renamed."""
        await asyncio.to_thread(_write_once, self.path_of(sha256), data)

    async def open(self, sha256: str, *, first: int, last: int) -> AsyncIterator[bytes]:
        """Return the file's bytes `first` to `last`, read in chunks off the event loop."""
        handle = await asyncio.to_thread(self.path_of(sha256).open, "rb")
        return _read_range(handle, first, last)

    async def close(self) -> None:
        """Nothing to let go of."""


def _write_once(path: Path, data: bytes) -> None:
    if path.is_file():
        return  # named by its hash: the same name holds the same bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    # The rename, and the fan-out folders it may have needed, survive a power cut too.
    for folder in (path.parent, path.parent.parent):
        _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


async def _read_range(handle: BinaryIO, first: int, last: int) -> AsyncIterator[bytes]:
    try:
        await asyncio.to_thread(handle.seek, first)
        left = last - first + 1
        while left > 0:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK_BYTES, left))
            if not chunk:
                raise OSError(f"{handle.name} ended {left} bytes early")
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


class S3Store:
    """A bucket of S3-compatible object storage; the client is made on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.evidence_s3_bucket
        self._client: S3Client | None = None
        self._exit = AsyncExitStack()
        self._lock = asyncio.Lock()

    async def _s3(self) -> "S3Client":
        async with self._lock:
            if self._client is None:
                self._client = await self._exit.enter_async_context(self._create_client())
            return self._client

    def _create_client(self) -> "contextlib.AbstractAsyncContextManager[S3Client]":
        settings = self.settings
        secret = settings.evidence_s3_secret_access_key
        # One retry: within the gateway's time for the request; a device resends anyway.
        config = AioConfig(
            connect_timeout=3,
            read_timeout=30,
            retries={"max_attempts": 2, "mode": "standard"},
            # Servers other than AWS's (SeaweedFS, MinIO, Ceph) name the bucket in the path.
            s3={"addressing_style": "path" if settings.evidence_s3_endpoint_url else "auto"},
        )
        return get_session().create_client(
            "s3",
            endpoint_url=settings.evidence_s3_endpoint_url,
            region_name=settings.evidence_s3_region,
            aws_access_key_id=settings.evidence_s3_access_key_id,
            aws_secret_access_key=None if secret is None else secret.get_secret_value(),
            config=config,
        )

    async def exists(self, sha256: str) -> bool:
        """Tell whether the bucket holds the file."""
        s3 = await self._s3()
        try:
            with _answered(self.bucket, missing_ok=True):
                await s3.head_object(Bucket=self.bucket, Key=key_of(sha256))
                return True
        except _Missing:
            return False

    async def put(self, sha256: str, data: bytes, *, media_type: str) -> None:
        """Upload the file in one request, which the server checks against its SHA-256."""
        if await self.exists(sha256):
            return
        s3 = await self._s3()
        with _answered(self.bucket):
            await s3.put_object(
                Bucket=self.bucket,
                Key=key_of(sha256),
                Body=data,
                ContentType=media_type,
                ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),
            )

    async def open(self, sha256: str, *, first: int, last: int) -> AsyncIterator[bytes]:
        """Return the object's bytes `first` to `last`, streamed from the server."""
        s3 = await self._s3()
        with _answered(self.bucket):
            response = await s3.get_object(
                Bucket=self.bucket, Key=key_of(sha256), Range=f"bytes={first}-{last}"
            )
        body = response["Body"]

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in body.iter_chunks(CHUNK_BYTES):
                    yield chunk
            finally:
                body.close()

        return chunks()

    async def close(self) -> None:
        """Close the client's connections."""
        await self._exit.aclose()


class _Missing(Exception):
    """The bucket has no such object."""


@contextlib.contextmanager
def _answered(bucket: str, *, missing_ok: bool = False) -> Iterator[None]:
    """Turn the storage's failures into a 503 (and a missing object into _Missing if asked)."""
    try:
        yield
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if missing_ok and status == 404:
            raise _Missing from None
        log.error("object storage refused a request on bucket %s: %s", bucket, error)
        raise _unavailable() from error
    except BotoCoreError as error:
        log.error("object storage did not answer (bucket %s): %s", bucket, error)
        raise _unavailable() from error


def _unavailable() -> StorageUnavailable:
    return StorageUnavailable(
        "The evidence storage is not available; try again shortly.",
        vi="Kho lưu trữ tệp chứng cứ tạm thời không sẵn sàng; hãy thử lại sau ít phút.",
    )


def open_store(settings: Settings) -> EvidenceStore:
    """Return the store the settings choose (EVIDENCE_STORAGE)."""
    if settings.evidence_storage == "s3":
        return S3Store(settings)
    return LocalStore(settings.evidence_path())
