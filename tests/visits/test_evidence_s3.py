"""Evidence on S3-compatible storage: a real S3 server (SeaweedFS), started by the tests."""

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiobotocore.session import get_session

from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_visit_body
from tests.support.identity import HOME_ID
from tests.support.ports import free_port
from tests.visits.conftest import ACCESS_KEY, REGION, SECRET_KEY, S3Server
from tests.visits.test_evidence_files import create_exif, create_heic, create_jpeg, create_pdf
from visits.evidence.storage import key_of


def on_s3(endpoint_url: str, bucket: str) -> dict[str, Any]:
    """Return the settings that keep evidence in `bucket` of the server at `endpoint_url`."""
    return {
        "evidence_storage": "s3",
        "evidence_s3_endpoint_url": endpoint_url,
        "evidence_s3_bucket": bucket,
        "evidence_s3_region": REGION,
        "evidence_s3_access_key_id": ACCESS_KEY,
        "evidence_s3_secret_access_key": SECRET_KEY,
    }


@asynccontextmanager
async def serve_visits(
    database: DatabaseFactory, tmp_path: Path, storage: dict[str, Any]
) -> AsyncIterator[AppClient]:
    app = build_app(
        "visits",
        database_url=await database("visits"),
        bootstrap=NO_BROKER,
        evidence_dir=tmp_path / "evidence",
        **storage,
    )
    async with serve(app) as client:
        yield client


@pytest.fixture
async def visits(
    database: DatabaseFactory, tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> AsyncIterator[AppClient]:
    async with serve_visits(database, tmp_path, on_s3(s3_server.endpoint_url, s3_bucket)) as client:
        yield client


async def start_visit(client: AppClient) -> str:
    unit_id = await announce_unit(client.app, code="S3-UNIT", parent_id=HOME_ID)
    body = create_visit_body(str(unit_id))
    assert (await client.post("/api/v1/visits/visits", json=body)).status_code == 201
    return str(body["id"])


async def objects_in(server: S3Server, bucket: str) -> dict[str, bytes]:
    """Return every object in the bucket, by key."""
    async with get_session().create_client(
        "s3",
        endpoint_url=server.endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    ) as s3:
        listed = await s3.list_objects_v2(Bucket=bucket)
        found = {}
        for item in listed.get("Contents", []):
            response = await s3.get_object(Bucket=bucket, Key=item["Key"])
            async with response["Body"] as body:
                found[item["Key"]] = await body.read()
        return found


async def test_files_are_kept_in_the_bucket_once_and_read_back(
    visits: AppClient, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    visit = await start_visit(visits)
    photo = create_jpeg(create_exif(offset="+07:00"), size=(1600, 1200))
    heic, pdf = create_heic(create_exif()), create_pdf()
    digests = [hashlib.sha256(data).hexdigest() for data in (photo, heic, pdf)]
    base = f"/api/v1/visits/visits/{visit}/evidence"
    for data, digest in zip((photo, heic, pdf), digests, strict=True):
        assert (await visits.put(f"{base}/{digest}", content=data)).status_code == 201
    again = await visits.put(f"{base}/{digests[0]}", content=photo)
    assert again.status_code == 200
    assert again.json()["captured_at"]["at"] == "2021-02-22T16:15:00+07:00"
    assert again.json()["gps"]["from_exif"] is True
    # One object per file, named by its hash, with its bytes; nothing on the local disk.
    stored = await objects_in(s3_server, s3_bucket)
    assert stored == {key_of(d): data for d, data in zip(digests, (photo, heic, pdf), strict=True)}
    assert not (tmp_path / "evidence").exists()
    listed = (await visits.get(base)).json()["items"]
    assert [i["sha256"] for i in listed] == digests
    download = await visits.get(f"{base}/{digests[0]}")
    assert download.status_code == 200
    assert download.content == photo
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["content-length"] == str(len(photo))
    assert download.headers["etag"] == f'"{digests[0]}"'
    part = await visits.get(f"{base}/{digests[2]}", headers={"Range": "bytes=0-7"})
    assert (part.status_code, part.content) == (206, pdf[:8])


async def test_storage_that_does_not_answer_is_503(
    database: DatabaseFactory, tmp_path: Path
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    async with serve_visits(database, tmp_path, on_s3(nobody, "evidence")) as visits:
        visit = await start_visit(visits)
        photo = create_jpeg()
        digest = hashlib.sha256(photo).hexdigest()
        response = await visits.put(
            f"/api/v1/visits/visits/{visit}/evidence/{digest}", content=photo
        )
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "5"
        listed = await visits.get(f"/api/v1/visits/visits/{visit}/evidence")
        assert listed.json()["items"] == []
