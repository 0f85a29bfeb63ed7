"""Broadcasts: topics (with the six default topics), subscriptions, events, attendance, broadcasts and
their texts per language, and the machine-translation cache.

Revision ID: 0003_broadcast
Revises: 0001_foundation
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003_broadcast"
down_revision = "0001_foundation"
branch_labels = ("broadcast",)
depends_on = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

FSI, PDI = "\u2068", "\u2069"  # the German proper name inside Arabic-script text is isolated
ZWNJ = "\u200c"  # Persian half-space (نیم‌فاصله)

# The association's default topics, written in all six languages. Organizers add more with /topics.
DEFAULT_TOPICS = [
    {
        "key": "events",
        "emoji": "🎉",
        "sort": 10,
        "min_role": "visitor",
        "names": {
            "de": "Veranstaltungen und Feste",
            "en": "Events and festivals",
            "ar": "فعاليات واحتفالات",
            "fa": f"برنامه{ZWNJ}ها و جشن{ZWNJ}ها",
            "uk": "Заходи та свята",
            "ru": "Мероприятия и праздники",
        },
    },
    {
        "key": "german",
        "emoji": "📚",
        "sort": 20,
        "min_role": "visitor",
        "names": {
            "de": "Deutschkurse",
            "en": "German courses",
            "ar": "دورات اللغة الألمانية",
            "fa": f"کلاس{ZWNJ}های زبان آلمانی",
            "uk": "Курси німецької мови",
            "ru": "Курсы немецкого языка",
        },
    },
    {
        "key": "wohnzimmer",
        "emoji": "💙💛",
        "sort": 30,
        "min_role": "visitor",
        "names": {
            "de": "Blau-Gelbes Wohnzimmer",
            "en": "Blue-Yellow Living Room (Blau-Gelbes Wohnzimmer)",
            "ar": f"غرفة الجلوس الزرقاء والصفراء ({FSI}Blau-Gelbes Wohnzimmer{PDI})",
            "fa": f"اتاق نشیمن آبی و زرد ({FSI}Blau-Gelbes Wohnzimmer{PDI})",
            "uk": "Синьо-жовта вітальня (Blau-Gelbes Wohnzimmer)",
            "ru": "Сине-жёлтая гостиная (Blau-Gelbes Wohnzimmer)",
        },
    },
    {
        "key": "families",
        "emoji": "👪",
        "sort": 40,
        "min_role": "visitor",
        "names": {
            "de": "Kinder und Familien",
            "en": "Children and families",
            "ar": "الأطفال والعائلات",
            "fa": f"کودکان و خانواده{ZWNJ}ها",
            "uk": "Діти та сім’ї",
            "ru": "Дети и семьи",
        },
    },
    {
        "key": "women",
        "emoji": "👩",
        "sort": 50,
        "min_role": "visitor",
        "names": {
            "de": "Frauentreffen",
            "en": "Women's meetings",
            "ar": "لقاءات النساء",
            "fa": f"دورهمی{ZWNJ}های زنان",
            "uk": "Зустрічі для жінок",
            "ru": "Встречи для женщин",
        },
    },
    {
        "key": "helpers",
        "emoji": "🤝",
        "sort": 60,
        "min_role": "helper",
        "names": {
            "de": "Neuigkeiten für Helfende",
            "en": "News for helpers",
            "ar": "أخبار للمتطوعين",
            "fa": "خبرهای داوطلبان",
            "uk": "Новини для волонтерів",
            "ru": "Новости для волонтёров",
        },
    },
]


def upgrade() -> None:
    topics = op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(32), unique=True),
        sa.Column("emoji", sa.String(16), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("source_lang", sa.String(5), nullable=False),
        sa.Column("min_role", sa.String(16), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column(
            "user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_subscriptions_topic_id", "subscriptions", ["topic_id"])
    op.create_table(
        "events",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("topics.id", ondelete="SET NULL")),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("venue", sa.String(200), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("capacity", sa.Integer()),
        sa.Column("created_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("cancelled_at", TS),
    )
    op.create_index("ix_events_starts_at", "events", ["starts_at"])
    op.create_table(
        "event_texts",
        sa.Column("event_id", BIG_ID, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("lang", sa.String(5), primary_key=True),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("machine", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "attendances",
        sa.Column("event_id", BIG_ID, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("reminder_key", sa.String(128)),
    )
    op.create_index("ix_attendances_user_id", "attendances", ["user_id"])
    op.create_table(
        "broadcasts",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("topic_id", sa.Integer(), sa.ForeignKey("topics.id", ondelete="SET NULL")),
        sa.Column("languages", sa.JSON()),
        sa.Column("roles", sa.JSON()),
        sa.Column("source_lang", sa.String(5)),
        sa.Column("photo_file_id", sa.String(256)),
        sa.Column("event_id", BIG_ID, sa.ForeignKey("events.id", ondelete="SET NULL")),
        sa.Column("scheduled_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("recipients", sa.Integer()),
    )
    op.create_index("ix_broadcasts_state_scheduled", "broadcasts", ["state", "scheduled_at"])
    op.create_table(
        "broadcast_texts",
        sa.Column(
            "broadcast_id",
            BIG_ID,
            sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("lang", sa.String(5), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("machine", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "translation_cache",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("backend", sa.String(20), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("target", sa.String(8), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("translated", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("backend", "source", "target", "text_hash"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        topics,
        [
            {
                "key": topic["key"],
                "emoji": topic["emoji"],
                "names": topic["names"],
                "source_lang": "de",
                "min_role": topic["min_role"],
                "sort": topic["sort"],
                "active": True,
                "created_by": None,
                "created_at": now,
            }
            for topic in DEFAULT_TOPICS
        ],
    )


def downgrade() -> None:
    op.drop_table("translation_cache")
    op.drop_table("broadcast_texts")
    op.drop_table("broadcasts")
    op.drop_table("attendances")
    op.drop_table("event_texts")
    op.drop_table("events")
    op.drop_table("subscriptions")
    op.drop_table("topics")
