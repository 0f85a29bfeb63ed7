"""Announcements: topics people subscribe to, events with attendance, broadcasts composed by organizers.

- topics.py        topics with names in every language (six defaults seeded by the migration; organizers add more)
- subscriptions.py who wants news about which topic
- events.py        events, attendance within capacity, cancellation; the rules for an event's details
                   (title, text, place, dates, places)
- event_reminders.py  the attendances starting soon: the events' source for bot/reminders.py
- broadcasts.py    drafts → scheduled → sending → done (or held / cancelled); texts per language with a
                   machine flag; the audience; cancelling
- sending.py       expansion into one outbox row per recipient when due (or holding overdue ones), the
                   preview per language, delivery reports
- payloads.py      the outbox kinds of this capability, one typed payload each
- jobs.py          the periodic jobs: expand due broadcasts (or hold overdue ones), send reports
- demo.py          sample events for the demo
- texts.py, dates.py  helpers for Telegram HTML texts and for dates typed by organizers

Services take an AsyncSession and a Clock and never import aiogram; handlers/broadcast/ renders what they
return.
"""
