"""Who is calling: roles, the verified identity services receive, and the route policy.

The gateway authenticates people (OIDC bearer tokens) and provincial systems (signed
requests), then forwards the caller to the service as a short-lived identity token signed
with the gateway's Ed25519 key (`CongVu-Identity` header). Services verify it with the
public key, so a header set by anyone else is refused, and accept each token once (its
`jti` is kept until it expires), so a token captured in transit cannot be sent again. Both
check the same POLICY.
"""

import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, ClassVar

import jwt
from fastapi import Request
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
PLANNERS = frozenset({Role.ADMIN, Role.INSPECTORATE})
APPROVERS = frozenset({Role.ADMIN})
REGISTRARS = frozenset({Role.NATIONAL, Role.ADMIN})
AUDITORS = frozenset({Role.NATIONAL, Role.INSPECTORATE})


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


@dataclass(frozen=True)
class Operation:
    """One API operation and the roles allowed to call it."""

    method: str
    path: str
    roles: frozenset[Role]
    # Reads of sealed or personal data are audited; writes always are.
    personal_data: bool = False

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


POLICY: dict[str, Operation] = {
    "plans.units.register": Operation("POST", "/api/v1/plans/units", REGISTRARS),
    "plans.units.list": Operation("GET", "/api/v1/plans/units", PEOPLE),
    "plans.units.read": Operation("GET", "/api/v1/plans/units/{unit_id}", PEOPLE),
    "plans.units.update": Operation("PATCH", "/api/v1/plans/units/{unit_id}", REGISTRARS),
    "plans.units.staffing.read": Operation("GET", "/api/v1/plans/units/{unit_id}/staffing", PEOPLE),
    "plans.units.staffing.record": Operation(
        "PUT", "/api/v1/plans/units/{unit_id}/staffing", frozenset({Role.ADMIN})
    ),
    "plans.units.sub_units": Operation("GET", "/api/v1/plans/units/{unit_id}/sub-units", PEOPLE),
    "plans.teams.form": Operation("POST", "/api/v1/plans/teams", PLANNERS),
    "plans.teams.list": Operation(
        "GET", "/api/v1/plans/teams", INSPECTION_STAFF, personal_data=True
    ),
    "plans.teams.read": Operation(
        "GET", "/api/v1/plans/teams/{team_id}", INSPECTION_STAFF, personal_data=True
    ),
    "plans.teams.update": Operation("PATCH", "/api/v1/plans/teams/{team_id}", PLANNERS),
    "plans.checklists.create": Operation("POST", "/api/v1/plans/checklists", PLANNERS),
    "plans.checklists.list": Operation("GET", "/api/v1/plans/checklists", PEOPLE),
    "plans.checklists.read": Operation("GET", "/api/v1/plans/checklists/{checklist_id}", PEOPLE),
    "plans.checklists.publish": Operation(
        "POST", "/api/v1/plans/checklists/{checklist_id}/versions", PLANNERS
    ),
    "plans.checklists.versions.read": Operation(
        "GET", "/api/v1/plans/checklists/{checklist_id}/versions/{version}", PEOPLE
    ),
    "plans.plans.create": Operation("POST", "/api/v1/plans/plans", PLANNERS),
    "plans.plans.list": Operation("GET", "/api/v1/plans/plans", PEOPLE),
    "plans.plans.read": Operation("GET", "/api/v1/plans/plans/{plan_id}", PEOPLE),
    "plans.plans.update": Operation("PATCH", "/api/v1/plans/plans/{plan_id}", PLANNERS),
    "plans.plans.discard": Operation("DELETE", "/api/v1/plans/plans/{plan_id}", PLANNERS),
    "plans.plans.approve": Operation("POST", "/api/v1/plans/plans/{plan_id}/approval", APPROVERS),
    "plans.plans.close": Operation("POST", "/api/v1/plans/plans/{plan_id}/closure", APPROVERS),
    # Reads are audited: they may show sealed (surprise) inspections.
    "plans.inspections.schedule": Operation("POST", "/api/v1/plans/inspections", PLANNERS),
    "plans.inspections.list": Operation(
        "GET", "/api/v1/plans/inspections", PEOPLE, personal_data=True
    ),
    "plans.inspections.read": Operation(
        "GET", "/api/v1/plans/inspections/{inspection_id}", PEOPLE, personal_data=True
    ),
    "plans.inspections.reschedule": Operation(
        "POST", "/api/v1/plans/inspections/{inspection_id}/rescheduling", PLANNERS
    ),
    "plans.inspections.cancel": Operation(
        "POST", "/api/v1/plans/inspections/{inspection_id}/cancellation", PLANNERS
    ),
    "visits.visits.start": Operation(
        "POST", "/api/v1/visits/visits", frozenset({Role.TEAM_LEADER, Role.INSPECTOR})
    ),
    "visits.visits.read": Operation(
        "GET",
        "/api/v1/visits/visits/{visit_id}",
        INSPECTION_STAFF,
        personal_data=True,
    ),
    "feedback.ratings.submit": Operation("POST", "/api/v1/citizen-feedback/ratings", EVERYONE),
    "feedback.ratings.read": Operation(
        "GET",
        "/api/v1/citizen-feedback/ratings/{rating_id}",
        frozenset({Role.NATIONAL, Role.ADMIN, Role.INSPECTORATE}),
        personal_data=True,
    ),
    "reporting.units.list": Operation("GET", "/api/v1/reporting/units", PEOPLE),
    "reporting.units.read": Operation("GET", "/api/v1/reporting/units/{unit_id}", PEOPLE),
    "reporting.audit.list": Operation(
        "GET",
        "/api/v1/reporting/audit-entries",
        AUDITORS,
        personal_data=True,
    ),
}


# Compiled once: every request through the gateway and every audited call looks here.
_MATCHERS = [(name, operation, operation.pattern()) for name, operation in POLICY.items()]


# A service's routes are declared with POLICY's templates: the route a service's router
# chose names its operation without matching the path again.
_BY_TEMPLATE = {(op.method, op.path): (name, op) for name, op in POLICY.items()}


def find_operation(
    method: str, path: str, *, template: str | None = None
) -> tuple[str, Operation] | None:
    """Return the operation a request is for, or None if the API has no such operation.

    `template` is the path template of the route that matched the request, where known.
    """
    if template is not None:
        return _BY_TEMPLATE.get((method, template))
    for name, operation, pattern in _MATCHERS:
        if operation.method == method and pattern.fullmatch(path):
            return name, operation
    return None


def methods_of(path: str) -> list[str]:
    """Return the methods the API has at a concrete path, sorted; none for an unknown path."""
    return sorted({op.method for _, op, pattern in _MATCHERS if pattern.fullmatch(path)})


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


def allow(operation: str) -> Callable[[Request], Coroutine[Any, Any, Identity]]:
    """Return a dependency giving the caller, refusing roles POLICY does not allow."""
    roles = POLICY[operation].roles

    async def dependency(request: Request) -> Identity:
        identity = await caller_of(request)
        request.state.caller = identity
        if identity.role not in roles:
            raise Forbidden(
                "Your role may not do this.", vi="Vai trò của bạn không được làm việc này."
            )
        return identity

    return dependency
