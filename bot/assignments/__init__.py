"""Helpers' assignments: profiles, matching, alerts, the first claim wins, escalation, reminders, follow-up.

Modules: `options` (kinds, languages, areas), `status` (statuses and outcomes), `profiles`, `matching` (who
gets an alert), `service` (create, details, lists, overview, cancel), `claiming` (claim, hand back, done),
`escalation` and `reminders` (the jobs `escalation_job` and `followup_job`, listed in bot/wiring.py;
`reminders.due_reminders` is the source for the one reminder mechanism, bot/reminders.py),
`payloads` (what goes into the outbox, one typed model per kind), `demo` (sample profiles).
"""
