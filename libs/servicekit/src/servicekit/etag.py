"""Entity tags for single-resource reads."""

import hashlib

from pydantic import BaseModel


def etag_of(resource: BaseModel) -> str:
    """Return a strong ETag for the JSON form of `resource`."""
    digest = hashlib.sha256(resource.model_dump_json().encode()).hexdigest()[:32]
    return f'"{digest}"'
