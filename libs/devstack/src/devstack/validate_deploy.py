"""Check the deploy files offline: `python -m devstack.validate_deploy` (make validate-deploy)."""

# Renders every Kubernetes overlay with `kubectl kustomize`, validates each rendered document
# against the Kubernetes JSON schemas shipped with kubernetes-validate (strict: unknown fields
# are errors), checks the Strimzi custom resources, which have no schema there, for the fields
# they cannot do without, and checks the structure of docker-compose.yml. In both, the apps'
# environment is checked for the settings they cannot start without (identity keys, the
# identity provider, Redis for several gateway replicas).

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

OVERLAYS = ("production", "staging")
# The oldest Kubernetes the manifests support; the newest shipped schema is checked as well.
MIN_KUBERNETES_VERSION = "1.31"
STRIMZI_GROUP = "kafka.strimzi.io"
STRIMZI_API_VERSION = f"{STRIMZI_GROUP}/v1beta2"
# Dotted paths each Strimzi kind needs; these kinds are checked by hand, not by schema.
STRIMZI_REQUIRED: dict[str, tuple[str, ...]] = {
    "Kafka": ("spec.kafka", "spec.kafka.listeners", "spec.entityOperator"),
    "KafkaNodePool": ("spec.replicas", "spec.roles", "spec.storage"),
    "KafkaTopic": ("spec.partitions", "spec.replicas"),
}
# Strimzi kinds that belong to a cluster through the `strimzi.io/cluster` label.
STRIMZI_CLUSTER_LABELLED = ("KafkaNodePool", "KafkaTopic", "KafkaUser")
COMPOSE_CONDITIONS = frozenset(
    {"service_started", "service_healthy", "service_completed_successfully"}
)
COMPOSE_HEALTHCHECKED = ("kafka", "postgres")
GATEWAY_PORT = 8000
# The apps, by the first argument of the image's command; `component` labels in Kubernetes.
SERVICE_APPS = ("plans", "visits", "citizen-feedback", "reporting")
GATEWAY_APP = "gateway"
APP_COMPONENTS = {"service": "service", "gateway": GATEWAY_APP}
# Settings an app cannot start without: one variable of each group must be set. The key
# files' defaults (var/keys/...) do not exist in the image.
REQUIRED_ENV: dict[str, tuple[tuple[str, ...], ...]] = {
    "service": (
        ("SERVICE_NAME",),
        ("DATABASE_URL",),
        ("IDENTITY_PUBLIC_KEY", "IDENTITY_PUBLIC_KEY_FILE"),
    ),
    GATEWAY_APP: (
        ("SERVICE_NAME",),
        ("IDENTITY_PRIVATE_KEY", "IDENTITY_PRIVATE_KEY_FILE"),
    ),
}
# Variables naming files the app reads: they must lie on a mounted volume.
FILE_ENV = ("IDENTITY_PUBLIC_KEY_FILE", "IDENTITY_PRIVATE_KEY_FILE", "OIDC_JWKS_FILE")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a deploy file, and where."""

    where: str
    message: str

    def __str__(self) -> str:
        """Return the problem as one readable line."""
        return f"{self.where}: {self.message}"


class RenderError(Exception):
    """An overlay could not be rendered (kubectl missing, or kustomize failed)."""


def find_root(start: Path | None = None) -> Path:
    """Return the repository root: the nearest directory holding deploy/k8s/overlays."""
    candidates = [start or Path.cwd(), Path(__file__).resolve()]
    for candidate in candidates:
        for directory in (candidate, *candidate.parents):
            if (directory / "deploy" / "k8s" / "overlays").is_dir():
                return directory
    return start or Path.cwd()


def kubernetes_versions() -> tuple[str, ...]:
    """Return the Kubernetes versions to validate against: the oldest supported and newest known."""
    newest = ".".join(str(kubernetes_validate.latest_version()).split(".")[:2])
    return tuple(dict.fromkeys((MIN_KUBERNETES_VERSION, newest)))


def render_overlay(overlay: Path) -> list[dict[str, Any]]:
    """Render one kustomize overlay with kubectl and return its documents."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RenderError(
            "kubectl was not found on PATH; install kubectl (it bundles kustomize) "
            "to render deploy/k8s/overlays"
        )
    result = subprocess.run(
        [kubectl, "kustomize", str(overlay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise RenderError(f"kubectl kustomize {overlay} failed: {result.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


def describe(doc: Mapping[str, Any]) -> str:
    """Return `Kind namespace/name` for a document, as far as it can be told."""
    metadata = doc.get("metadata")
    name = metadata.get("name", "?") if isinstance(metadata, Mapping) else "?"
    namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    return f"{doc.get('kind', '?')} {namespace + '/' if namespace else ''}{name}"


def lookup(doc: Mapping[str, Any], dotted: str) -> object | None:
    """Return the value at a dotted path of nested mappings, or None when absent."""
    value: object = doc
    for key in dotted.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def check_strimzi(doc: Mapping[str, Any]) -> list[str]:
    """Return what a Strimzi custom resource lacks, since no schema is available for it."""
    errors: list[str] = []
    if doc.get("apiVersion") != STRIMZI_API_VERSION:
        errors.append(f"apiVersion must be {STRIMZI_API_VERSION}, not {doc.get('apiVersion')!r}")
    for field in ("metadata.name", "metadata.namespace", "spec"):
        if lookup(doc, field) in (None, "", {}):
            errors.append(f"missing {field}")
    kind = str(doc.get("kind"))
    for field in STRIMZI_REQUIRED.get(kind, ()):
        if lookup(doc, field) is None:
            errors.append(f"missing {field}")
    labels = lookup(doc, "metadata.labels")
    if kind in STRIMZI_CLUSTER_LABELLED and not (
        isinstance(labels, Mapping) and labels.get("strimzi.io/cluster")
    ):
        errors.append("missing label strimzi.io/cluster")
    for field in ("spec.replicas", "spec.partitions"):
        value = lookup(doc, field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            errors.append(f"{field} must be an integer, not {value!r}")
    return errors


def validate_documents(
    docs: Iterable[Mapping[str, Any]],
    *,
    source: str,
    versions: Sequence[str] | None = None,
) -> list[Problem]:
    """Validate rendered Kubernetes documents; Strimzi resources get the hand-written checks."""
    problems: list[Problem] = []
    for index, doc in enumerate(docs):
        where = f"{source} document {index}"
        if not isinstance(doc, Mapping):
            problems.append(Problem(where, "not a mapping"))
            continue
        missing = [f for f in ("apiVersion", "kind", "metadata.name") if lookup(doc, f) is None]
        if missing:
            problems.append(Problem(where, f"missing {', '.join(missing)}"))
            continue
        where = f"{source} {describe(doc)}"
        if str(doc["apiVersion"]).split("/")[0] == STRIMZI_GROUP:
            problems.extend(Problem(where, error) for error in check_strimzi(doc))
            continue
        for version in versions or kubernetes_versions():
            message = schema_error(doc, version)
            if message is not None:
                problems.append(Problem(where, f"Kubernetes {version}: {message}"))
    return problems


def schema_error(doc: Mapping[str, Any], version: str) -> str | None:
    """Return why a document fails the Kubernetes schema of `version`, or None if it passes."""
    try:
        kubernetes_validate.validate(dict(doc), version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(part) for part in exc.path) or "(document)"
        return f"{path}: {exc.message}"
    except kubernetes_validate.SchemaNotFoundError as exc:
        return f"no schema: {exc.message}"
    except kubernetes_validate.InvalidSchemaError as exc:
        return f"unusable schema: {exc.message}"
    return None


# An app's environment: each variable's value, or None when it comes from a Secret.
Environment = Mapping[str, str | None]


def is_set(env: Environment, name: str) -> bool:
    """Tell whether a variable is set to a value other than empty (a Secret's counts)."""
    return name in env and env[name] != ""


def check_app_environment(
    role: str, env: Environment, mounts: Iterable[str], *, replicated: bool
) -> list[str]:
    """Return what an app's environment lacks to start and run as deployed.

    `role` is "service" or "gateway"; `mounts` are the container paths of its volumes;
    `replicated` tells whether several gateway processes share the traffic.
    """
    errors = [
        f"environment variable name {name!r} is not valid"
        for name in env
        if not ENV_NAME.match(name)
    ]
    for group in REQUIRED_ENV[role]:
        if not any(is_set(env, name) for name in group):
            errors.append(f"does not set {' or '.join(group)}")
    roots = [m.rstrip("/") + "/" for m in mounts]
    for name in FILE_ENV:
        path = env.get(name)
        if path and not any(path.startswith(root) for root in roots):
            errors.append(f"{name}={path} is not on a mounted volume")
    if role == "service" and env.get("RUNTIME_MODE") != "production":
        errors.append("services must run with RUNTIME_MODE=production (PostgreSQL)")
    if role == GATEWAY_APP:
        errors.extend(check_gateway_environment(env, replicated=replicated))
    return errors


def check_gateway_environment(env: Environment, *, replicated: bool) -> list[str]:
    """Return what the gateway's identity provider and shared-state settings lack."""
    errors: list[str] = []
    if env.get("RUNTIME_MODE", "embedded") == "production":
        if not is_set(env, "OIDC_JWKS_URL"):
            errors.append("RUNTIME_MODE=production needs OIDC_JWKS_URL")
        # OIDC_JWKS_FILE defaults to the embedded key set, which production refuses.
        if env.get("OIDC_JWKS_FILE", "default") != "":
            errors.append("RUNTIME_MODE=production needs OIDC_JWKS_FILE set empty")
    elif not (is_set(env, "OIDC_JWKS_URL") or is_set(env, "OIDC_JWKS_FILE")):
        errors.append("sets neither OIDC_JWKS_URL nor OIDC_JWKS_FILE")
    if replicated and not is_set(env, "REDIS_URL"):
        errors.append("runs several replicas without REDIS_URL (shared limits, replay checks)")
    # Empty is a choice (nothing in front of the gateway); unset is an oversight.
    forwarded = env.get("FORWARDED_ALLOW_IPS")
    if "FORWARDED_ALLOW_IPS" not in env:
        errors.append("does not say whose X-Forwarded-For to believe (FORWARDED_ALLOW_IPS)")
    elif forwarded is not None and "*" in [p.strip() for p in forwarded.split(",")]:
        errors.append("FORWARDED_ALLOW_IPS=* lets any caller choose its client address")
    return errors


def config_maps(docs: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Return the data of every rendered ConfigMap, by name."""
    return {
        str(lookup(doc, "metadata.name")): data if isinstance(data, Mapping) else {}
        for doc in docs
        if doc.get("kind") == "ConfigMap"
        for data in (doc.get("data"),)
    }


def container_environment(
    container: Mapping[str, Any], maps: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, str | None], list[str]]:
    """Return a container's environment as Kubernetes builds it, and unresolved references.

    Values from Secrets are None; variables from a whole Secret (`envFrom.secretRef`)
    cannot be known offline and are left out.
    """
    env: dict[str, str | None] = {}
    errors: list[str] = []
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef") if isinstance(source, Mapping) else None
        if isinstance(ref, Mapping):
            name = str(ref.get("name"))
            if name not in maps:
                errors.append(f"envFrom ConfigMap {name} is not part of the overlay")
            env.update({str(k): str(v) for k, v in maps.get(name, {}).items()})
    for entry in container.get("env") or []:
        if not isinstance(entry, Mapping):
            continue
        name = str(entry.get("name"))
        if "value" in entry:
            env[name] = str(entry["value"])
            continue
        ref = lookup(entry, "valueFrom.configMapKeyRef")
        if isinstance(ref, Mapping) and str(ref.get("name")) in maps:
            value = maps[str(ref.get("name"))].get(str(ref.get("key")))
            env[name] = None if value is None else str(value)
        else:
            env[name] = None
    return env, errors


def check_app_settings(docs: Sequence[Mapping[str, Any]], *, source: str) -> list[Problem]:
    """Check the environment of every app Deployment of a rendered overlay."""
    maps = config_maps(docs)
    autoscaled = {
        str(lookup(doc, "spec.scaleTargetRef.name"))
        for doc in docs
        if doc.get("kind") == "HorizontalPodAutoscaler"
        and isinstance(maximum := lookup(doc, "spec.maxReplicas"), int)
        and maximum > 1
    }
    problems: list[Problem] = []
    for doc in docs:
        labels = lookup(doc, "spec.template.metadata.labels")
        if doc.get("kind") != "Deployment" or not isinstance(labels, Mapping):
            continue
        component = labels.get("app.kubernetes.io/component")
        if component not in APP_COMPONENTS:
            continue
        where = f"{source} {describe(doc)}"
        containers = lookup(doc, "spec.template.spec.containers")
        if not isinstance(containers, list) or not containers:
            continue
        container = containers[0]
        env, errors = container_environment(container, maps)
        mounts = [str(m.get("mountPath")) for m in container.get("volumeMounts") or []]
        name = str(lookup(doc, "metadata.name"))
        replicas = lookup(doc, "spec.replicas")
        replicated = name in autoscaled or (isinstance(replicas, int) and replicas > 1)
        errors += check_app_environment(
            APP_COMPONENTS[str(component)], env, mounts, replicated=replicated
        )
        problems.extend(Problem(where, error) for error in errors)
    return problems


def compose_environment(service: Mapping[str, Any]) -> dict[str, str | None]:
    """Return a compose service's `environment`, whether a mapping or a list."""
    value = service.get("environment") or {}
    if isinstance(value, Mapping):
        return {str(k): None if v is None else str(v) for k, v in value.items()}
    env: dict[str, str | None] = {}
    for entry in value if isinstance(value, list) else []:
        name, sep, item = str(entry).partition("=")
        env[name] = item if sep else None
    return env


def compose_mounts(service: Mapping[str, Any]) -> list[str]:
    """Return the container paths of a compose service's volumes."""
    mounts: list[str] = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, Mapping):
            mounts.append(str(entry.get("target")))
            continue
        parts = str(entry).split(":")
        mounts.append(parts[1] if len(parts) >= 2 else parts[0])
    return mounts


def compose_app(service: Mapping[str, Any]) -> str | None:
    """Return "service" or "gateway" for a compose service running a CongVu app, else None."""
    command = service.get("command")
    words = shlex.split(command) if isinstance(command, str) else command
    if service.get("entrypoint") is not None or not isinstance(words, list) or not words:
        return None
    if words[0] == GATEWAY_APP:
        return GATEWAY_APP
    return "service" if words[0] in SERVICE_APPS else None


def published_ports(service: Mapping[str, Any]) -> set[int]:
    """Return the host ports a compose service publishes."""
    ports: set[int] = set()
    for entry in service.get("ports") or []:
        if isinstance(entry, Mapping):
            published = entry.get("published")
            if published is not None and str(published).isdigit():
                ports.add(int(published))
            continue
        parts = str(entry).split("/")[0].split(":")
        if len(parts) >= 2 and parts[-2].isdigit():
            ports.add(int(parts[-2]))
    return ports


def depends_on(service: Mapping[str, Any]) -> dict[str, str]:
    """Return each dependency of a compose service with its condition."""
    value = service.get("depends_on") or {}
    if isinstance(value, list):
        return {str(name): "service_started" for name in value}
    if not isinstance(value, Mapping):
        return {}
    return {
        str(name): str(spec.get("condition", "service_started"))
        if isinstance(spec, Mapping)
        else "service_started"
        for name, spec in value.items()
    }


def check_compose_document(data: object, *, source: str = "docker-compose.yml") -> list[Problem]:
    """Check a loaded compose file: images, healthchecks, dependencies, the gateway's port."""
    if not isinstance(data, Mapping) or not isinstance(data.get("services"), Mapping):
        return [Problem(source, "no `services` mapping")]
    services: Mapping[str, Any] = data["services"]
    problems: list[Problem] = []
    for name, service in services.items():
        where = f"{source} service {name}"
        if not isinstance(service, Mapping):
            problems.append(Problem(where, "not a mapping"))
            continue
        if not service.get("image") and not service.get("build"):
            problems.append(Problem(where, "has neither image nor build"))
        for dependency, condition in depends_on(service).items():
            if dependency not in services:
                problems.append(Problem(where, f"depends on unknown service {dependency}"))
            elif condition not in COMPOSE_CONDITIONS:
                problems.append(Problem(where, f"unknown depends_on condition {condition}"))
            elif condition == "service_healthy" and not has_healthcheck(services[dependency]):
                problems.append(
                    Problem(where, f"waits for {dependency} to be healthy, it has no healthcheck")
                )
        role = compose_app(service)
        if role is not None:
            errors = check_app_environment(
                role, compose_environment(service), compose_mounts(service), replicated=False
            )
            problems.extend(Problem(where, error) for error in errors)
    for name in COMPOSE_HEALTHCHECKED:
        if name not in services:
            problems.append(Problem(source, f"no {name} service"))
        elif not has_healthcheck(services[name]):
            problems.append(Problem(f"{source} service {name}", "has no healthcheck"))
    gateway = services.get("gateway")
    if not isinstance(gateway, Mapping):
        problems.append(Problem(source, "no gateway service"))
    elif GATEWAY_PORT not in published_ports(gateway):
        problems.append(Problem(f"{source} service gateway", f"does not publish {GATEWAY_PORT}"))
    return problems


def has_healthcheck(service: object) -> bool:
    """Tell whether a compose service defines an enabled healthcheck with a test."""
    if not isinstance(service, Mapping):
        return False
    check = service.get("healthcheck")
    return isinstance(check, Mapping) and bool(check.get("test")) and not check.get("disable")


def check_compose(path: Path) -> list[Problem]:
    """Load docker-compose.yml and check its structure."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [Problem(path.name, f"cannot be read: {exc}")]
    return check_compose_document(data, source=path.name)


def check_overlay(overlay: Path, versions: Sequence[str] | None = None) -> list[Problem]:
    """Render one overlay and validate every document it produces."""
    docs = render_overlay(overlay)
    if not docs:
        return [Problem(f"overlay {overlay.name}", "rendered no documents")]
    source = f"overlay {overlay.name}"
    problems = validate_documents(docs, source=source, versions=versions)
    return problems + check_app_settings(docs, source=source)


def check_all(root: Path, versions: Sequence[str] | None = None) -> list[Problem]:
    """Check every overlay and the compose file under the repository root."""
    problems: list[Problem] = []
    for name in OVERLAYS:
        problems.extend(check_overlay(root / "deploy" / "k8s" / "overlays" / name, versions))
    problems.extend(check_compose(root / "docker-compose.yml"))
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Run every check, print the problems, and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=None, help="repository root")
    parser.add_argument(
        "--kubernetes-version",
        action="append",
        dest="versions",
        help="validate against this Kubernetes version (repeatable; default: "
        f"{MIN_KUBERNETES_VERSION} and the newest schema installed)",
    )
    args = parser.parse_args(argv)
    root: Path = args.root or find_root()
    versions: tuple[str, ...] = tuple(args.versions or kubernetes_versions())
    try:
        problems = check_all(root, versions)
    except RenderError as exc:
        print(f"validate-deploy: {exc}", file=sys.stderr)
        return 2
    if problems:
        print(f"validate-deploy: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(
        f"validate-deploy: overlays {', '.join(OVERLAYS)} valid against Kubernetes "
        f"{', '.join(versions)} (Strimzi resources checked by hand); docker-compose.yml ok"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
