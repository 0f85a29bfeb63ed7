"""PostgreSQL tells every bot process when a row behind its cache of people changes (storage/person_cache.py):
a trigger on users, tickets and counters NOTIFYs `person_cache` when the writing transaction commits, whoever
writes (another bot process, the CLI, psql). SQLite needs nothing: the processes look at its files.

Revision ID: 0021_person_cache_notify
Revises: 0020_event_party
"""

from __future__ import annotations

from alembic import op

revision = "0021_person_cache_notify"
down_revision = "0020_event_party"
branch_labels = None
depends_on = None

TABLES = ("users", "tickets", "counters")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION person_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('person_cache', ''); RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_person_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION person_cache_notify()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_person_cache ON {table}")
    op.execute("DROP FUNCTION IF EXISTS person_cache_notify()")
