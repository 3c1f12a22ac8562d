"""One OpenAPI document for the frontend team, merged from every service's own."""

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from servicekit.access import PEOPLE, Policy, Role

router = APIRouter(include_in_schema=False)

TITLE = "CongVu API"
DESCRIPTION = (
    "API công khai của CongVu: kiểm tra công vụ, kỷ luật, kỷ cương hành chính. "
    "Every path is `/api/v1/<service>/...`; errors are application/problem+json (RFC 9457); "
    "lists use cursor pagination (`limit`, `cursor`, `next_cursor`).\n\n"
    "Phạm vi dữ liệu (who sees what): the Ministry of Home Affairs (`national`) sees every"
    " province and keeps the national registry; admins, the inspectorate, team leaders,"
    " inspectors and provincial systems act within the province their token's unit lies in;"
    " unit heads and staff within their unit and the units beneath it. Teams, checklists and"
    " plans belong to the province that made them. Anything outside the caller's reach answers"
    " 404 and is left out of lists; a body naming it is refused with 422 at that field, as an"
    " id nobody used."
)
CONTACT = {"name": "Nhóm phát triển CongVu"}


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
        "info": {
            "title": TITLE,
            "version": "1.0.0",
            "description": DESCRIPTION,
            "contact": CONTACT,
        },
        "paths": dict(own.get("paths", {})),
        "components": {"schemas": dict(own.get("components", {}).get("schemas", {}))},
        "tags": list(own.get("tags", [])),
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
    _declare_tags(merged)
    return merged


def _declare_tags(document: dict[str, Any]) -> None:
    """Declare every tag an operation uses, keeping the descriptions services gave."""
    declared = {tag["name"] for tag in document["tags"]}
    for item in document["paths"].values():
        for operation in item.values():
            for name in operation.get("tags", []):
                if name not in declared:
                    document["tags"].append({"name": name})
                    declared.add(name)


SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "Cán bộ đăng nhập qua nhà cung cấp định danh (OIDC). The token carries the role"
            " (`congvu_role`) and the official code of the person's unit (`congvu_unit`):"
            " every role but `national` needs one (401 without it)."
        ),
    },
    "signedRequest": {
        "type": "apiKey",
        "in": "header",
        "name": "CongVu-Signature",
        "description": (
            "Provincial systems: `CongVu-Signature: t=<unix>,v1=<hex>` where v1 is"
            " HMAC-SHA256 of `<t>.<METHOD>.<path?query>.` followed by the raw body, with the"
            " client's secret (path and query exactly as sent, e.g."
            " `1767225600.POST./api/v1/citizen-feedback/ratings.{...}`); send"
            " `CongVu-Client: <id>` too. Older than 300 s, or a signature seen before: 401."
        ),
    },
}
AUTH_RESPONSES = {
    "400": "Nội dung yêu cầu không đọc được (không phải JSON hợp lệ).",
    "401": "Chưa xác thực: thiếu hoặc sai thông tin đăng nhập.",
    "403": "Vai trò hoặc đơn vị của bạn không được phép.",
    "413": "Nội dung yêu cầu quá lớn.",
    "429": "Quá nhiều yêu cầu; thử lại sau Retry-After giây.",
    "503": "Dịch vụ tạm thời không sẵn sàng; thử lại sau Retry-After giây.",
}


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": (
        "Khóa chống gửi trùng (UUID ngẫu nhiên). The same key and body get the same answer"
        " for 24 hours; another body with that key gets 422; a duplicate still running, 409."
    ),
}


def _document_idempotency(item: dict[str, Any]) -> None:
    """Document Idempotency-Key and the answers it adds on a POST operation."""
    item.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
    item.setdefault("responses", {}).setdefault(
        "409",
        {
            "description": "Yêu cầu cùng Idempotency-Key đang được xử lý.",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
    )


ETAG_HEADER = {
    "description": ("Phiên bản của tài nguyên (strong ETag); gửi lại trong If-Match khi cập nhật."),
    "schema": {"type": "string"},
}
LOCATION_HEADER = {"description": "Địa chỉ của tài nguyên vừa tạo.", "schema": {"type": "string"}}


def _document_headers(item: dict[str, Any]) -> None:
    """Document ETag on single-resource answers and Location on creates."""
    for status in ("200", "201"):
        answer = item.get("responses", {}).get(status)
        schema = (answer or {}).get("content", {}).get("application/json", {}).get("schema", {})
        ref = str(schema.get("$ref", ""))
        if answer is None or not ref or ref.rsplit("/", 1)[-1].startswith("Page"):
            continue
        headers = answer.setdefault("headers", {})
        headers["ETag"] = ETAG_HEADER
        if status == "201":
            headers["Location"] = LOCATION_HEADER


def _describe_access(document: dict[str, Any]) -> None:
    """Add each operation's security and its allowed roles, from the policy services state."""
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for operation in Policy.from_openapi(document):
        item = document["paths"][operation.path][operation.method.lower()]
        security: list[dict[str, list[str]]] = []
        if operation.public:
            security.append({})
        if operation.roles & PEOPLE:
            security.append({"bearerAuth": []})
        if Role.PROVINCIAL_SYSTEM in operation.roles:
            security.append({"signedRequest": []})
        item["security"] = security
        if operation.method == "POST":
            _document_idempotency(item)
        _document_headers(item)
        roles = sorted(r.value for r in operation.roles)
        who = "Công khai (không cần đăng nhập)." if operation.public else ", ".join(roles)
        item["description"] = f"{item.get('description', '')}\n\nVai trò được phép: {who}"
        for status, text in AUTH_RESPONSES.items():
            if status == "401" and operation.public:
                continue
            if status in ("400", "413") and "requestBody" not in item:
                continue
            item.setdefault("responses", {}).setdefault(
                status,
                {
                    "description": text,
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                },
            )


async def _fetch(client: httpx.AsyncClient) -> dict[str, Any] | None:
    try:
        response = await client.get("/openapi.json")
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document
    except (httpx.HTTPError, ValueError):
        return None


def document_of(
    documents: dict[str, dict[str, Any]], *, own: dict[str, Any], server_url: str
) -> dict[str, Any]:
    """Return the document the gateway serves, at `server_url`, for these service documents."""
    document = merge(documents, own=own)
    _describe_access(document)
    return with_server(document, server_url)


def with_server(document: dict[str, Any], server_url: str) -> dict[str, Any]:
    """Return `document` naming `server_url` as where its paths are served."""
    server = {"url": server_url.rstrip("/"), "description": "Cổng API (gateway) của CongVu"}
    return {**document, "servers": [server]}


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    """Serve the merged document, rebuilt at most every `openapi_cache_s` seconds."""
    state = request.app.state
    server_url = str(request.base_url)
    cached: tuple[float, dict[str, Any]] | None = getattr(state, "openapi_cache", None)
    if cached is not None and time.monotonic() - cached[0] < state.settings.openapi_cache_s:
        return JSONResponse(with_server(cached[1], server_url))
    clients: dict[str, httpx.AsyncClient] = state.gateway.clients
    fetched = await asyncio.gather(*(_fetch(c) for c in clients.values()))
    documents = {name: doc for name, doc in zip(clients, fetched, strict=True) if doc is not None}
    document = document_of(documents, own=request.app.openapi(), server_url=server_url)
    missing = sorted(set(clients) - set(documents))
    if missing:
        document["info"]["x-missing-services"] = missing
    else:
        state.openapi_cache = (time.monotonic(), document)
    return JSONResponse(document)


# Swagger UI's dist files as the pinned fastapi-offline wheel ships them, so /docs works on
# a network without internet. Its version is in each URL: a new wheel is a new URL, so the
# files may be cached for good.
SWAGGER_UI = Path(str(files("fastapi_offline") / "static"))
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
ASSETS_VERSION = version("fastapi-offline")
ASSETS_CACHE_CONTROL = "public, max-age=31536000, immutable"


def asset_url(name: str) -> str:
    """Return where the page finds the Swagger UI file `name`."""
    return f"/docs/assets/{name}?v={ASSETS_VERSION}"


def _asset(name: str, media_type: str) -> Callable[[], Awaitable[FileResponse]]:
    path = SWAGGER_UI / name

    async def serve() -> FileResponse:
        return FileResponse(
            path, media_type=media_type, headers={"Cache-Control": ASSETS_CACHE_CONTROL}
        )

    return serve


# One exact route a file: any other path under /docs/assets is the router's plain 404.
for _name, _media_type in ASSETS.items():
    router.add_api_route(f"/docs/assets/{_name}", _asset(_name, _media_type), methods=["GET"])


@router.get("/docs")
async def docs() -> HTMLResponse:
    """Serve Swagger UI over the merged document, from the gateway's own files."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=TITLE,
        swagger_js_url=asset_url("swagger-ui-bundle.js"),
        swagger_css_url=asset_url("swagger-ui.css"),
        swagger_favicon_url=asset_url("favicon.png"),
    )
