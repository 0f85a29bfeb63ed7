"""The organizers' figures (issue 16): aggregates only, never a person.

- service.py  the figures of a range of days as plain dataclasses (questions, outcomes, topics and votes,
              questions handed to a person, appointments and no-shows, broadcast deliveries)
- tables.py   the same numbers as tables, for the console's page and its CSV export (one source for both)
- charts.py   small server-rendered SVG charts (a title and a description; the numbers are also a table)
- demo.py     SAMPLE counts for `python -m bot demo`, so the page has something to show

The questions are counted as they are answered (bot/faq/stats.py); everything else is read from what the
capabilities store anyway.
"""
