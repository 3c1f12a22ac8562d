"""Merging service documents into one: pure logic, no I/O."""

from typing import Any
from unittest.mock import ANY

from devstack.openapi import merged_document
from gateway.openapi import document_of, merge
from tests.support.gateway import service_policy


def document(service: str, schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "paths": {
            f"/api/v1/{service}/items": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Page"}
                                }
                            }
                        }
                    }
                }
            },
            "/healthz": {"get": {}},
        },
        "components": {"schemas": schemas},
    }


def page_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}
        },
    }


def test_same_name_different_content_is_renamed_and_refs_follow() -> None:
    a = document("a", {"Item": {"type": "string"}, "Page": page_of("Item")})
    b = document("b", {"Item": {"type": "integer"}, "Page": page_of("Item")})
    merged = merge({"a": a, "b": b}, own={})
    schemas = merged["components"]["schemas"]
    assert schemas["Item"] == {"type": "string"}
    assert schemas["b__Item"] == {"type": "integer"}
    # b's Page is textually identical to a's but points at b's Item: it must be renamed too.
    assert schemas["Page"] == page_of("Item")
    assert schemas["b__Page"] == page_of("b__Item")
    b_ref = merged["paths"]["/api/v1/b/items"]["get"]["responses"]["200"]["content"]
    assert b_ref["application/json"]["schema"]["$ref"] == "#/components/schemas/b__Page"


def test_identical_schemas_are_shared_and_only_own_paths_are_taken() -> None:
    shared = {"Problem": {"type": "object"}}
    merged = merge({"a": document("a", shared), "b": document("b", shared)}, own={})
    assert set(merged["components"]["schemas"]) == {"Problem"}
    assert set(merged["paths"]) == {"/api/v1/a/items", "/api/v1/b/items"}


def test_every_tag_an_operation_uses_is_declared_once() -> None:
    a = document("a", {})
    a["paths"]["/api/v1/a/items"]["get"]["tags"] = ["a: items"]
    a["tags"] = [{"name": "a: items", "description": "Items of a."}]
    b = document("b", {})
    b["paths"]["/api/v1/b/items"]["get"]["tags"] = ["b: items", "a: items"]
    own = {"paths": {"/healthz": {"get": {"tags": ["health"]}}}}
    merged = merge({"a": a, "b": b}, own=own)
    assert merged["tags"] == [
        {"name": "a: items", "description": "Items of a."},
        {"name": "health"},
        {"name": "b: items"},
    ]


def test_the_served_document_names_its_server_and_a_contact() -> None:
    served = document_of({"a": document("a", {})}, own={}, server_url="http://gw.example/")
    assert served["servers"] == [{"url": "http://gw.example", "description": ANY}]
    assert served["info"]["contact"]["name"]


def test_the_merged_document_says_what_the_api_does() -> None:
    merged = merged_document()
    operations = {
        (method.upper(), path): operation
        for path, item in merged["paths"].items()
        for method, operation in item.items()
        if path.startswith("/api/v1/")
    }
    # Exactly the operations the gateway forwards: every other method of a path is a 405.
    assert set(operations) == {(o.method, o.path) for o in service_policy()}
    declared = {tag["name"] for tag in merged["tags"]}
    for (method, path), operation in operations.items():
        assert operation["description"].strip(), (method, path)
        assert set(operation["tags"]) <= declared, (method, path)
        headers = {p["name"].lower(): p for p in operation.get("parameters", [])}
        if "428" in operation["responses"]:
            assert headers["if-match"]["required"] is True, (method, path)
