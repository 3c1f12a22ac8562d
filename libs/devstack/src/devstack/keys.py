"""Keys for embedded mode: `python -m devstack.keys [--dir var/keys]` creates what is missing.

- identity-private.pem / identity-public.pem: the gateway signs the caller it forwards to
  the services with this Ed25519 pair;
- oidc-private.pem / oidc-jwks.json: a local stand-in for the identity provider, so
  `make token` can sign bearer tokens the gateway accepts in embedded mode only.
"""

import argparse
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import RSAAlgorithm

OIDC_KID = "congvu-embedded-1"


def _write_private(path: Path, pem: bytes) -> None:
    path.write_bytes(pem)
    os.chmod(path, 0o600)


def ensure_keys(directory: Path) -> None:
    """Create the embedded-mode key files that do not exist yet."""
    directory.mkdir(parents=True, exist_ok=True)
    identity = directory / "identity-private.pem"
    if not identity.exists():
        key = ed25519.Ed25519PrivateKey.generate()
        _write_private(
            identity,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        (directory / "identity-public.pem").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    oidc = directory / "oidc-private.pem"
    if not oidc.exists():
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _write_private(
            oidc,
            rsa_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        jwk = json.loads(RSAAlgorithm.to_jwk(rsa_key.public_key()))
        jwk |= {"kid": OIDC_KID, "alg": "RS256", "use": "sig"}
        (directory / "oidc-jwks.json").write_text(json.dumps({"keys": [jwk]}, indent=2))


def main() -> None:
    """Create missing keys in the given directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("var/keys"))
    ensure_keys(parser.parse_args().dir)


if __name__ == "__main__":
    main()
