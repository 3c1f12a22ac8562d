"""`Idempotency-Key` on POST: the same key and body get the same answer, once.

The first request with a key claims it (a row in the service's database) before it runs,
so a concurrent duplicate gets 409; when it ends, its answer is stored, and a repeat with
the same body gets that answer again (with `Idempotent-Replayed: true`) while a repeat
with another body gets 422. Keys belong to the caller and are kept for 24 hours. A 4xx or
5xx answer changed nothing and releases the key, so the client can retry once the cause is
gone (a unit whose registration had not reached the service yet, a service that was down).
If the process dies after the change committed but before the answer was stored, the key
stays claimed: repeats get 409 until it expires, never a second effect.
"""

import hashlib
import json
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col, delete
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.access import Role, caller_of
from servicekit.errors import DomainError, FieldError, problem_response
from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow

HEADER = "idempotency-key"
KEEP = timedelta(hours=24)
MAX_KEY_LENGTH = 255
PURGE_EVERY = 500
MAX_OWNER_LENGTH = 255
_REPLAYED_HEADERS = ("content-type", "location", "etag")
log = logging.getLogger(__name__)


class IdempotencyRecord(SQLModel, table=True):
    """A key a caller used, the request it came with, and the answer it got."""

    __tablename__ = "idempotency_keys"

    owner: str = Field(sa_column=sa.Column(sa.String(MAX_OWNER_LENGTH), primary_key=True))
    key: str = Field(sa_column=sa.Column(sa.String(MAX_KEY_LENGTH), primary_key=True))
    request_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    status: int | None = None
    headers: dict[str, str] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    body: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class IdempotencyMiddleware:
    """Applies the rules above to POST requests that carry an Idempotency-Key."""

    def __init__(self, app: ASGIApp, *, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessionmaker = sessionmaker
        self._claims = 0

    async def _purge(self) -> None:
        """Delete keys older than 24 hours, so the table stays small."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < utcnow() - KEEP)
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        key = headers.get(HEADER.encode(), b"").decode("latin-1")
        if scope["type"] != "http" or scope["method"] != "POST" or not key:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if len(key) > MAX_KEY_LENGTH:
            error = FieldError(loc=["header", "Idempotency-Key"], msg="At most 255 characters.")
            response = problem_response(
                request, status=422, detail="Idempotency-Key is too long.", errors=[error]
            )
            await response(scope, receive, send)
            return
        body = await _read_body(receive)
        owner: str | None = None
        claimed: ASGIApp | None = None
        try:
            owner = await self._owner(request, headers, body)
            # Without a verified caller, the route gives the answer (401) itself.
            if owner is not None:
                digest = hashlib.sha256(
                    json.dumps([scope["method"], scope["path"], body.hex()]).encode()
                ).hexdigest()
                claimed = await self._claim(owner, key, digest)
        except Exception:
            # Outside the app's error handling: answer as it would, never a bare 500.
            log.exception("could not claim an Idempotency-Key on POST %s", scope["path"])
            claimed = _problem(500, "An unexpected error occurred.")
        if claimed is not None:
            await claimed(scope, receive, send)
            return
        captured = await self._run(scope, body, send)
        if owner is None:
            return
        try:
            await self._finish(owner, key, captured)
        except Exception:
            # The answer has gone out; the key stays claimed (409 on repeats until it expires).
            log.exception("could not store the answer to an Idempotency-Key on %s", scope["path"])

    async def _owner(
        self, request: Request, headers: dict[bytes, bytes], body: bytes
    ) -> str | None:
        try:
            # The route asks again and gets this same answer: the token is used once.
            identity = await caller_of(request, body)
        except DomainError:
            # The route answers with this same remembered refusal (401, or 503 when used
            # tokens cannot be checked): nothing runs, so there is nothing to claim.
            return None
        if identity.role is Role.PUBLIC:
            # Citizens share one identity: their keys are told apart by the client address
            # the gateway appended last (only the gateway reaches services).
            forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
            return _fitting(f"public:{forwarded.rsplit(',', 1)[-1].strip() or 'unknown'}")
        return _fitting(f"{identity.role.value}:{identity.subject}")

    async def _claim(self, owner: str, key: str, digest: str) -> "ASGIApp | None":
        """Claim the key; return the answer to send instead if it was claimed before."""
        self._claims += 1
        if self._claims % PURGE_EVERY == 1:
            await self._purge()
        async with self.sessionmaker() as session, session.begin():
            record = await session.get(IdempotencyRecord, (owner, key))
            if record is not None and record.created_at < utcnow() - KEEP:
                await session.delete(record)
                await session.flush()
                record = None
            if record is None:
                session.add(
                    IdempotencyRecord(
                        owner=owner, key=key, request_hash=digest, created_at=utcnow()
                    )
                )
                try:
                    await session.flush()
                except IntegrityError:
                    return _problem(409, "A request with this Idempotency-Key is in progress.")
                return None
        if record.request_hash != digest:
            return _problem(422, "This Idempotency-Key was used with another request.")
        if record.status is None:
            return _problem(409, "A request with this Idempotency-Key is in progress.")
        return _replay(record)

    async def _run(self, scope: Scope, body: bytes, send: Send) -> "_Captured":
        captured = _Captured()
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            captured.observe(message)
            await send(message)

        await self.app(scope, receive, capture)
        return captured

    async def _finish(self, owner: str, key: str, captured: "_Captured") -> None:
        async with self.sessionmaker() as session, session.begin():
            if captured.status is None or captured.status >= 400:
                await session.execute(
                    delete(IdempotencyRecord).where(
                        col(IdempotencyRecord.owner) == owner, col(IdempotencyRecord.key) == key
                    )
                )
                return
            record = await session.get(IdempotencyRecord, (owner, key))
            if record is not None:
                record.status = captured.status
                record.headers = captured.headers
                record.body = bytes(captured.body)


def _fitting(owner: str) -> str:
    """Return `owner`, or its digest where it would not fit the column."""
    # An owner kept as it is starts with a role, so no digest can be mistaken for one.
    if len(owner) <= MAX_OWNER_LENGTH:
        return owner
    return f"sha256:{hashlib.sha256(owner.encode('utf-8', 'surrogatepass')).hexdigest()}"


class _Captured:
    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = bytearray()

    def observe(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", []):
                decoded = name.decode("latin-1").lower()
                if decoded in _REPLAYED_HEADERS:
                    self.headers[decoded] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(body)


def _problem(status: int, detail: str) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await problem_response(Request(scope), status=status, detail=detail)(scope, receive, send)

    return app


def _replay(record: IdempotencyRecord) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.encode(), v.encode()) for k, v in (record.headers or {}).items()]
        headers.append((b"idempotent-replayed", b"true"))
        body = record.body or b""
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": record.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
