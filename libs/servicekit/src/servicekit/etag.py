"""Entity tags for single-resource reads, and `If-Match` checks on updates."""

import hashlib

from pydantic import BaseModel

from servicekit.errors import PreconditionFailed, PreconditionRequired


def etag_of(resource: BaseModel) -> str:
    """Return a strong ETag for the JSON form of `resource`."""
    digest = hashlib.sha256(resource.model_dump_json().encode()).hexdigest()[:32]
    return f'"{digest}"'


def require_match(if_match: str | None, current: BaseModel, *, what: str) -> None:
    """Refuse an update unless `If-Match` names the version of `current` the caller read."""
    if if_match is None:
        raise PreconditionRequired(f"Send If-Match with the ETag of the {what} you edited.")
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and etag_of(current) not in tags:
        raise PreconditionFailed(f"The {what} changed since you read it; read it again.")
