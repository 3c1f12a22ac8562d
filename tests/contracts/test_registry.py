"""Defining an event class in the contracts package is registering it."""

import importlib
import json
import pkgutil
import subprocess
import sys

import contracts
from contracts.base import Event
from contracts.registry import EVENT_TYPES


def defined_events() -> list[type[Event]]:
    """Import every module of the contracts package; return each Event class naming a type."""
    for module in pkgutil.walk_packages(contracts.__path__, prefix="contracts."):
        importlib.import_module(module.name)
    found: list[type[Event]] = []
    pending: list[type[Event]] = [Event]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("contracts.") and hasattr(cls, "event_type"):
            found.append(cls)
    return found


def named(classes: list[type[Event]]) -> dict[str, str]:
    return {cls.event_type: f"{cls.__module__}.{cls.__qualname__}" for cls in classes}


def test_every_event_class_is_registered_under_its_own_type() -> None:
    events = defined_events()
    types = [cls.event_type for cls in events]
    assert sorted(types) == sorted(set(types)), "two event classes share one event type"
    for cls in events:
        assert EVENT_TYPES.get(cls.event_type) is cls, f"{cls.__qualname__} is not registered"
    assert len(EVENT_TYPES) == len(events)


def test_the_registry_alone_finds_every_event_class() -> None:
    # A fresh interpreter, so no module imported by another test can stand in for the registry.
    script = (
        "import json; from contracts.registry import EVENT_TYPES;"
        " print(json.dumps({t: f'{c.__module__}.{c.__qualname__}'"
        " for t, c in EVENT_TYPES.items()}))"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == named(defined_events())
