"""Consultation booking: topics, venues, counsellors, the schedule and its slots, bookings, reminders,
waitlist and the counsellors' agenda.

- `schedule`: weekly rules / one-off dates / closures -> slots (local wall-clock times, stored in UTC);
- `services`: the rules of booking (capacity, limits, ownership, time), waitlist, agenda;
- `admin`: what organizers change (rules, closures, cancelling a slot), shared by /slots and the CLI;
- `importer`: the YAML schedule file; `ics`: calendar files; `cli`: `python -m bot slots ...`;
- `jobs`: periodic slot generation and waitlist offers; `demo`: sample data for `python -m bot demo`.
"""
