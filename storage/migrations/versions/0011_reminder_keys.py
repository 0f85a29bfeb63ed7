"""One reminder mechanism (bot/reminders.py): reminders queued by the old mechanisms take the new keys.

Before, bookings queued their reminders when booked (`booking:<id>:remind:<h>`), events when someone said
they would come (`event:<event>:<user>:<token>`, the key kept in `attendances.reminder_key`), assignments in
their own job (`assign:<id>:remind:<helper>:<role>`). Now one job queues every reminder when it is due, with
the key `remind:<kind>:<id>:<recipient>:<h>`. So that nobody is reminded twice after the upgrade:

- reminders not sent yet (pending) are deleted: the job queues them again when they are due, with the
  offsets configured now;
- reminders sent (or being sent, blocked, failed) take the key the job would give them, so it does not
  queue them again; cancelled ones stay as they are;
- `attendances.reminder_key` keeps only the attendance's token (part of its reminders' keys now); an
  attendance without one gets a new token.

An assignment's reminder did not record its offset: it is taken as the whole hours between when it was
queued and the date (24 for the usual day-before reminder). Downgrading leaves the rows as they are.

Revision ID: 0011_reminder_keys
Revises: 0004_booking (and needs 0003_broadcast, 0006_assignments)
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011_reminder_keys"
down_revision = "0004_booking"
branch_labels = None
depends_on = ("0003_broadcast", "0006_assignments")

TS = sa.DateTime(timezone=True)
outbox = sa.table(
    "outbox",
    sa.column("id", sa.BigInteger),
    sa.column("kind", sa.String),
    sa.column("dedupe_key", sa.String),
    sa.column("user_id", sa.BigInteger),
    sa.column("status", sa.String),
    sa.column("not_before", TS),
)
events = sa.table("events", sa.column("id", sa.BigInteger), sa.column("starts_at", TS))
attendances = sa.table(
    "attendances",
    sa.column("event_id", sa.BigInteger),
    sa.column("user_id", sa.BigInteger),
    sa.column("reminder_key", sa.String),
)
assignments = sa.table(
    "assignments",
    sa.column("id", sa.BigInteger),
    sa.column("status", sa.String),
    sa.column("starts_at", TS),
    sa.column("assignee_id", sa.BigInteger),
    sa.column("round", sa.Integer),
    sa.column("reminded_at", TS),
)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _label(hours: float) -> str:
    return f"{hours:g}"


def _old_rows(conn: sa.Connection, kind: str, pattern: str) -> list[Any]:
    query = sa.select(outbox).where(
        outbox.c.kind == kind, outbox.c.dedupe_key.like(pattern), outbox.c.status != "cancelled"
    )
    return list(conn.execute(query).all())


def _booking_key(conn: sa.Connection, row: Any) -> str | None:
    booking_id, _, hours = row.dedupe_key.split(":")[1:4]
    return f"remind:booking:{booking_id}:{row.user_id}:{hours}"


def _event_key(conn: sa.Connection, row: Any) -> str | None:
    event_id, user_id, token = row.dedupe_key.split(":")[1:4]
    starts_at = conn.scalar(sa.select(events.c.starts_at).where(events.c.id == int(event_id)))
    if starts_at is None:
        return None
    hours = (_utc(starts_at) - _utc(row.not_before)).total_seconds() / 3600
    return f"remind:event:{event_id}.{token}:{user_id}:{_label(round(hours, 4))}"


def _assignment_key(conn: sa.Connection, row: Any) -> str | None:
    assignment_id, _, helper = row.dedupe_key.split(":")[1:4]
    found = conn.execute(sa.select(assignments).where(assignments.c.id == int(assignment_id))).first()
    if (
        found is None
        or found.status != "taken"
        or found.assignee_id != int(helper)
        or found.starts_at is None
        or found.reminded_at is None
    ):
        return None  # handed back since: the new round is reminded on its own
    hours = math.ceil((_utc(found.starts_at) - _utc(found.reminded_at)).total_seconds() / 3600 - 1e-6)
    return f"remind:assignment:{assignment_id}.{found.round}:{row.user_id}:{max(hours, 1)}"


def upgrade() -> None:
    conn = op.get_bind()
    for kind, pattern, new_key in (
        ("booking_reminder", "booking:%:remind:%", _booking_key),
        ("event_reminder", "event:%:%:%", _event_key),
        ("assignment_reminder", "assign:%:remind:%:%", _assignment_key),
    ):
        for row in _old_rows(conn, kind, pattern):
            if row.status == "pending":
                conn.execute(sa.delete(outbox).where(outbox.c.id == row.id))
                continue
            key = new_key(conn, row) if row.user_id is not None else None
            if key is not None:
                conn.execute(sa.update(outbox).where(outbox.c.id == row.id).values(dedupe_key=key))
    for attendance in conn.execute(sa.select(attendances)).all():
        old = attendance.reminder_key
        token = old.rsplit(":", 1)[-1] if old else secrets.token_hex(4)
        conn.execute(
            sa.update(attendances)
            .where(attendances.c.event_id == attendance.event_id, attendances.c.user_id == attendance.user_id)
            .values(reminder_key=token)
        )


def downgrade() -> None:
    pass
