"""The deploy files render and validate offline, and the validator does catch mistakes."""

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.validate_deploy import (
    OVERLAYS,
    check_compose,
    check_compose_document,
    check_overlay,
    find_root,
    validate_documents,
)

ROOT = find_root(Path(__file__).resolve().parent)
needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl renders the kustomize overlays"
)


def deployment() -> dict[str, Any]:
    """Return a small Deployment that passes the schema."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "demo", "namespace": "congvu"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "demo"}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "demo"}},
                "spec": {"containers": [{"name": "demo", "image": "ghcr.io/congvu/congvu:0.1.0"}]},
            },
        },
    }


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_validates(overlay: str) -> None:
    assert check_overlay(ROOT / "deploy" / "k8s" / "overlays" / overlay) == []


def test_compose_file_is_well_formed() -> None:
    assert check_compose(ROOT / "docker-compose.yml") == []


def test_a_valid_deployment_passes() -> None:
    assert validate_documents([deployment()], source="test") == []


def test_a_deployment_without_selector_is_reported() -> None:
    doc = deployment()
    del doc["spec"]["selector"]
    problems = validate_documents([doc], source="test")
    assert problems
    assert all("Deployment congvu/demo" in str(p) for p in problems)
    assert any("selector" in str(p) for p in problems)


def test_a_field_of_the_wrong_type_is_reported() -> None:
    doc = deployment()
    doc["spec"]["replicas"] = "two"
    problems = validate_documents([doc], source="test")
    assert any("replicas" in str(p) for p in problems)


def test_an_unknown_field_is_reported() -> None:
    doc = deployment()
    doc["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    assert validate_documents([doc], source="test")


def test_an_unknown_kind_is_reported_not_skipped() -> None:
    doc = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    problems = validate_documents([doc], source="test")
    assert any("no schema" in str(p) for p in problems)


def test_an_incomplete_strimzi_resource_is_reported() -> None:
    topic = {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "KafkaTopic",
        "metadata": {"name": "congvu.plans.v1", "namespace": "kafka"},
        "spec": {"partitions": "six"},
    }
    messages = [p.message for p in validate_documents([topic], source="test")]
    assert "missing spec.replicas" in messages
    assert "missing label strimzi.io/cluster" in messages
    assert any("spec.partitions must be an integer" in m for m in messages)


def test_compose_mistakes_are_reported() -> None:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    del broken["services"]["kafka"]["healthcheck"]
    broken["services"]["gateway"]["ports"] = ["8080:8000"]
    del broken["services"]["plans"]["image"]
    del broken["services"]["plans"]["build"]
    problems = [str(p) for p in check_compose_document(broken)]
    assert "docker-compose.yml service kafka: has no healthcheck" in problems
    assert "docker-compose.yml service gateway: does not publish 8000" in problems
    assert "docker-compose.yml service plans: has neither image nor build" in problems
