"""One resource is answered one way: serialised once, its ETag that of the bytes sent."""

import hashlib
import json
import uuid

from fastapi import Request
from pydantic import BaseModel

from servicekit.etag import answer, answer_created, etag_of


class Thing(BaseModel):
    id: uuid.UUID
    name: str


def test_the_etag_is_that_of_the_body_sent_and_matches_what_updates_compare() -> None:
    thing = Thing(id=uuid.uuid4(), name="Hạ Long")
    response = answer(thing)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert json.loads(response.body) == {"id": str(thing.id), "name": "Hạ Long"}
    assert response.headers["ETag"] == f'"{hashlib.sha256(response.body).hexdigest()[:32]}"'
    # require_match compares If-Match with etag_of(current): the tag a reader got.
    assert response.headers["ETag"] == etag_of(thing)
    # Text as given: Vietnamese letters are sent as UTF-8, not escaped.
    assert "Hạ Long".encode() in response.body


def test_a_create_answers_201_with_location_etag_and_the_audited_resource() -> None:
    request = Request({"type": "http", "method": "POST", "path": "/things", "headers": []})
    thing = Thing(id=uuid.uuid4(), name="Lạng Khê")
    location = f"/api/v1/things/{thing.id}"

    response = answer_created(request, thing, location=location)
    assert response.status_code == 201
    assert response.headers["Location"] == location
    assert response.headers["ETag"] == etag_of(thing)
    assert request.state.audit_resource == location
