"""Evidence over HTTP on local storage: uploads by hash, the sync list, downloads, who may."""

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI
from sqlmodel import select

from contracts.topics import AUDIT
from devstack.keys import ensure_keys
from devstack.token import mint_token
from eventbus.outbox import OutboxMessage
from gateway.config import Settings as GatewaySettings
from gateway.main import create_app as create_gateway
from servicekit.access import Role
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_visit_body
from tests.support.gateway import reach
from tests.support.identity import AWAY_CODE, HOME_CODE, HOME_ID, PRIVATE_KEY, as_
from tests.visits.test_evidence_files import (
    create_exif,
    create_heic,
    create_jpeg,
    create_pdf,
    create_png,
)
from visits.evidence.models import Evidence
from visits.models import Visit
from visits.sealing import record_digest, sealed_record

LIMIT = 3 * 1024 * 1024
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
async def visits(database: DatabaseFactory, tmp_path: Path) -> AsyncIterator[AppClient]:
    app = build_app(
        "visits",
        database_url=await database("visits"),
        bootstrap=NO_BROKER,
        evidence_dir=tmp_path / "evidence",
        evidence_max_bytes=LIMIT,
    )
    async with serve(app) as client:
        yield client


class Unit(NamedTuple):
    """A unit of the HOME province, as the registry announced it."""

    id: str
    code: str


@pytest.fixture
async def unit(visits: AppClient) -> Unit:
    code = f"U{uuid.uuid4().hex[:8]}"
    return Unit(str(await announce_unit(visits.app, code=code, parent_id=HOME_ID)), code)


@pytest.fixture
async def visit(visits: AppClient, unit: Unit) -> str:
    """A visit the client's inspector started (an ad hoc one, which its starter records)."""
    return await start_visit(visits, unit)


async def start_visit(client: AppClient, unit: Unit) -> str:
    """Start a visit at the unit through the API; return its id."""
    body = create_visit_body(unit.id)
    response = await client.post("/api/v1/visits/visits", json=body)
    assert response.status_code == 201, response.text
    return str(body["id"])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_of(visit_id: str, digest: str) -> str:
    return f"/api/v1/visits/visits/{visit_id}/evidence/{digest}"


async def upload(
    client: AppClient, visit_id: str, data: bytes, *, digest: str | None = None, **kwargs: Any
) -> httpx.Response:
    return await client.put(path_of(visit_id, digest or sha(data)), content=data, **kwargs)


def stored_files(client: AppClient) -> list[Path]:
    root: Path = client.app.state.settings.evidence_dir
    return sorted(p for p in root.rglob("*") if p.is_file())


async def rows(client: AppClient) -> list[Evidence]:
    async with client.app.state.sessionmaker() as session:
        return list((await session.scalars(select(Evidence))).all())


async def test_a_photo_is_recorded_with_what_its_exif_says(visits: AppClient, visit: str) -> None:
    photo = create_jpeg(create_exif(offset=None))
    response = await upload(visits, visit, photo, headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 201, response.text
    record = response.json()
    assert record == {
        "visit_id": visit,
        "sha256": sha(photo),
        "media_type": "image/jpeg",
        "size": len(photo),
        "captured_at": {
            "at": "2021-02-22T16:15:00+07:00",
            "from_exif": True,
            "offset_assumed": True,
        },
        "gps": {"latitude": 19.4152, "longitude": 104.2189, "from_exif": True},
        "uploaded_by": record["uploaded_by"],
        "uploaded_at": record["uploaded_at"],
    }
    assert record["uploaded_by"].startswith("inspector-")
    assert response.headers["location"] == path_of(visit, sha(photo))
    assert response.headers["etag"] == f'"{sha(photo)}"'
    (stored,) = stored_files(visits)
    assert stored.name == sha(photo)
    assert stored.parent.name == sha(photo)[2:4]
    assert stored.read_bytes() == photo


async def test_a_heic_photo_with_an_offset(visits: AppClient, visit: str) -> None:
    photo = create_heic(create_exif(taken="2024:02:19 09:30:05", offset="+07:00"))
    response = await upload(visits, visit, photo, headers={"Content-Type": "image/heic"})
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["media_type"] == "image/heic"
    assert record["captured_at"] == {
        "at": "2024-02-19T09:30:05+07:00",
        "from_exif": True,
        "offset_assumed": False,
    }
    assert record["gps"] == {"latitude": 19.4152, "longitude": 104.2189, "from_exif": True}


async def test_files_without_exif_and_of_other_types(visits: AppClient, visit: str) -> None:
    bare = await upload(visits, visit, create_jpeg())
    assert bare.status_code == 201
    assert (bare.json()["captured_at"], bare.json()["gps"]) == (None, None)
    # No Content-Type at all, or a wrong one: the content decides.
    pdf = await upload(visits, visit, create_pdf())
    png = await upload(visits, visit, create_png(), headers={"Content-Type": "text/plain"})
    assert (pdf.status_code, png.status_code) == (201, 201)
    assert (pdf.json()["media_type"], png.json()["media_type"]) == ("application/pdf", "image/png")
    assert (pdf.json()["captured_at"], pdf.json()["gps"]) == (None, None)


async def test_the_same_file_again_is_200_and_stored_once(
    visits: AppClient, visit: str, unit: Unit
) -> None:
    photo = create_jpeg(create_exif())
    first = await upload(visits, visit, photo)
    again = await upload(visits, visit, photo)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    # Attached to another visit too, the file is still kept once.
    other = await start_visit(visits, unit)
    assert (await upload(visits, other, photo)).status_code == 201
    assert len(await rows(visits)) == 2
    assert len(stored_files(visits)) == 1


async def test_text_named_like_a_photo_is_415(visits: AppClient, visit: str) -> None:
    text = b"Day khong phai la anh chup, chi la van ban."
    response = await upload(
        visits,
        visit,
        text,
        headers={
            "Content-Type": "image/jpeg",
            "Content-Disposition": 'attachment; filename="anh-hien-truong.jpg"',
            **ENGLISH,
        },
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Unsupported Media Type"
    assert "JPEG, PNG or HEIC photo or a PDF" in response.json()["detail"]
    assert await rows(visits) == []
    assert stored_files(visits) == []


async def test_a_file_over_the_limit_is_413(visits: AppClient, visit: str) -> None:
    big = create_jpeg() + bytes(LIMIT)
    response = await upload(visits, visit, big, headers=ENGLISH)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == f"An evidence file may be at most {LIMIT} bytes (3 MiB)."

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    # Without a Content-Length the body is counted as it streams in.
    streamed = await visits.put(path_of(visit, sha(big)), content=chunks())
    assert streamed.request.headers.get("content-length") is None
    assert streamed.status_code == 413
    exactly = create_jpeg() + bytes(LIMIT - len(create_jpeg()))
    assert (await upload(visits, visit, exactly)).status_code == 201
    assert len(await rows(visits)) == 1


async def test_a_file_that_is_not_the_hash_it_is_sent_under_is_422(
    visits: AppClient, visit: str
) -> None:
    photo = create_jpeg()
    response = await upload(visits, visit, photo, digest=sha(b"another file"), headers=ENGLISH)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["path", "sha256"]
    assert sha(photo) in error["msg"]
    assert await rows(visits) == []
    # A hash that is not 64 lowercase hex digits is refused before anything is read.
    upper = await upload(visits, visit, photo, digest=sha(photo).upper())
    assert upper.status_code == 422
    assert upper.json()["errors"][0]["loc"] == ["path", "sha256"]


async def test_a_submitted_visit_takes_no_new_evidence(visits: AppClient, visit: str) -> None:
    held = create_jpeg(seed=1)
    assert (await upload(visits, visit, held)).status_code == 201
    read = await visits.get(f"/api/v1/visits/visits/{visit}")
    submitted = await visits.post(
        f"/api/v1/visits/visits/{visit}/submission", headers={"If-Match": read.headers["etag"]}
    )
    assert submitted.status_code == 200, submitted.text
    # The sealed digest covers the files the visit held: anyone can check a copy against it.
    async with visits.app.state.sessionmaker() as session:
        sealed = await session.get(Visit, uuid.UUID(visit))
        assert sealed is not None
        record = await sealed_record(session, sealed)
    assert sealed.digest == record_digest(record, [sha(held)]) != record_digest(record, [])
    assert submitted.json()["digest"] == sealed.digest
    refused = await upload(visits, visit, create_jpeg(seed=2), headers=ENGLISH)
    assert refused.status_code == 409
    assert refused.json()["detail"] == "The visit's record is sealed: it takes no new evidence."
    # A device resending what the server already holds is told so, as before.
    assert (await upload(visits, visit, held)).status_code == 200
    assert len(await rows(visits)) == 1


async def test_the_list_is_what_the_server_holds(visits: AppClient, visit: str) -> None:
    empty = await visits.get(f"/api/v1/visits/visits/{visit}/evidence")
    assert empty.json() == {"items": [], "next_cursor": None}
    files = [create_jpeg(create_exif(), seed=3), create_pdf(), create_png(seed=4)]
    for data in files:
        assert (await upload(visits, visit, data)).status_code == 201
    listed = await visits.get(f"/api/v1/visits/visits/{visit}/evidence")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [i["sha256"] for i in items] == [sha(d) for d in files]
    assert [i["media_type"] for i in items] == ["image/jpeg", "application/pdf", "image/png"]
    assert [i["size"] for i in items] == [len(d) for d in files]
    assert items[0]["captured_at"]["at"] == "2021-02-22T16:15:00+07:00"
    assert listed.json()["next_cursor"] is None
    first = await visits.get(f"/api/v1/visits/visits/{visit}/evidence", params={"limit": 2})
    assert len(first.json()["items"]) == 2
    rest = await visits.get(
        f"/api/v1/visits/visits/{visit}/evidence", params={"cursor": first.json()["next_cursor"]}
    )
    assert [i["sha256"] for i in rest.json()["items"]] == [sha(files[2])]


async def test_the_download_is_the_file(visits: AppClient, visit: str) -> None:
    photo = create_jpeg(create_exif(), size=(640, 480))
    await upload(visits, visit, photo)
    response = await visits.get(path_of(visit, sha(photo)))
    assert response.status_code == 200
    assert response.content == photo
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-length"] == str(len(photo))
    assert response.headers["etag"] == f'"{sha(photo)}"'
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == f'attachment; filename="{sha(photo)}.jpg"'
    heic = create_heic()
    await upload(visits, visit, heic)
    again = await visits.get(path_of(visit, sha(heic)))
    assert (again.content, again.headers["content-type"]) == (heic, "image/heic")


async def test_ranges_and_revalidation(visits: AppClient, visit: str) -> None:
    pdf = create_pdf()
    await upload(visits, visit, pdf)
    url, size = path_of(visit, sha(pdf)), len(pdf)
    part = await visits.get(url, headers={"Range": "bytes=5-14"})
    assert part.status_code == 206
    assert part.content == pdf[5:15]
    assert part.headers["content-range"] == f"bytes 5-14/{size}"
    assert part.headers["content-length"] == "10"
    tail = await visits.get(url, headers={"Range": "bytes=-6"})
    assert (tail.status_code, tail.content) == (206, pdf[-6:])
    rest = await visits.get(url, headers={"Range": "bytes=100-"})
    assert (rest.status_code, rest.content) == (206, pdf[100:])
    beyond = await visits.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    # Several ranges, or a range for another version: the whole file.
    several = await visits.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert (several.status_code, several.content) == (200, pdf)
    stale = await visits.get(url, headers={"Range": "bytes=0-1", "If-Range": '"other"'})
    assert (stale.status_code, stale.content) == (200, pdf)
    cached = await visits.get(url, headers={"If-None-Match": f'"{sha(pdf)}"'})
    assert (cached.status_code, cached.content) == (304, b"")
    assert cached.headers["etag"] == f'"{sha(pdf)}"'


async def test_who_may_upload_and_read(visits: AppClient, visit: str, unit: Unit) -> None:
    photo = create_jpeg(seed=5)
    url = path_of(visit, sha(photo))
    listing = f"/api/v1/visits/visits/{visit}/evidence"
    # Only the team recording the visit attaches evidence: another inspector of the province
    # sees the visit but may not add to it; people of other roles may not upload at all.
    assert (await visits.put(url, content=photo, auth=as_(Role.INSPECTOR))).status_code == 403
    for role in (Role.ADMIN, Role.INSPECTORATE, Role.NATIONAL, Role.UNIT_HEAD):
        refused = await visits.put(url, content=photo, auth=as_(role, unit.code))
        assert refused.status_code == 403, role
    assert await rows(visits) == []
    assert (await upload(visits, visit, photo)).status_code == 201
    # The province's inspection staff and the Ministry read it.
    for role in (Role.ADMIN, Role.INSPECTORATE, Role.TEAM_LEADER, Role.NATIONAL):
        assert (await visits.get(url, auth=as_(role))).content == photo, role
        assert len((await visits.get(listing, auth=as_(role))).json()["items"]) == 1, role
    # The inspected unit's own people do not; another province's find nothing there.
    for role in (Role.UNIT_HEAD, Role.UNIT_STAFF):
        assert (await visits.get(url, auth=as_(role, unit.code))).status_code == 403
        assert (await visits.get(listing, auth=as_(role, unit.code))).status_code == 403
    away = as_(Role.INSPECTORATE, AWAY_CODE)
    assert (await visits.get(url, auth=away)).status_code == 404
    assert (await visits.get(listing, auth=away)).status_code == 404
    away_team = as_(Role.INSPECTOR, AWAY_CODE)
    assert (await visits.put(url, content=photo, auth=away_team)).status_code == 404
    # A file the visit does not hold is not found, even if another visit holds it.
    assert (await visits.get(path_of(visit, sha(b"nothing")))).status_code == 404


async def test_no_file_reaches_an_event_and_reads_are_audited(
    visits: AppClient, visit: str
) -> None:
    photo = create_jpeg(create_exif(), size=(640, 480), seed=6)
    await upload(visits, visit, photo)
    await visits.get(path_of(visit, sha(photo)))
    async with visits.app.state.sessionmaker() as session:
        messages = list((await session.scalars(select(OutboxMessage))).all())
    domain = [m.event_type for m in messages if m.topic != AUDIT]
    assert domain == ["vn.congvu.visits.visit.started.v1"]
    audited = [m.payload for m in messages if m.topic == AUDIT]
    assert any('"operation": "visits.evidence.upload"' in p for p in audited)
    assert any('"operation": "visits.evidence.download"' in p for p in audited)
    assert all(len(m.payload) < 2000 < len(photo) for m in messages)


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    ensure_keys(tmp_path / "keys")
    return tmp_path / "keys"


@pytest.fixture
async def gateway(keys: Path, visits: AppClient) -> AsyncIterator[FastAPI]:
    """The gateway in front of the visits app, learning its policy from its OpenAPI."""
    pem = PRIVATE_KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings = GatewaySettings(
        identity_private_key=pem, oidc_jwks_file=keys / "oidc-jwks.json", log_json=False
    )
    app = create_gateway(settings)
    async with app.router.lifespan_context(app):
        reach(app, "visits", visits.app)
        yield app


async def test_through_the_gateway_uploads_pass_its_default_body_limit(
    gateway: FastAPI, keys: Path, unit: Unit
) -> None:
    token = mint_token(Role.INSPECTOR, HOME_CODE, keys_dir=keys, subject="nguyen.van.an")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway),
        base_url="http://gateway",
        headers={"Authorization": f"Bearer {token}"},
    ) as inspector:
        body = create_visit_body(unit.id)
        assert (await inspector.post("/api/v1/visits/visits", json=body)).status_code == 201
        # A 2 MB photo: more than the 1 MiB the gateway takes unless a route states more.
        photo = create_jpeg(create_exif()) + bytes(2_000_000)
        response = await inspector.put(path_of(body["id"], sha(photo)), content=photo)
        assert response.status_code == 201, response.text
        assert response.json()["uploaded_by"] == "nguyen.van.an"
        download = await inspector.get(path_of(body["id"], sha(photo)))
        assert download.content == photo
        # The route states the ceiling to the gateway; the service holds to its own limit.
        over = bytes(LIMIT + 1)
        refused = await inspector.put(path_of(body["id"], sha(over)), content=over)
        assert refused.status_code == 413
        assert refused.headers["content-type"] == "application/problem+json"
