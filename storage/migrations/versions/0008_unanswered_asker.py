"""Kept FAQ questions carry their asker's keyed hash, so that /deletedata deletes them too.

Revision ID: 0008_unanswered_asker
Revises: 0005_faq
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_unanswered_asker"
down_revision = "0005_faq"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: ADD COLUMN on both engines, no table rebuild. Rows kept before stay unlinked
    # (they go with the 90-day retention).
    op.add_column("faq_unanswered", sa.Column("asker_hash", sa.String(16), nullable=True))
    op.create_index("ix_faq_unanswered_asker_hash", "faq_unanswered", ["asker_hash"])


def downgrade() -> None:
    op.drop_index("ix_faq_unanswered_asker_hash", table_name="faq_unanswered")
    with op.batch_alter_table("faq_unanswered") as batch:
        batch.drop_column("asker_hash")
