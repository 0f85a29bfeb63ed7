"""Consultation booking: topics, venues, counsellors, the schedule and its slots, bookings, reminders,
waitlist and the counsellors' agenda.

- `services`: the front door (the bot's handlers, the CLI, the console): choosing, cancelling, moving,
  the agenda; it re-exports what callers need from the modules below and the types it returns;
- `appointments`: one appointment: refusals, the person's limit, the note, booking, its messages;
- `waitlist`: joining, leaving, offers that hold a freed place, passing an unclaimed one on;
- `payloads`: one typed model per outbox kind (what the renderers in handlers/booking read);
- `schedule`: weekly rules / one-off dates / closures -> slots (local wall-clock times, stored in UTC);
- `admin`: what organizers change (rules, closures, cancelling a slot), shared by /slots and the CLI;
- `importer`: the YAML schedule file; `ics`: calendar files; `cli`: `python -m bot slots ...`;
- `reminders`: the bookings starting soon, booking's source for the one reminder mechanism
  (bot/reminders.py, which queues the reminders when they are due);
- `jobs`: periodic slot generation and waitlist offers (listed in bot/wiring.py); `demo`: sample data.
"""
