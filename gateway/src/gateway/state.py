"""What the running gateway holds: clients, verifiers, limits, keys."""

from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway.authn import BearerVerifier, SignatureVerifier
from gateway.config import Settings
from gateway.limits import CircuitBreaker, RateLimiter
from gateway.policy import Policies
from gateway.refusals import RefusalReporter
from gateway.stores import Store


@dataclass
class GatewayState:
    """Built at start-up, closed at shutdown."""

    settings: Settings
    clients: dict[str, httpx.AsyncClient]
    store: Store
    bearer: BearerVerifier
    signatures: SignatureVerifier
    limiter: RateLimiter
    identity_key: Any
    refusals: RefusalReporter
    policies: Policies
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)
