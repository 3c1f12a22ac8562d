"""One OpenAPI document for the frontend team, merged from every service's own."""

import asyncio
import copy
import time
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

router = APIRouter(include_in_schema=False)

TITLE = "CongVu API"
DESCRIPTION = (
    "API công khai của CongVu: kiểm tra công vụ, kỷ luật, kỷ cương hành chính. "
    "Every path is `/api/v1/<service>/...`; errors are application/problem+json (RFC 9457); "
    "lists use cursor pagination (`limit`, `cursor`, `next_cursor`)."
)


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: (
                renames.get(v, v)
                if k == "$ref" and isinstance(v, str)
                else _rename_refs(v, renames)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def _renames(service: str, own: dict[str, Any], merged: dict[str, Any]) -> dict[str, str]:
    """Return the refs to rename: schemas whose name is taken by different content.

    Renaming one schema changes the content of those that refer to it, so repeat until
    nothing more needs renaming.
    """
    renames: dict[str, str] = {}
    while True:
        found = False
        for name, schema in own.items():
            ref = f"#/components/schemas/{name}"
            if ref in renames or name not in merged:
                continue
            if merged[name] != _rename_refs(schema, renames):
                renames[ref] = f"#/components/schemas/{service.replace('-', '_')}__{name}"
                found = True
        if not found:
            return renames


def merge(documents: dict[str, dict[str, Any]], *, own: dict[str, Any]) -> dict[str, Any]:
    """Merge service documents; schemas with the same name and different content are prefixed."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": "1.0.0", "description": DESCRIPTION},
        "paths": dict(own.get("paths", {})),
        "components": {"schemas": dict(own.get("components", {}).get("schemas", {}))},
        "tags": [],
    }
    schemas: dict[str, Any] = merged["components"]["schemas"]
    for service, document in sorted(documents.items()):
        document = copy.deepcopy(document)
        own_schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        renames = _renames(service, own_schemas, schemas)
        for name, schema in own_schemas.items():
            target = renames.get(f"#/components/schemas/{name}", f"#/components/schemas/{name}")
            schemas[target.rsplit("/", 1)[1]] = _rename_refs(schema, renames)
        for path, item in document.get("paths", {}).items():
            if path.startswith(f"/api/v1/{service}/"):
                merged["paths"][path] = _rename_refs(item, renames)
        merged["tags"].extend(t for t in document.get("tags", []) if t not in merged["tags"])
    return merged


async def _fetch(client: httpx.AsyncClient) -> dict[str, Any] | None:
    try:
        response = await client.get("/openapi.json")
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document
    except (httpx.HTTPError, ValueError):
        return None


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    """Serve the merged document, rebuilt at most every `openapi_cache_s` seconds."""
    state = request.app.state
    cached: tuple[float, dict[str, Any]] | None = getattr(state, "openapi_cache", None)
    if cached is not None and time.monotonic() - cached[0] < state.settings.openapi_cache_s:
        return JSONResponse(cached[1])
    clients: dict[str, httpx.AsyncClient] = state.clients
    fetched = await asyncio.gather(*(_fetch(c) for c in clients.values()))
    documents = {name: doc for name, doc in zip(clients, fetched, strict=True) if doc is not None}
    document = merge(documents, own=request.app.openapi())
    missing = sorted(set(clients) - set(documents))
    if missing:
        document["info"]["x-missing-services"] = missing
    else:
        state.openapi_cache = (time.monotonic(), document)
    return JSONResponse(document)


@router.get("/docs")
async def docs() -> HTMLResponse:
    """Serve Swagger UI over the merged document."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title=TITLE)
