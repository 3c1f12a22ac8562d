"""The deploy files render and validate offline, and the validator does catch mistakes."""

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from devstack.validate_deploy import (
    OVERLAYS,
    check_app_environment,
    check_compose,
    check_compose_document,
    check_overlay,
    config_maps,
    container_environment,
    find_root,
    render_overlay,
    validate_documents,
)
from gateway.config import Settings as GatewaySettings
from servicekit.config import ServiceSettings

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


def gateway_env(**changes: str | None) -> dict[str, str | None]:
    """Return a production gateway environment that passes, with `changes` applied."""
    env: dict[str, str | None] = {
        "SERVICE_NAME": "gateway",
        "RUNTIME_MODE": "production",
        "IDENTITY_PRIVATE_KEY_FILE": "/etc/congvu/identity/identity-private.pem",
        "OIDC_JWKS_URL": "https://sso.example.gov.vn/certs",
        "OIDC_JWKS_FILE": "",
        "REDIS_URL": "redis://congvu-redis:6379/0",
        "PROVINCIAL_CLIENTS": None,
        "FORWARDED_ALLOW_IPS": "10.0.0.0/8",
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v != "<unset>"}


def test_a_complete_gateway_environment_passes() -> None:
    errors = check_app_environment(
        "gateway", gateway_env(), ["/etc/congvu/identity"], replicated=True
    )
    assert errors == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"IDENTITY_PRIVATE_KEY_FILE": "<unset>"}, "does not set IDENTITY_PRIVATE_KEY"),
        ({"IDENTITY_PRIVATE_KEY_FILE": "/keys/k.pem"}, "/keys/k.pem is not on a mounted volume"),
        ({"OIDC_JWKS_URL": "<unset>"}, "needs OIDC_JWKS_URL"),
        ({"OIDC_JWKS_FILE": "<unset>"}, "needs OIDC_JWKS_FILE set empty"),
        ({"REDIS_URL": ""}, "without REDIS_URL"),
        ({"SERVICE_NAME": "<unset>"}, "does not set SERVICE_NAME"),
        ({"SERVICE_citizen-feedback": "x"}, "'SERVICE_citizen-feedback' is not valid"),
        ({"FORWARDED_ALLOW_IPS": "<unset>"}, "does not say whose X-Forwarded-For"),
        ({"FORWARDED_ALLOW_IPS": "*"}, "FORWARDED_ALLOW_IPS=* lets any caller"),
        ({"FORWARDED_ALLOW_IPS": "10.0.0.0/8,*"}, "FORWARDED_ALLOW_IPS=* lets any caller"),
    ],
)
def test_gateway_environment_mistakes_are_reported(
    changes: dict[str, str | None], message: str
) -> None:
    errors = check_app_environment(
        "gateway", gateway_env(**changes), ["/etc/congvu/identity"], replicated=True
    )
    assert any(message in e for e in errors), errors


def test_one_embedded_gateway_needs_a_key_set_but_no_redis() -> None:
    env = gateway_env(RUNTIME_MODE="embedded", OIDC_JWKS_URL="<unset>", REDIS_URL="<unset>")
    errors = check_app_environment("gateway", env, ["/etc/congvu/identity"], replicated=False)
    assert errors == ["sets neither OIDC_JWKS_URL nor OIDC_JWKS_FILE"]


def test_compose_apps_without_keys_are_reported() -> None:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    del broken["services"]["plans"]["environment"]["IDENTITY_PUBLIC_KEY_FILE"]
    del broken["services"]["gateway"]["volumes"]
    problems = [str(p) for p in check_compose_document(broken)]
    assert (
        "docker-compose.yml service plans: does not set IDENTITY_PUBLIC_KEY"
        " or IDENTITY_PUBLIC_KEY_FILE" in problems
    )
    assert any(
        p.startswith("docker-compose.yml service gateway: IDENTITY_PRIVATE_KEY_FILE=")
        for p in problems
    )


def app_environments(overlay: str) -> dict[str, dict[str, str | None]]:
    """Return the environment of each app Deployment an overlay renders."""
    docs = render_overlay(ROOT / "deploy" / "k8s" / "overlays" / overlay)
    maps = config_maps(docs)
    return {
        doc["metadata"]["name"]: container_environment(
            doc["spec"]["template"]["spec"]["containers"][0], maps
        )[0]
        for doc in docs
        if doc["kind"] == "Deployment"
        and doc["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component")
        in ("service", "gateway")
    }


# Stand-ins for the values that come from Secrets.
SECRET_VALUES = {
    "DATABASE_URL": "postgresql+asyncpg://congvu:secret@postgres.example:5432/congvu",
    "PROVINCIAL_CLIENTS": '[{"id": "p", "province_code": "22", "secrets": ["s"]}]',
    "EVIDENCE_S3_ENDPOINT_URL": "https://s3.example",
    "EVIDENCE_S3_BUCKET": "congvu-evidence",
    "EVIDENCE_S3_ACCESS_KEY_ID": "key",
    "EVIDENCE_S3_SECRET_ACCESS_KEY": "secret",
}


def load_settings(
    settings_class: type[BaseSettings], env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> BaseSettings:
    """Build settings from exactly `env`, as the app would read it at start-up."""
    for field in settings_class.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, SECRET_VALUES[name] if value is None else value)
    return settings_class()


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_accept_their_rendered_settings(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, env in app_environments(overlay).items():
        if name != "gateway":
            settings = load_settings(ServiceSettings, env, monkeypatch)
            assert isinstance(settings, ServiceSettings)
            assert settings.service_name == name
            assert str(settings.identity_public_key_file).startswith("/etc/congvu/identity/")


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_accepts_its_rendered_settings(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = app_environments(overlay)["gateway"]
    settings = load_settings(GatewaySettings, env, monkeypatch)
    assert isinstance(settings, GatewaySettings)
    assert settings.runtime_mode == "production"
    assert settings.oidc_jwks_file is None
    assert settings.redis_url
    # Behind the ingress: its X-Forwarded-For gives each citizen their own address.
    assert settings.forwarded_allow_ips


def test_every_topic_the_services_use_is_declared_for_strimzi() -> None:
    from eventbus.topics import PROBE_TOPIC, all_topics

    declared = {
        doc["spec"]["topicName"]
        for doc in yaml.safe_load_all(
            (ROOT / "deploy/k8s/base/kafka/topics.yaml").read_text(encoding="utf-8")
        )
        if doc and doc.get("kind") == "KafkaTopic"
    }
    assert set(all_topics()) | {PROBE_TOPIC} <= declared


def test_the_production_image_ships_the_apps_and_no_development_tools() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = dockerfile.split("\nFROM ")
    build = next(s for s in stages if " AS build" in s.splitlines()[0])
    runtime = stages[-1]
    assert " AS runtime" in runtime.splitlines()[0], "the production image is the default target"
    assert "./libs/devstack" not in build
    assert "devstack" not in runtime
    assert 'ENTRYPOINT ["python", "-m", "servicekit.serve"]' in runtime
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    uses_devstack = {
        name
        for name, service in compose["services"].items()
        if "devstack"
        in json.dumps(service.get("command", "")) + json.dumps(service.get("entrypoint", ""))
    }
    assert uses_devstack == {"keys"}
    assert compose["services"]["keys"]["build"]["target"] == "devtools"
