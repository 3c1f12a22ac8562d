"""Settings of the visits service."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from servicekit.config import ServiceSettings

# The most EVIDENCE_MAX_BYTES may be set to. The upload route states it to the gateway (the
# gateway's own MAX_UPLOAD_BYTES has the same default): it must be known when the route is
# declared, while the configured limit below is enforced by the service itself.
EVIDENCE_MAX_BYTES_CEILING = 50 * 1024 * 1024


class Settings(ServiceSettings):
    """Environment variables of the visits service; defaults run embedded mode."""

    service_name: str = "visits"
    database_url: str = "sqlite+aiosqlite:///var/visits.db"
    # Evidence files (photos, PDFs): the most one may weigh, and where they are kept.
    evidence_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1, le=EVIDENCE_MAX_BYTES_CEILING)
    evidence_storage: Literal["local", "s3"] = "local"
    # Local storage: unset, an `evidence` folder beside the SQLite database (var/evidence).
    evidence_dir: Path | None = None
    # S3-compatible storage: unset endpoint, AWS's; the bucket is the operator's to create.
    evidence_s3_endpoint_url: str | None = None
    evidence_s3_bucket: str = "congvu-evidence"
    evidence_s3_region: str = "us-east-1"
    # Unset: the usual credential chain (AWS_* variables, a workload identity).
    evidence_s3_access_key_id: str | None = None
    evidence_s3_secret_access_key: SecretStr | None = None

    def evidence_path(self) -> Path:
        """Return the folder local storage keeps evidence files in."""
        if self.evidence_dir is not None:
            return self.evidence_dir
        database = self.sqlite_path()
        return (database.parent if database is not None else Path("var")) / "evidence"
