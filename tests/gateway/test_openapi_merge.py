"""Merging service documents into one: pure logic, no I/O."""

from typing import Any

from gateway.openapi import merge


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
