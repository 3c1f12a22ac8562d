"""`make token ROLE=<role> UNIT=<unit code>`: print a bearer token for local use.

Every role but `national` (the Ministry of Home Affairs, which reaches every province) names
the official code of the person's unit, and acts within its province: the province's own
code for admins, the inspectorate, team leaders and inspectors (`ROLE=inspectorate UNIT=40`
for Nghệ An's), the unit's for its heads and staff (`ROLE=unit_head UNIT=06688`).

Signed with the embedded identity provider key under var/keys; a gateway in production
mode verifies tokens only against the real provider's JWKS URL, so these never work there.
"""

import argparse
import uuid
from datetime import timedelta
from pathlib import Path

import jwt

from devstack.keys import OIDC_KID, ensure_keys
from servicekit.access import Role
from servicekit.times import utcnow

ISSUER = "congvu-embedded"
AUDIENCE = "congvu-api"
PERSON_ROLES = [r for r in Role if r not in (Role.PUBLIC, Role.PROVINCIAL_SYSTEM)]


def mint_token(
    role: Role,
    unit: str | None,
    *,
    keys_dir: Path = Path("var/keys"),
    subject: str | None = None,
    lifetime: timedelta = timedelta(hours=8),
) -> str:
    """Return a token the embedded gateway accepts for a person with `role` at `unit`."""
    if role not in PERSON_ROLES:
        raise ValueError(f"{role} is not a person's role")
    if role != Role.NATIONAL and not unit:
        raise ValueError(
            f"{role} needs the official code of the person's unit (their province's, for"
            " admins, the inspectorate, team leaders and inspectors); only national has none"
        )
    ensure_keys(keys_dir)
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject or f"local-{role.value}-{uuid.uuid4().hex[:8]}",
        "congvu_role": role.value,
        "congvu_unit": unit,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    key = (keys_dir / "oidc-private.pem").read_bytes()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": OIDC_KID})


def main() -> None:
    """Print a token."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", required=True, choices=[r.value for r in PERSON_ROLES])
    parser.add_argument(
        "--unit",
        help="official code of the person's unit, for every role but national: the province's"
        " (e.g. 22 for Quảng Ninh) for admin, inspectorate, team_leader and inspector, the"
        " unit's for unit_head and unit_staff",
    )
    parser.add_argument("--subject")
    parser.add_argument("--hours", type=float, default=8)
    parser.add_argument("--dir", type=Path, default=Path("var/keys"))
    args = parser.parse_args()
    try:
        token = mint_token(
            Role(args.role),
            args.unit or None,
            keys_dir=args.dir,
            subject=args.subject,
            lifetime=timedelta(hours=args.hours),
        )
    except ValueError as exc:
        parser.error(str(exc))
    print(token)


if __name__ == "__main__":
    main()
