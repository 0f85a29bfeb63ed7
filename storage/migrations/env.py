"""Alembic environment: runs on the connection handed over by storage.migrate (sync inside run_sync)."""

from __future__ import annotations

from alembic import context

import storage.models  # noqa: F401  (registers every table)
from storage.base import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through storage.migrate (python -m bot db upgrade)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
