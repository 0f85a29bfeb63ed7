"""Machine translation behind one interface (deep-translator backends, or none).

`get_machine_translator(settings, sessionmaker)` returns an object with
`async def translate(text: str, source: str, target: str) -> str | None` (None when no translation is
available: translator `none`, a timeout, or an error). Results are cached in the database.
The object also has `name` (the TRANSLATOR setting) and `enabled` (False for `none`, so a dialog can
leave out its "machine translation" button). A running app makes one at start-up (`App.machine_translator`)
and hands it to handlers as the `machine_translator` argument and to jobs in `JobContext`.
Implemented in bot/translation/service.py.
"""

from bot.translation.service import MachineTranslator, NoTranslator, get_machine_translator

__all__ = ["MachineTranslator", "NoTranslator", "get_machine_translator"]
