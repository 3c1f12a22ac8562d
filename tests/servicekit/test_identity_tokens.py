"""Identity tokens are single-use: a token captured in transit cannot be sent again."""

import uuid
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlmodel import func, select

from citizen_feedback.models import Rating
from servicekit.access import (
    IDENTITY_HEADER,
    Role,
    Unauthenticated,
    mint_identity_token,
    request_binding,
    verify_identity_token,
)
from servicekit.replays import MemoryUsedTokens, ReplayCheckUnavailable
from tests.conftest import DatabaseFactory
from tests.support.apps import AppClient, build_app, serve
from tests.support.directory import announce_unit
from tests.support.factories import NO_BROKER, create_rating_body
from tests.support.identity import HOME_ID, PRIVATE_KEY, PUBLIC_PEM, caller
from tests.support.redis import REDIS_URL, needs_redis

RATINGS = "/api/v1/citizen-feedback/ratings"


@pytest.fixture
async def feedback(database: DatabaseFactory) -> AsyncIterator[AppClient]:
    app = build_app(
        "citizen-feedback", database_url=await database("citizen-feedback"), bootstrap=NO_BROKER
    )
    async with serve(app) as client:
        yield client


async def rating_body(client: AppClient) -> bytes:
    """Return the raw body of a valid rating, for a unit of HOME the service knows."""
    unit_id = await announce_unit(client.app, code=f"U{uuid.uuid4().hex[:8]}", parent_id=HOME_ID)
    return httpx.Request("POST", RATINGS, json=create_rating_body(str(unit_id))).content


def token_for(method: str, target: str, body: bytes = b"", role: Role = Role.PUBLIC) -> str:
    """Return the identity token the gateway would forward with one request."""
    return mint_identity_token(
        caller(role),
        private_key=PRIVATE_KEY,
        service="citizen-feedback",
        binding=request_binding(method, target.encode(), body),
    )


async def post_rating(client: AppClient, body: bytes, token: str, **headers: str) -> httpx.Response:
    """POST a rating with exactly this token, as someone holding a captured one would."""
    sent = {IDENTITY_HEADER: token, "content-type": "application/json", **headers}
    return await client.post(RATINGS, content=body, headers=sent, auth=None)


async def count_ratings(client: AppClient) -> int:
    async with client.app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Rating)) or 0)


async def test_a_replayed_token_is_refused_and_creates_nothing(feedback: AppClient) -> None:
    body = await rating_body(feedback)
    token = token_for("POST", RATINGS, body)
    assert (await post_rating(feedback, body, token)).status_code == 201
    replayed = await post_rating(feedback, body, token, **{"Accept-Language": "en"})
    assert replayed.status_code == 401
    assert replayed.headers["content-type"] == "application/problem+json"
    assert replayed.json()["detail"] == "The caller's identity was already used."
    assert await count_ratings(feedback) == 1
    # The same request with a token of its own is a new request, and goes through.
    assert (await post_rating(feedback, body, token_for("POST", RATINGS, body))).status_code == 201
    assert await count_ratings(feedback) == 2


async def test_an_idempotent_post_uses_its_token_once(feedback: AppClient) -> None:
    # The idempotency middleware and the route both need the caller: that is one use.
    body = await rating_body(feedback)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    token = token_for("POST", RATINGS, body)
    assert (await post_rating(feedback, body, token, **key)).status_code == 201
    # The captured token does not get the stored answer either.
    assert (await post_rating(feedback, body, token, **key)).status_code == 401
    repeat = await post_rating(feedback, body, token_for("POST", RATINGS, body), **key)
    assert repeat.status_code == 201
    assert repeat.headers["idempotent-replayed"] == "true"
    assert await count_ratings(feedback) == 1


async def test_a_replayed_read_is_refused(feedback: AppClient) -> None:
    body = await rating_body(feedback)
    created = await post_rating(feedback, body, token_for("POST", RATINGS, body))
    location = created.headers["location"]
    token = {IDENTITY_HEADER: token_for("GET", location, role=Role.INSPECTORATE)}
    assert (await feedback.get(location, headers=token, auth=None)).status_code == 200
    assert (await feedback.get(location, headers=token, auth=None)).status_code == 401


def test_a_token_without_jti_is_refused() -> None:
    token = mint_identity_token(
        caller(Role.ADMIN), private_key=PRIVATE_KEY, service="plans", binding="b"
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    del claims["jti"]
    unnumbered = jwt.encode(claims, PRIVATE_KEY, algorithm="EdDSA")
    public_key = load_pem_public_key(PUBLIC_PEM.encode())
    verify_identity_token(token, public_key=public_key, service="plans", binding="b")
    with pytest.raises(Unauthenticated):
        verify_identity_token(unnumbered, public_key=public_key, service="plans", binding="b")


@needs_redis
async def test_replicas_sharing_redis_refuse_a_token_used_at_another(
    database: DatabaseFactory,
) -> None:
    url = await database("citizen-feedback")
    apps = [
        build_app("citizen-feedback", database_url=url, bootstrap=NO_BROKER, redis_url=REDIS_URL)
        for _ in range(2)
    ]
    async with serve(apps[0]) as first, serve(apps[1]) as second:
        body = await rating_body(first)
        token = token_for("POST", RATINGS, body)
        assert (await post_rating(first, body, token)).status_code == 201
        assert (await post_rating(second, body, token)).status_code == 401
        assert (
            await post_rating(second, body, token_for("POST", RATINGS, body))
        ).status_code == 201
        assert await count_ratings(first) == 2


class FlakyUsedTokens(MemoryUsedTokens):
    """A store of used tokens that fails its first check, as a Redis that blips does."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def first_use(self, service: str, token_id: str, ttl_s: int) -> bool:
        if self.failures:
            self.failures -= 1
            raise ReplayCheckUnavailable("down", headers={"Retry-After": "1"})
        return await super().first_use(service, token_id, ttl_s)


async def test_a_blip_of_the_used_token_store_refuses_the_whole_request(
    feedback: AppClient,
) -> None:
    # The middleware's check fails; the route must give the same 503, not check again and
    # run the POST without its Idempotency-Key claimed.
    feedback.app.state.used_tokens = FlakyUsedTokens()
    body = await rating_body(feedback)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    refused = await post_rating(feedback, body, token_for("POST", RATINGS, body), **key)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert await count_ratings(feedback) == 0
    retried = await post_rating(feedback, body, token_for("POST", RATINGS, body), **key)
    assert retried.status_code == 201
    again = await post_rating(feedback, body, token_for("POST", RATINGS, body), **key)
    assert again.headers["idempotent-replayed"] == "true"
    assert await count_ratings(feedback) == 1
