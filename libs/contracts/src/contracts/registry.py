"""Every event type by its CloudEvents type: defining an Event class here registers it."""

import importlib
import pkgutil
from collections.abc import Iterator

import contracts
from contracts.base import Event

# Modules that read the registry rather than define events: importing them here would loop.
_READERS = frozenset({"contracts.asyncapi", __name__})


def _import_contract_modules() -> None:
    """Import every module of the package, so every event class it defines exists."""
    for module in pkgutil.walk_packages(contracts.__path__, prefix=f"{contracts.__name__}."):
        if module.name not in _READERS:
            importlib.import_module(module.name)


def _event_classes(base: type[Event]) -> Iterator[type[Event]]:
    """Yield the subclasses of `base` in this package that name an event type, at any depth."""
    for cls in base.__subclasses__():
        if cls.__module__.startswith(f"{contracts.__name__}.") and hasattr(cls, "event_type"):
            yield cls
        yield from _event_classes(cls)


def _by_event_type() -> dict[str, type[Event]]:
    _import_contract_modules()
    found: dict[str, type[Event]] = {}
    for cls in _event_classes(Event):
        other = found.setdefault(cls.event_type, cls)
        if other is not cls:
            raise TypeError(
                f"{other.__qualname__} and {cls.__qualname__} share the type {cls.event_type}"
            )
    return found


EVENT_TYPES: dict[str, type[Event]] = _by_event_type()
