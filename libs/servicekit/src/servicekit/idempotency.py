"""`Idempotency-Key` on POST: the same key and body get the same answer, once.

The first request with a key claims it (a row in the service's database) before it runs,
with a lease, so a concurrent duplicate gets 409; when it ends, its answer is stored before
it is sent, and a repeat with the same body gets that answer again (with
`Idempotent-Replayed: true`) while a repeat with another body gets 422. Keys belong to the
caller and are kept for 24 hours. A 4xx or 5xx answer changed nothing and releases the key,
so the client can retry once the cause is gone (a unit whose registration had not reached
the service yet, a service that was down).

The change a request makes and the mark that it was made commit together: the request's
own transaction (`servicekit.db`) sets `effect_committed` on the claim it holds, or fails.
So a process that dies mid-request leaves one of two things. A claim without the mark: the
change never happened, and once the lease lapses a repeat runs the request afresh (taking
the claim over; the old holder, were it only slow, can then no longer commit). A claim
with the mark but no answer (the process died between its commit and storing the answer):
repeats get 409 saying it was done, never a second effect.
"""

import hashlib
import json
import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col, delete, update
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.access import Role, caller_of
from servicekit.errors import DomainError, FieldError, problem_response
from servicekit.sqltypes import UTCDateTime
from servicekit.times import utcnow

HEADER = "idempotency-key"
KEEP = timedelta(hours=24)
# How long a claim stays its holder's without an answer: longer than any request runs (the
# gateway gives up on a service after its upstream timeout), short enough for a retry.
LEASE = timedelta(seconds=60)
# Where a request's claim is kept for its transaction to mark (the scope's state).
CLAIM = "congvu_idempotency_claim"
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
    # Who holds the claim, and until when: the claim of a holder that died lapses.
    claim_token: str | None = Field(default=None, sa_column=sa.Column(sa.String(36)))
    lease_until: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    # Set by the request's own transaction: its change committed.
    effect_committed: bool = Field(
        default=False,
        sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false()),
    )


class ClaimLost(DomainError):
    """Another request took this Idempotency-Key over while this one ran: nothing is kept."""

    status_code = 409


async def mark_effect(session: AsyncSession, scope: Scope) -> None:
    """Record, in the request's transaction, that the request holding its claim made its change.

    Refuses (and so rolls the change back) when the claim is no longer the request's own:
    its lease lapsed and a repeat took it over.
    """
    claim: tuple[str, str, str] | None = scope.get("state", {}).get(CLAIM)
    if claim is None:
        return
    owner, key, token = claim
    result = await session.execute(
        update(IdempotencyRecord)
        .where(
            col(IdempotencyRecord.owner) == owner,
            col(IdempotencyRecord.key) == key,
            col(IdempotencyRecord.claim_token) == token,
            col(IdempotencyRecord.effect_committed).is_(False),
        )
        .values(effect_committed=True)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ClaimLost(
            "This request ran longer than its Idempotency-Key's lease and a repeat took the"
            " key over; nothing was changed by this one.",
            vi="Yêu cầu này chạy quá thời hạn giữ Idempotency-Key và một yêu cầu lặp lại đã"
            " nhận khóa; yêu cầu này không thay đổi gì.",
        )


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
            error = FieldError(
                loc=["header", "Idempotency-Key"],
                msg=f"At most {MAX_KEY_LENGTH} characters.",
                vi=f"Tối đa {MAX_KEY_LENGTH} ký tự.",
            )
            response = problem_response(
                request,
                status=422,
                detail="Idempotency-Key is too long.",
                vi="Idempotency-Key quá dài.",
                errors=[error],
            )
            await response(scope, receive, send)
            return
        body = await _read_body(receive)
        owner: str | None = None
        token = str(uuid.uuid4())
        claimed: ASGIApp | None = None
        try:
            owner = await self._owner(request, headers, body)
            # Without a verified caller, the route gives the answer (401) itself.
            if owner is not None:
                digest = request_digest(scope["method"], scope["path"], body)
                claimed = await self._claim(owner, key, digest, token)
        except Exception:
            # Outside the app's error handling: answer as it would, never a bare 500.
            log.exception("could not claim an Idempotency-Key on POST %s", scope["path"])
            claimed = _problem(500, "An unexpected error occurred.", "Đã xảy ra lỗi ngoài dự kiến.")
        if claimed is not None:
            await claimed(scope, receive, send)
            return
        if owner is None:
            await self._run(scope, body, send)
            return
        scope.setdefault("state", {})[CLAIM] = (owner, key, token)
        captured = await self._run(scope, body, None)
        try:
            # Stored before it is sent: a repeat that follows the answer gets it again.
            await self._finish(owner, key, token, captured)
        except Exception:
            # The key stays claimed: repeats get 409 until it expires, never a second effect.
            log.exception("could not store the answer to an Idempotency-Key on %s", scope["path"])
        for message in captured.messages:
            await send(message)

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

    async def _claim(self, owner: str, key: str, digest: str, token: str) -> "ASGIApp | None":
        """Claim the key; return the answer to send instead if it was claimed before."""
        self._claims += 1
        if self._claims % PURGE_EVERY == 1:
            await self._purge()
        now = utcnow()
        async with self.sessionmaker() as session, session.begin():
            record = await session.get(IdempotencyRecord, (owner, key), with_for_update=True)
            if record is not None and record.created_at < now - KEEP:
                await session.delete(record)
                await session.flush()
                record = None
            if record is None:
                session.add(
                    IdempotencyRecord(
                        owner=owner,
                        key=key,
                        request_hash=digest,
                        created_at=now,
                        claim_token=token,
                        lease_until=now + LEASE,
                    )
                )
                try:
                    await session.flush()
                except IntegrityError:
                    return _in_progress()
                return None
            if record.request_hash != digest:
                return _problem(
                    422,
                    "This Idempotency-Key was used with another request.",
                    "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
                )
            if record.status is not None:
                return _replay(record)
            if record.effect_committed:
                return _problem(
                    409,
                    "A request with this Idempotency-Key was carried out, but its answer was"
                    " lost; read the resource instead of sending the request again.",
                    "Yêu cầu với Idempotency-Key này đã được thực hiện nhưng câu trả lời bị mất;"
                    " hãy đọc lại tài nguyên thay vì gửi lại yêu cầu.",
                )
            if record.lease_until is not None and record.lease_until > now:
                return _in_progress()
            # Its holder died before changing anything: run the request afresh.
            log.warning("Idempotency-Key of %s lapsed without an effect; running it again", owner)
            record.claim_token, record.lease_until = token, now + LEASE
            return None

    async def _run(self, scope: Scope, body: bytes, send: Send | None) -> "_Captured":
        """Run the app; with no `send`, keep its answer to send later."""
        captured = _Captured(keep=send is None)
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            captured.observe(message)
            if send is not None:
                await send(message)

        await self.app(scope, receive, capture)
        return captured

    async def _finish(self, owner: str, key: str, token: str, captured: "_Captured") -> None:
        async with self.sessionmaker() as session, session.begin():
            record = await session.get(IdempotencyRecord, (owner, key), with_for_update=True)
            if record is None or record.claim_token != token:
                return  # taken over by a repeat: the answer is that one's to store
            if (captured.status is None or captured.status >= 400) and not record.effect_committed:
                await session.delete(record)
                return
            if record is not None:
                record.status = captured.status
                record.headers = captured.headers
                record.body = bytes(captured.body)


def request_digest(method: str, path: str, body: bytes) -> str:
    """Return what tells a key's request from another: its method, path and body."""
    return hashlib.sha256(json.dumps([method, path, body.hex()]).encode()).hexdigest()


def _fitting(owner: str) -> str:
    """Return `owner`, or its digest where it would not fit the column."""
    # An owner kept as it is starts with a role, so no digest can be mistaken for one.
    if len(owner) <= MAX_OWNER_LENGTH:
        return owner
    return f"sha256:{hashlib.sha256(owner.encode('utf-8', 'surrogatepass')).hexdigest()}"


class _Captured:
    def __init__(self, *, keep: bool) -> None:
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.keep = keep
        self.messages: list[Message] = []

    def observe(self, message: Message) -> None:
        if self.keep:
            self.messages.append(message)
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


def _problem(status: int, detail: str, vi: str) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(Request(scope), status=status, detail=detail, vi=vi)
        await response(scope, receive, send)

    return app


def _in_progress() -> ASGIApp:
    return _problem(
        409,
        "A request with this Idempotency-Key is in progress.",
        "Một yêu cầu với Idempotency-Key này đang được xử lý.",
    )


def _replay(record: IdempotencyRecord) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.encode(), v.encode()) for k, v in (record.headers or {}).items()]
        headers.append((b"idempotent-replayed", b"true"))
        body = record.body or b""
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": record.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
