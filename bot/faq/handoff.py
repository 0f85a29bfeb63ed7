""" "Ask a person": a question becomes a ticket in the helpers' chat; a helper's reply goes back to the asker.

Translation (optional, `bot.translation`): the relay carries a machine translation into the helpers'
language (the configured default language, German); a helper's answer is translated into the asker's
language unless the helper already wrote in it, and the asker sees it marked as machine-translated with
the original below. Without a translator (TRANSLATOR=none, or the module missing) originals are sent.

Translating can take seconds: callers must not hold a database transaction open while these functions
translate (commit first), or SQLite's write lock would stall every other update meanwhile.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import tickets
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.faq import feedback
from bot.faq.matcher import DETECT_SURE
from bot.faq.service import FaqService, clean_text
from storage.models import Ticket

log = logging.getLogger(__name__)

TRANSLATOR_KEY = "faq.translator"  # in App.extras: the machine translator, or None


class MachineTranslator(Protocol):
    async def translate(self, text: str, source: str, target: str) -> str | None: ...


def machine_translator(
    extras: dict[str, Any], settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> MachineTranslator | None:
    """The configured translator (made once per app and kept in `extras`), or None."""
    if TRANSLATOR_KEY not in extras:
        translator: MachineTranslator | None = None
        try:
            from bot.translation.service import get_machine_translator
        except ImportError:
            log.info("no machine translation module: questions and answers are relayed untranslated")
        else:
            try:
                translator = get_machine_translator(settings, sessionmaker)
            except Exception:
                log.exception("could not set up machine translation")
            if translator is not None and getattr(translator, "enabled", True) is False:
                translator = None  # TRANSLATOR=none
        extras[TRANSLATOR_KEY] = translator
    return extras[TRANSLATOR_KEY]


async def translate(translator: MachineTranslator | None, text: str, source: str, target: str) -> str | None:
    """A machine translation, or None (no translator, same language, failure, or nothing changed)."""
    if translator is None or source == target or not text.strip():
        return None
    try:
        result = await translator.translate(text, source, target, private=True)
    except Exception:
        log.warning("machine translation failed (%s → %s)", source, target, exc_info=True)
        return None
    if not result or not result.strip() or result.strip() == text.strip():
        return None
    return clean_text(result, tickets.MAX_TRANSLATION)


async def hand_over(
    session: AsyncSession,
    clock: Clock,
    *,
    helpers_chat_id: int,
    helpers_lang: str,
    translator: MachineTranslator | None,
    asker_id: int,
    text: str,
    lang: str,
    unanswered_id: int | None = None,
) -> Ticket:
    """Open a question ticket for the helpers (translated into their language when possible)."""
    text = clean_text(text, tickets.MAX_TEXT)
    translation = await translate(translator, text, lang, helpers_lang)
    ticket = await tickets.open_ticket(
        session,
        clock,
        kind=tickets.QUESTION,
        chat_id=helpers_chat_id,
        lang=lang,
        asker_id=asker_id,
        text=text,
        relay_lang=helpers_lang,
        translation=translation,
    )
    if unanswered_id:
        await feedback.link_to_ticket(session, unanswered_id, ticket.id, text)
    return ticket


async def prepare_answer(
    service: FaqService,
    translator: MachineTranslator | None,
    *,
    text: str,
    asker_lang: str,
    helpers_lang: str,
) -> tuple[str, str | None]:
    """(what the asker reads, the helper's original when that is a machine translation, else None)."""
    text = clean_text(text, tickets.MAX_ANSWER)
    detected, confidence = service.detect(text)
    if detected == asker_lang and confidence >= DETECT_SURE:
        return text, None  # the helper wrote in the asker's language
    source = detected if detected in SUPPORTED_LANGUAGES and confidence >= DETECT_SURE else helpers_lang
    translated = await translate(translator, text, str(source), asker_lang)
    if translated is None:
        return text, None
    return translated, text
