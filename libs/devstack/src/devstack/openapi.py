"""Write the OpenAPI document the gateway serves, built in-process from every app.

`python -m devstack.openapi --out var/openapi.json` (make lint-openapi lints it). No
process, database or broker is started: each app is built and asked for its own document,
and the gateway merges them as it does behind GET /openapi.json.
"""

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from servicekit.serve import APPS

SERVICES = ("plans", "visits", "citizen-feedback", "reporting")
EMBEDDED_GATEWAY = "http://127.0.0.1:8000"


def merged_document(server_url: str = EMBEDDED_GATEWAY) -> dict[str, Any]:
    """Return the gateway's merged document, as served at `server_url`."""
    from gateway.config import Settings as GatewaySettings
    from gateway.main import create_app as create_gateway
    from gateway.openapi import document_of

    # The apps need keys to be built; documents do not depend on them.
    key = ed25519.Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    documents: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        module, factory = APPS[service].split(":")
        package = module.rsplit(".", 1)[0]
        settings = importlib.import_module(f"{package}.config").Settings(
            identity_public_key=public_pem, log_json=False, log_level="WARNING"
        )
        app = getattr(importlib.import_module(module), factory)(settings)
        documents[service] = app.openapi()
    gateway = create_gateway(
        GatewaySettings(identity_private_key=private_pem, log_json=False, log_level="WARNING")
    )
    return document_of(documents, own=gateway.openapi(), server_url=server_url)


def main() -> None:
    """Write the document to --out (or print it)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--server-url", default=EMBEDDED_GATEWAY)
    args = parser.parse_args()
    text = json.dumps(merged_document(args.server_url), ensure_ascii=False, indent=2)
    if args.out is None:
        print(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
