"""Machine translation behind one interface (deep-translator backends, or none).

`get_machine_translator(settings, sessionmaker)` returns an object with
`async def translate(text: str, source: str, target: str) -> str | None` (None when no translation is
available: translator `none`, a timeout, or an error). Results are cached in the database.
Implemented in bot/translation/service.py.
"""
