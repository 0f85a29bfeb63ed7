"""Local facts: addresses, opening hours, phone numbers, links … filled into FAQ answers and shown by the bot.

- `model`: the facts as the bot uses them (`LocalFacts`, one `Fact` each) and their YAML file format;
- `kinds`: what each kind may hold (validation with messages for the console) and the fixed form of
  opening hours, shown in the reader's language;

The facts in the database (table `local_facts`: the first import, an organizer's change, audited, and how every
bot process uses it before its next answer) are FAQ content: bot/faq/facts.py, beside the content's version;
`python -m bot facts import / export / check` (bot/faq/facts_cli.py) keeps the file for the first install
and for version control.
"""

from bot.local_facts.kinds import Kind
from bot.local_facts.model import (
    ALL,
    DEFAULT_FACTS_FILE,
    FALLBACK_LANGUAGE,
    SAMPLE_MARK,
    Fact,
    LocalFacts,
    LocalFactsError,
    parse_month,
)

__all__ = [
    "ALL",
    "DEFAULT_FACTS_FILE",
    "FALLBACK_LANGUAGE",
    "SAMPLE_MARK",
    "Fact",
    "Kind",
    "LocalFacts",
    "LocalFactsError",
    "parse_month",
]
