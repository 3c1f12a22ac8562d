"""Errors of evidence uploads and downloads."""

from typing import ClassVar

from servicekit.errors import DomainError, NotFound


class EvidenceTooLarge(DomainError):
    """The file is larger than the service takes (EVIDENCE_MAX_BYTES)."""

    status_code = 413


class NotEvidence(DomainError):
    """The file is not a JPEG, PNG or HEIC photo, nor a PDF document, by its content."""

    status_code = 415


class EvidenceNotFound(NotFound):
    """The visit holds no file with that hash."""


class RangeNotSatisfiable(DomainError):
    """The Range asked for lies beyond the end of the file."""

    status_code = 416


class StorageUnavailable(DomainError):
    """The object storage holding evidence files did not answer as it should."""

    status_code = 503
    default_headers: ClassVar[dict[str, str] | None] = {"Retry-After": "5"}
