"""Announcements: topics people subscribe to, events with attendance, broadcasts composed by organizers.

- topics.py        topics with names in every language (six defaults seeded by the migration; organizers add more)
- subscriptions.py who wants news about which topic
- events.py        events, attendance within capacity, reminders through the outbox, cancellation
- broadcasts.py    drafts → scheduled → sending → done (or held / cancelled); texts per language with a
                   machine flag; expansion into one outbox row per recipient when due; delivery reports
- jobs.py          the periodic jobs: expand due broadcasts (or hold overdue ones), send reports
- texts.py, dates.py  helpers for Telegram HTML texts and for dates typed by organizers

Services take an AsyncSession and a Clock and never import aiogram; handlers/subscriptions.py,
handlers/events.py and handlers/broadcast.py render what they return.
"""
