"""Helpers' assignments: profiles, matching, alerts, the first claim wins, escalation, reminders, follow-up.

Modules: `options` (kinds, languages, areas), `profiles`, `matching` (who gets an alert), `service`
(create, details, lists, overview, cancel), `claiming` (claim, hand back, done), `escalation` and
`reminders` (periodic jobs), `payloads` (what goes into the outbox), `demo` (sample profiles).
"""
