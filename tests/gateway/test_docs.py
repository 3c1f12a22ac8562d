"""/docs is Swagger UI from the gateway's own files: it works on a network without internet."""

import re
from pathlib import PurePosixPath

import httpx
import pytest

# What each file the page loads is, and a mark that it is really Swagger UI's.
KINDS = {
    ".js": ("text/javascript", b"SwaggerUIBundle"),
    ".css": ("text/css", b".swagger-ui"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}


async def _page_urls(gateway: httpx.AsyncClient) -> list[str]:
    response = await gateway.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not re.search(r"(?i)\b(https?:)?//", response.text), "the page names another host"
    return re.findall(r"""(?:src|href)="([^"]+)\"""", response.text)


async def test_the_docs_page_loads_swagger_ui_from_the_gateway(
    gateway: httpx.AsyncClient,
) -> None:
    urls = await _page_urls(gateway)
    assert sorted(httpx.URL(url).path for url in urls) == [
        "/docs/assets/favicon.png",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
    ]
    assert "url: '/openapi.json'" in (await gateway.get("/docs")).text


async def test_every_file_the_page_loads_is_swagger_ui_without_credentials(
    gateway: httpx.AsyncClient,
) -> None:
    for url in await _page_urls(gateway):
        response = await gateway.get(url)
        assert response.status_code == 200, url
        content_type, mark = KINDS[PurePosixPath(httpx.URL(url).path).suffix]
        assert response.headers["content-type"].startswith(content_type), url
        assert mark in response.content, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "etag" in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/docs/assets/",
        "/docs/assets",
        "/docs/assets/nothing.js",
        # Shipped beside Swagger UI in the same package, and still not served.
        "/docs/assets/redoc.standalone.js",
        "/docs/assets/favicon.png/x",
        "/docs/assets/%2e%2e/openapi.json",
    ],
)
async def test_other_asset_paths_are_404_problems(gateway: httpx.AsyncClient, path: str) -> None:
    response = await gateway.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
