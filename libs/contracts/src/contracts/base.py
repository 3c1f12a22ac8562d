"""The base every CongVu event derives from."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """A fact in the past tense, published on `topic` under the CloudEvents type `event_type`."""

    # Additive changes only: consumers ignore fields they do not know yet.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    key_field: ClassVar[str]
    summary: ClassVar[str]

    def key(self) -> str:
        """Return the aggregate id that keys this event on its topic."""
        return str(getattr(self, self.key_field))
