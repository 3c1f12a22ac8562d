"""Alembic environment of the plans service."""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import plans.models  # noqa: F401 - registers the tables
from eventbus import inbox, outbox  # noqa: F401 - the outbox, inbox and marker tables
from plans.config import Settings
from servicekit import idempotency  # noqa: F401 - the idempotency key table
from servicekit.migrations import run_migrations

if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)
run_migrations(SQLModel.metadata, Settings())
