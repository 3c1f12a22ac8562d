"""Who is calling: roles, the verified identity services receive, and the route policy.

The gateway authenticates people (OIDC bearer tokens) and provincial systems (signed
requests), then forwards the caller to the service as a short-lived identity token signed
with the gateway's Ed25519 key (`CongVu-Identity` header). Services verify it with the
public key, so a header set by anyone else is refused, and accept each token once (its
`jti` is kept until it expires), so a token captured in transit cannot be sent again. Both
check the same policy: each service declares it beside its routes (`allow`), states it in
its OpenAPI document, and the gateway learns it from there.
"""

import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, ClassVar

import jwt
from fastapi import APIRouter, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict

from servicekit.errors import DomainError
from servicekit.replays import UsedTokens
from servicekit.text import is_subject
from servicekit.times import utcnow

IDENTITY_HEADER = "congvu-identity"
IDENTITY_ISSUER = "congvu-gateway"
IDENTITY_AUDIENCE = "congvu-services"
IDENTITY_ALGORITHM = "EdDSA"
IDENTITY_TTL = timedelta(seconds=60)
IDENTITY_LEEWAY_S = 2
MAX_TOKEN_ID_LENGTH = 64


class Role(StrEnum):
    """The roles CongVu knows; `public` is a citizen without an account.

    `national` is the Ministry of Home Affairs: it sees every province and keeps the
    national registry. Everyone else acts within a province (see `servicekit.tenancy`).
    """

    NATIONAL = "national"
    ADMIN = "admin"
    INSPECTORATE = "inspectorate"
    TEAM_LEADER = "team_leader"
    INSPECTOR = "inspector"
    UNIT_HEAD = "unit_head"
    UNIT_STAFF = "unit_staff"
    PROVINCIAL_SYSTEM = "provincial_system"
    PUBLIC = "public"


UNIT_SCOPED = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF})
# Roles that act within the province their token's unit lies in.
PROVINCE_SCOPED = frozenset(
    {Role.ADMIN, Role.INSPECTORATE, Role.TEAM_LEADER, Role.INSPECTOR, Role.PROVINCIAL_SYSTEM}
)
PEOPLE = frozenset(
    {
        Role.NATIONAL,
        Role.ADMIN,
        Role.INSPECTORATE,
        Role.TEAM_LEADER,
        Role.INSPECTOR,
        *UNIT_SCOPED,
    }
)
EVERYONE = frozenset(Role)
INSPECTION_STAFF = frozenset(
    {Role.NATIONAL, Role.ADMIN, Role.INSPECTORATE, Role.TEAM_LEADER, Role.INSPECTOR}
)


class Identity(BaseModel):
    """A verified caller: a person, a provincial system, or the anonymous public."""

    model_config = ConfigDict(frozen=True)

    subject: str
    role: Role
    unit_code: str | None = None
    client_id: str | None = None

    @property
    def unit_scoped(self) -> bool:
        """Tell whether the caller sees only their unit and its sub-units."""
        return self.role in UNIT_SCOPED


ANONYMOUS = Identity(subject="anonymous", role=Role.PUBLIC)


# Where each operation of a service's OpenAPI document states who may call it: the gateway
# learns the policy from it, so a route's policy is declared once, beside the route.
ACCESS_EXTENSION = "x-congvu-access"


@dataclass(frozen=True)
class Operation:
    """One API operation, named by its route's `operation_id`, and the roles allowed to call it."""

    name: str
    method: str
    path: str
    roles: frozenset[Role]
    # Reads of sealed or personal data are audited; writes always are.
    personal_data: bool = False
    # A body larger than the gateway's default that this operation takes (file uploads).
    max_body_bytes: int | None = None

    @property
    def audited(self) -> bool:
        """Tell whether calls are recorded in the audit trail."""
        return self.method != "GET" or self.personal_data

    @property
    def public(self) -> bool:
        """Tell whether callers without credentials may use it."""
        return Role.PUBLIC in self.roles

    def pattern(self) -> re.Pattern[str]:
        """Return a regex matching concrete paths of this operation's template."""
        return re.compile(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(self.path)))

    def extension(self) -> dict[str, Any]:
        """Return what the OpenAPI document says of this operation under ACCESS_EXTENSION."""
        stated: dict[str, Any] = {
            "roles": sorted(role.value for role in self.roles),
            "personal_data": self.personal_data,
            "audited": self.audited,
        }
        if self.max_body_bytes is not None:
            stated["max_body_bytes"] = self.max_body_bytes
        return stated


class Policy:
    """The operations of an API: a service's own routes, or what the gateway learned of them."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._by_name: dict[str, Operation] = {}
        for operation in operations:
            if operation.name in self._by_name:
                raise ValueError(f"two operations are named {operation.name!r}")
            self._by_name[operation.name] = operation
        self._by_route = {(op.method, op.path): op for op in self._by_name.values()}
        # Compiled once: every request through the gateway looks here.
        self._matchers = [(op, op.pattern()) for op in self._by_name.values()]

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def named(self, name: str) -> Operation | None:
        """Return the operation called `name`, if the API has one."""
        return self._by_name.get(name)

    def at_route(self, method: str, template: str) -> Operation | None:
        """Return the operation of the route with this method and path template."""
        return self._by_route.get((method, template))

    def find(self, method: str, path: str) -> Operation | None:
        """Return the operation a request for a concrete path is for, if the API has one."""
        for operation, pattern in self._matchers:
            if operation.method == method and pattern.fullmatch(path):
                return operation
        return None

    def methods_of(self, path: str) -> list[str]:
        """Return the methods the API has at a concrete path, sorted; none for an unknown path."""
        return sorted({op.method for op, pattern in self._matchers if pattern.fullmatch(path)})

    @classmethod
    def from_openapi(cls, document: Mapping[str, Any]) -> "Policy":
        """Return the policy an OpenAPI document states (ACCESS_EXTENSION on each operation).

        An operation without it is left out: nothing may call what states no policy.
        """
        operations = []
        for path, item in document.get("paths", {}).items():
            for method, spec in item.items():
                access = spec.get(ACCESS_EXTENSION) if isinstance(spec, Mapping) else None
                if access is None:
                    continue
                operations.append(
                    Operation(
                        name=str(spec["operationId"]),
                        method=method.upper(),
                        path=path,
                        roles=frozenset(Role(role) for role in access["roles"]),
                        personal_data=bool(access.get("personal_data", False)),
                        max_body_bytes=access.get("max_body_bytes"),
                    )
                )
        return cls(operations)


class Unauthenticated(DomainError):
    """No valid credentials."""

    status_code = 401
    default_headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": 'Bearer realm="congvu"'}


class Forbidden(DomainError):
    """Authenticated, but not allowed."""

    status_code = 403


def request_binding(method: str, target: bytes, body: bytes) -> str:
    """Return the digest that ties an identity token to one request: method, path, body."""
    digest = hashlib.sha256()
    for part in (method.encode(), target, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def request_target(scope: Mapping[str, Any]) -> bytes:
    """Return the raw path and query of an ASGI request, as the gateway forwarded them."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    return raw_path + (b"?" + query if query else b"")


def mint_identity_token(identity: Identity, *, private_key: Any, service: str, binding: str) -> str:
    """Sign `identity` for one request to one service (the gateway's job).

    Bound to the service and the request, a token seen in transit cannot be used for
    another request or at another service.
    """
    now = utcnow()
    claims = {
        "iss": IDENTITY_ISSUER,
        "aud": f"{IDENTITY_AUDIENCE}:{service}",
        "sub": identity.subject,
        "role": identity.role.value,
        "unit": identity.unit_code,
        "client": identity.client_id,
        "req": binding,
        "iat": now,
        "exp": now + IDENTITY_TTL,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, private_key, algorithm=IDENTITY_ALGORITHM)


@dataclass(frozen=True)
class VerifiedToken:
    """An identity token that passed verification: the caller, and what makes it single-use."""

    identity: Identity
    token_id: str
    expires_at: int


def verify_identity_token(
    token: str, *, public_key: Any, service: str, binding: str
) -> VerifiedToken:
    """Return the identity in a token the gateway signed for this request to this service."""
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[IDENTITY_ALGORITHM],
            audience=f"{IDENTITY_AUDIENCE}:{service}",
            issuer=IDENTITY_ISSUER,
            leeway=IDENTITY_LEEWAY_S,
            options={"require": ["exp", "iat", "sub", "iss", "aud", "req", "jti"]},
        )
        if not hmac.compare_digest(str(claims["req"]), binding):
            raise Unauthenticated(
                "The caller's identity was issued for another request.",
                vi="Danh tính người gọi được cấp cho một yêu cầu khác.",
            )
        # Services record the subject as who did what: 255 characters at most, one line.
        if not is_subject(claims["sub"]):
            raise Unauthenticated(
                "The caller's subject is empty, too long or not plain text.",
                vi="Định danh (subject) của người gọi trống, quá dài hoặc không phải văn bản.",
            )
        token_id = claims["jti"]
        if not isinstance(token_id, str) or not 0 < len(token_id) <= MAX_TOKEN_ID_LENGTH:
            raise ValueError("jti")
        identity = Identity(
            subject=claims["sub"],
            role=Role(claims["role"]),
            unit_code=claims.get("unit"),
            client_id=claims.get("client"),
        )
        return VerifiedToken(identity=identity, token_id=token_id, expires_at=int(claims["exp"]))
    except (jwt.InvalidTokenError, KeyError, ValueError, TypeError):
        raise Unauthenticated(
            "The caller's identity could not be verified.",
            vi="Không xác minh được danh tính người gọi.",
        ) from None


# Where the outcome of verifying this request's identity is kept (the scope's state).
_VERIFIED = "congvu_identity"


async def caller_of(request: Request, body: bytes | None = None) -> Identity:
    """Return the caller the gateway signed for this request, refusing anything else.

    Verified once per request: verifying spends the token, so a later request with it is
    refused however it is sent, while the middleware and the route of this request share
    the one answer. `body` is the raw body where the caller has already read it.
    """
    state = request.scope.setdefault("state", {})
    if _VERIFIED not in state:
        try:
            state[_VERIFIED] = await _verify_and_spend(request, body)
        except DomainError as refused:
            # A refusal too is the one answer for this request (a 503 from the replay store
            # included): the route must not try the token again after the middleware.
            state[_VERIFIED] = refused
    outcome: Identity | DomainError = state[_VERIFIED]
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def _verify_and_spend(request: Request, body: bytes | None) -> Identity:
    token = request.headers.get(IDENTITY_HEADER)
    if not token:
        raise Unauthenticated(
            "Requests reach services only through the gateway.",
            vi="Yêu cầu chỉ đến được các dịch vụ qua cổng API (gateway).",
        )
    body = await request.body() if body is None else body
    service: str = request.app.state.settings.service_name
    verified = verify_identity_token(
        token,
        public_key=request.app.state.identity_public_key,
        service=service,
        binding=request_binding(request.method, request_target(request.scope), body),
    )
    # Kept until the token could no longer pass verification anyway.
    ttl_s = max(1, verified.expires_at - int(time.time()) + IDENTITY_LEEWAY_S + 1)
    used: UsedTokens = request.app.state.used_tokens
    if not await used.first_use(service, verified.token_id, ttl_s):
        raise Unauthenticated(
            "The caller's identity was already used.",
            vi="Danh tính người gọi đã được dùng rồi.",
        )
    return verified.identity


class Access:
    """A route's policy, declared beside it: the roles that may call it, whether reads are audited.

    A FastAPI dependency giving the verified caller and refusing other roles:
    `caller: Annotated[Identity, Depends(allow(PLANNERS))]`. The app collects every route's
    (`policy_of`), and the gateway learns it from the service's OpenAPI document.
    """

    def __init__(
        self, roles: frozenset[Role], *, personal_data: bool, max_body_bytes: int | None
    ) -> None:
        self.roles = roles
        self.personal_data = personal_data
        self.max_body_bytes = max_body_bytes

    async def __call__(self, request: Request) -> Identity:
        identity = await caller_of(request)
        request.state.caller = identity
        if identity.role not in self.roles:
            raise Forbidden(
                "Your role may not do this.", vi="Vai trò của bạn không được làm việc này."
            )
        return identity


def allow(
    *roles: Role | Iterable[Role], personal_data: bool = False, max_body_bytes: int | None = None
) -> Access:
    """Return the policy of a route: these roles (or sets of roles) may call it.

    `personal_data`: its reads show sealed or personal data, so they are audited too.
    `max_body_bytes`: the route takes bodies up to this size (a file upload), where the
    gateway would refuse more than its default (up to its own MAX_UPLOAD_BYTES).
    """
    allowed: set[Role] = set()
    for role in roles:
        allowed.update({role} if isinstance(role, Role) else role)
    if not allowed:
        raise ValueError("a route must allow at least one role")
    if max_body_bytes is not None and max_body_bytes < 1:
        raise ValueError("max_body_bytes must be positive")
    return Access(frozenset(allowed), personal_data=personal_data, max_body_bytes=max_body_bytes)


def _access_of(dependant: Dependant) -> list[Access]:
    found = [d.call for d in dependant.dependencies if isinstance(d.call, Access)]
    for dependency in dependant.dependencies:
        found.extend(_access_of(dependency))
    return found


def policy_of(routers: Iterable[APIRouter], *, prefix: str = "/api/") -> Policy:
    """Collect the policy of every API route and state it in the OpenAPI document.

    Called before the routers are included in the app. A route under `prefix` without
    exactly one `allow(...)`, or without an `operation_id`, stops the app from starting: no
    route goes unguarded or unnamed.
    """
    operations = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                if getattr(route, "path", prefix).startswith(prefix):
                    raise RuntimeError(f"{route!r}: API routes are declared on an APIRouter")
                continue
            if not route.path.startswith(prefix):
                continue
            policies = _access_of(route.dependant)
            methods = sorted(route.methods or ())
            if len(policies) != 1 or not route.operation_id or len(methods) != 1:
                raise RuntimeError(
                    f"{methods} {route.path} needs one method, an operation_id and one allow()"
                )
            operation = Operation(
                name=route.operation_id,
                method=methods[0],
                path=route.path,
                roles=policies[0].roles,
                personal_data=policies[0].personal_data,
                max_body_bytes=policies[0].max_body_bytes,
            )
            operations.append(operation)
            route.openapi_extra = {
                **(route.openapi_extra or {}),
                ACCESS_EXTENSION: operation.extension(),
            }
    return Policy(operations)
