"""Query parameters: a read refuses one its operation does not declare, rather than ignore it."""

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from servicekit.errors import FieldError, Invalid

# Writes keep to their bodies; a signed provincial request may carry its own query.
READS = frozenset({"GET", "HEAD"})
_DECLARED = "_congvu_query_names"


def _query_names(dependant: Dependant) -> frozenset[str]:
    names: set[str] = set()
    pending = [dependant]
    while pending:
        current = pending.pop()
        for param in current.query_params:
            model = param.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                names |= {f.alias or name for name, f in model.model_fields.items()}
            else:
                names.add(param.alias)
        pending.extend(current.dependencies)
    return frozenset(names)


def declared_query(route: APIRoute) -> frozenset[str]:
    """Return the query parameters the route's operation declares, its dependencies' included."""
    names: frozenset[str] | None = getattr(route, _DECLARED, None)
    if names is None:
        # Routes compare by value and cannot be dict keys: the route keeps its own answer.
        names = _query_names(route.dependant)
        setattr(route, _DECLARED, names)
    return names


async def refuse_unknown_query(request: Request) -> None:
    """Refuse a read whose query names a parameter the operation does not have: 422."""
    route = request.scope.get("route")
    if request.method not in READS or not isinstance(route, APIRoute):
        return
    known = declared_query(route)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in known]
    if unknown:
        names = ", ".join(unknown)
        raise Invalid(
            f"Unknown query parameter(s): {names}.",
            vi=f"Tham số truy vấn không được chấp nhận: {names}.",
            errors=[
                FieldError(
                    loc=["query", name],
                    msg="This operation has no such query parameter.",
                    vi="Thao tác này không có tham số truy vấn này.",
                )
                for name in unknown
            ],
        )
