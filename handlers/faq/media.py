"""A voice message, photo, document or location in a private chat: the bot asks first whether a person
from the team may have it ("A helper who speaks your language will listen. Send it?"), then it joins the
person's open question or becomes a new one (bot.faq.media). A photo, or a document that is an image or a
PDF, may be a letter: the question also offers counselling on papers (the booking flow's topic).

The consent is a short dialog (MEDIA): "✖ No" or /cancel ends it and nothing is sent. "Yes" sends the
message the question replies to (Telegram's own copy of it, never a number from the button); it is checked
again when pressed: still the presser's own media, still the question it named. A consent asked while
another dialog is in progress (a booking's screen) leaves that one for /cancel; its own ✖ still works.

An album (the pages of a letter, sent together) gets one question: its messages arrive one after another
(one update per chat at a time), the first gets the question, the others are listed with it (`Album`, in
the dialog's state) and "Yes" sends them all, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.faq import handoff
from bot.faq import media as service
from bot.faq.handoff import Handoff, HandoffResult
from bot.faq.service import faq_for
from bot.text import N_, Translator
from bot.ticket_media import PAPERS_TOPIC, Media, may_be_papers
from bot.translation.service import MachineTranslator
from bot.users import Person
from handlers.callbacks import MediaAction, MediaCb, MenuCb
from handlers.faq.handoff import AskDraft, AskStates
from handlers.faq.views import handoff_text, reader, reply_to, withdraw_row
from handlers.kit import (
    Dialog,
    Draft,
    KnownUser,
    alert,
    button,
    dialog_in_progress,
    end_dialog,
    keyboard,
    private_flow,
    show,
)

flow = private_flow("faq.media")

MEDIA = Dialog("faq.media", N_("OK, nothing was sent."))  # what /cancel (or "✖ No") says
# What a person may send to a person from the team (a round video or a video is not: see core's fallback)
SENDABLE = F.voice | F.audio | F.photo | F.document | F.location | F.venue

ICONS = {Media.VOICE: "🎤", Media.PHOTO: "🖼", Media.DOCUMENT: "📄", Media.LOCATION: "📍"}
WHO_WILL = {  # look / listen / read
    Media.VOICE: N_("A helper who speaks your language will listen to your voice message."),
    Media.PHOTO: N_("A helper who speaks your language will look at your photo."),
    Media.DOCUMENT: N_("A helper who speaks your language will read your document."),
    Media.LOCATION: N_("A helper who speaks your language will look at your location."),
}


ALBUM_MAX = 10  # Telegram's largest album


@dataclass(frozen=True)
class Found:
    media: Media
    papers: bool  # may be a letter: counselling on papers is offered
    caption: str


class Item(BaseModel):
    message_id: int
    media: Media
    caption: str = ""


class Album(Draft):
    """The messages of one album the consent question (`prompt`) was asked for, in the order they came."""

    group: str
    prompt: int
    lang: str
    ticket: int
    first: Media
    papers: bool
    items: list[Item]


def media_in(message: Message | None) -> Found | None:
    """What a message brings that a person can be sent, or None."""
    if message is None:
        return None
    caption = message.caption or ""
    if message.voice is not None or message.audio is not None:
        return Found(Media.VOICE, False, caption)
    if message.photo:
        return Found(Media.PHOTO, True, caption)
    if message.document is not None:
        doc = message.document
        return Found(Media.DOCUMENT, may_be_papers(Media.DOCUMENT, doc.mime_type, doc.file_name), caption)
    if message.location is not None or message.venue is not None:
        return Found(Media.LOCATION, False, "")
    return None


def consent_view(
    rtr: Translator, found: Found, ticket_id: int, note: str | None = None, count: int = 1
) -> tuple[str, InlineKeyboardMarkup | None]:
    """ "A helper who speaks your language will listen to it. Send it?" with Yes, No (✖) and, for what may
    be a letter, counselling on papers (`count`: the messages of an album)."""
    lines = [note] if note else []
    lines.append(f"{ICONS[found.media]} {rtr._(WHO_WILL[found.media])}")
    if count > 1:
        lines.append(rtr._("Photos and files in this album: {n}", n=count))
    if ticket_id:
        lines.append(rtr._("Send it? It will be added to your question no. {number}.", number=ticket_id))
    else:
        lines.append(rtr._("Send it to our helpers as a new question, without your name?"))
    papers = None
    if found.papers:
        lines.append(rtr._("If it is a letter from an office, you can also book counselling on papers."))
        papers = [button(rtr._("📄 Book counselling on papers"), MenuCb(action=f"book-{PAPERS_TOPIC}"))]
    yes = button(rtr._("✅ Yes, send it"), MediaCb(action=MediaAction.SEND, ticket=ticket_id, lang=rtr.lang))
    no = button(
        rtr._("✖ No, do not send it"), MediaCb(action=MediaAction.NO, ticket=ticket_id, lang=rtr.lang)
    )
    return "\n\n".join(lines), keyboard([yes, no], papers)


@flow.message(SENDABLE, StateFilter(None, AskStates.question))
async def on_media(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    found = media_in(message)
    if found is None:  # pragma: no cover - SENDABLE matched
        return
    if message.media_group_id and await _joined_album(message, found, tr, settings, state, bot):
        return
    asked = await AskDraft.load(state) if await state.get_state() == AskStates.question.state else None
    lang = (asked.lang if asked else None) or user.language or tr.lang
    if found.caption:
        lang = (await faq_for(settings, session)).answer_language(found.caption, lang)
    if asked is not None:
        await AskDraft.clear(state)  # "ask a person" is answered by this message: that dialog ends here
    rtr = reader(lang, tr.lang, settings)
    asked_now = await _ask_consent(
        message, message.message_id, rtr, found, session, settings, user, clock, state
    )
    if asked_now is None:
        return
    prompt, ticket_id = asked_now
    if message.media_group_id:
        item = Item(message_id=message.message_id, media=found.media, caption=found.caption)
        album = Album(
            group=message.media_group_id, prompt=prompt.message_id, lang=rtr.lang,
            ticket=ticket_id, first=found.media, papers=found.papers, items=[item],
        )  # fmt: skip
        await album.save(state)


async def _joined_album(
    message: Message, found: Found, tr: Translator, settings: Settings, state: FSMContext, bot: Bot
) -> bool:
    """A further message of an album asked about already: listed with it, the question shows how many."""
    album = await Album.load(state)
    if album is None or album.group != message.media_group_id or len(album.items) >= ALBUM_MAX:
        return False
    album.items.append(Item(message_id=message.message_id, media=found.media, caption=found.caption))
    album.papers = album.papers or found.papers
    await album.save(state)
    shown = Found(album.first, album.papers, "")
    text, markup = consent_view(
        reader(album.lang, tr.lang, settings), shown, album.ticket, count=len(album.items)
    )
    try:
        await bot.edit_message_text(
            text, chat_id=message.chat.id, message_id=album.prompt, reply_markup=markup
        )
    except TelegramBadRequest:  # the question was answered meanwhile: this one is asked about on its own
        return False
    return True


async def _ask_consent(
    chat: Message,
    media_id: int,
    rtr: Translator,
    found: Found,
    session: AsyncSession,
    settings: Settings,
    user: Person,
    clock: Clock,
    state: FSMContext,
) -> tuple[Message, int] | None:
    """The consent question in `chat`, replying to the media; (the question, the ticket it would join), or
    None when nobody can be reached (then the truth and the phone number instead)."""
    reachable = await handoff.check(session, settings, user.id, clock=clock, lang=rtr.lang)
    if reachable.outcome == Handoff.UNREACHABLE:
        phone = (await faq_for(settings, session)).facts.get("contact_phone", rtr.lang)
        await chat.answer(handoff_text(rtr, reachable, phone), reply_parameters=reply_to(media_id))
        return None
    text, markup = consent_view(rtr, found, reachable.ticket_id or 0)
    prompt = await chat.answer(text, reply_markup=markup, reply_parameters=reply_to(media_id))
    await _mark(state, prompt.message_id)
    return prompt, reachable.ticket_id or 0


async def _mark(state: FSMContext, prompt_id: int) -> None:
    """/cancel ends this consent, unless another dialog is in progress (it stays the one /cancel ends)."""
    current = await dialog_in_progress(state)
    if current is None or current.name == MEDIA.name:
        await MEDIA.mark(state, prompt_id)


async def _unmark(state: FSMContext, prompt_id: int) -> None:
    current = await dialog_in_progress(state)
    if current is not None and current.name == MEDIA.name and current.message_id == prompt_id:
        await end_dialog(state)


def asked_about(query: CallbackQuery, user: Person) -> tuple[Message, Message, Found] | None:
    """The consent question pressed, the presser's own media it replies to, and what that is; None for a
    forged or broken press (a button on another message, someone else's message)."""
    prompt = query.message if isinstance(query.message, Message) else None
    replied = prompt.reply_to_message if prompt is not None else None
    if prompt is None or replied is None or replied.from_user is None or replied.from_user.id != user.id:
        return None
    found = media_in(replied)
    return (prompt, replied, found) if found is not None else None


async def _refuse(query: CallbackQuery, rtr: Translator) -> None:
    text = rtr._("This button no longer works. Please send your voice message, photo or file again.")
    await alert(query, text)


@flow.callback_query(MediaCb.filter(F.action == MediaAction.OFFER), KnownUser())
async def on_offer(
    query: CallbackQuery,
    callback_data: MediaCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    """ "Send the photo to a helper" under another message about the media (a letter's reading, which
    replies to the photo): the consent question, as a new message, so the message pressed stays."""
    rtr = reader(callback_data.lang, tr.lang, settings)
    asked = asked_about(query, user)
    if asked is None:
        await _refuse(query, rtr)
        return
    pressed, replied, found = asked
    await query.answer()
    # counselling on papers is offered by the message pressed already
    without_papers = Found(found.media, False, found.caption)
    await _ask_consent(
        pressed, replied.message_id, rtr, without_papers, session, settings, user, clock, state
    )


@flow.callback_query(MediaCb.filter(F.action == MediaAction.NO), KnownUser())
async def on_no(
    query: CallbackQuery,
    callback_data: MediaCb,
    user: Person,
    tr: Translator,
    settings: Settings,
    state: FSMContext,
) -> None:
    """Nothing is sent, and the person is told so (in place of the question)."""
    rtr = reader(callback_data.lang, tr.lang, settings)
    asked = asked_about(query, user)
    if asked is None:
        await _refuse(query, rtr)
        return
    prompt_id = asked[0].message_id
    await _unmark(state, prompt_id)
    album = await Album.load(state)
    if album is not None and album.prompt == prompt_id:
        await state.update_data({Album.key(): None})
    await show(query, rtr._(MEDIA.cancelled))
    await query.answer()


@flow.callback_query(MediaCb.filter(F.action == MediaAction.SEND), KnownUser())
async def on_send(
    query: CallbackQuery,
    callback_data: MediaCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    machine_translator: MachineTranslator | None = None,
) -> None:
    rtr = reader(callback_data.lang, tr.lang, settings)
    asked = asked_about(query, user)
    if asked is None:  # a forged or broken press: nothing is sent
        await _refuse(query, rtr)
        return
    prompt, replied, found = asked
    album = await Album.load(state)
    if album is not None and album.prompt == prompt.message_id:
        items = [(item.media, item.message_id, item.caption) for item in album.items]
    else:
        album, items = None, [(found.media, replied.message_id, found.caption)]
    result = await service.send_all(
        session, clock, settings, machine_translator, asker_id=user.id, chat_id=prompt.chat.id, items=items,
        lang=rtr.lang, offered=callback_data.ticket,
    )  # fmt: skip
    if album is not None and result.outcome != service.Sent.STALE:
        await state.update_data({Album.key(): None})
    await query.answer()
    if result.outcome == service.Sent.STALE:  # nothing was sent: ask again for what is true now
        if callback_data.ticket:
            note = rtr._(
                "Nothing was sent: your question no. {number} was closed meanwhile.",
                number=callback_data.ticket,
            )
        else:
            note = rtr._("Nothing was sent yet: you have an open question now.")
        shown = Found(album.first, album.papers, "") if album is not None else found
        count = len(album.items) if album is not None else 1
        await show(query, *consent_view(rtr, shown, result.ticket_id or 0, note, count))
        await _mark(state, prompt.message_id)
        return
    await _unmark(state, prompt.message_id)
    await show(query, *await _outcome_view(rtr, result, session, settings))


async def _outcome_view(
    rtr: Translator, result: service.MediaResult, session: AsyncSession, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    number = result.ticket_id or 0
    sent = service.Sent
    if result.outcome == sent.OPENED:
        return handoff_text(rtr, HandoffResult(Handoff.OPENED, number), None), keyboard(
            withdraw_row(rtr, number)
        )
    if result.outcome == sent.ADDED:
        text = rtr._("✅ Added to your question no. {number}.", number=number)
        return text, keyboard(withdraw_row(rtr, number))
    if result.outcome == sent.ALREADY:
        return rtr._("✅ This was added to your question no. {number} already.", number=number), None
    if result.outcome == sent.UNREACHABLE:
        phone = (await faq_for(settings, session)).facts.get("contact_phone", rtr.lang)
        return handoff_text(rtr, HandoffResult(Handoff.UNREACHABLE), phone), None
    if result.outcome == sent.ERASED:
        return rtr._(MEDIA.cancelled), None  # /deletedata came first: nothing went anywhere
    return handoff_text(rtr, HandoffResult(Handoff.NOT_SENT), None), None


__all__ = ["MEDIA", "SENDABLE", "flow", "media_in"]
