"""Alembic environment of the visits service."""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import visits.evidence.models  # the evidence files table
import visits.models  # noqa: F401 - registers the tables
from eventbus import inbox, outbox  # noqa: F401 - the outbox, inbox and marker tables
from servicekit import idempotency  # noqa: F401 - the idempotency key table
from servicekit.migrations import run_migrations
from visits.config import Settings

if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)
run_migrations(SQLModel.metadata, Settings())
