"""Organizers compose broadcasts in the bot; /broadcasts lists and cancels planned ones; /topics manages
topics. Renderers for broadcasts, reports and the "held" question live here too.

Composing: /broadcast → topic → languages and roles → text (optionally a photo) → a text per language:
the original, one typed by the organizer, or a machine translation (shown for review) → preview per
language with the number of recipients → send now, or at a typed date and time → confirm.
The draft is a database row; buttons carry its id and every press is re-checked (organizer, own draft,
still a draft). Text input uses FSM states whose data is plain JSON ({"b": id, "lang": code}).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as service
from bot.broadcast import dates
from bot.broadcast import events as event_service
from bot.broadcast import subscriptions as sub_service
from bot.broadcast import texts as text_tools
from bot.broadcast import topics as topic_service
from bot.broadcast.jobs import DISPATCH_JOB, REPORT_JOB  # noqa: F401  (registers the periodic jobs)
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery.render import Rendered, renderer
from bot.i18n import LANGUAGE_NAMES
from bot.services.users import HELPER, ORGANIZER, VISITOR
from bot.text import N_, Html, Translator
from bot.translation.service import MachineTranslator, get_machine_translator
from handlers.events import EvCb, attend_button, machine_note, past_date_text, unreadable_date_text, when_line
from handlers.menu import command
from handlers.subscriptions import broadcast_button, edit_markup, topic_label
from handlers.ui import edit_message
from storage.models import Broadcast, Topic, User

router = Router(name="broadcast")
command("broadcast", N_("Send news to subscribers"), role=ORGANIZER, order=63)
command("broadcasts", N_("Planned broadcasts"), role=ORGANIZER, order=64)
command("topics", N_("Topics of the news"), role=ORGANIZER, order=65)

ORG = {"role": ORGANIZER}
ROLE_LABELS = {VISITOR: N_("Visitors"), HELPER: N_("Helpers"), ORGANIZER: N_("Organizers")}
STATE_LABELS = {
    service.SCHEDULED: N_("scheduled"),
    service.HELD: N_("held (overdue)"),
    service.SENDING: N_("being sent"),
}
# "Send now" starts within this margin; a later moment is a schedule.
NOW_MARGIN = timedelta(seconds=5)


class BcCb(CallbackData, prefix="bc"):
    a: str  # the step (see the handlers below)
    b: int  # broadcast id
    v: str = ""  # a language, role or topic id


class TopicCb(CallbackData, prefix="tp"):
    a: str
    t: int = 0
    v: str = ""


class Compose(StatesGroup):
    text = State()
    translation = State()
    when = State()


class TopicForm(StatesGroup):
    new = State()
    name = State()


def machine_translator(app: Any) -> MachineTranslator:
    """The configured translator, one per running app (its cache is the database)."""
    translator = app.extras.get("machine_translator")
    if translator is None:
        translator = get_machine_translator(app.settings, app.sessionmaker, app.clock)
        app.extras["machine_translator"] = translator
    return translator


def _markup_json(markup: InlineKeyboardMarkup | None) -> dict[str, Any] | None:
    return None if markup is None else markup.model_dump(exclude_none=True)


# --- what recipients get ---------------------------------------------------------------------------------
def broadcast_message(data: dict[str, Any], tr: Translator) -> Rendered:
    """One recipient's broadcast: their text, the machine note, "I'll come" for events, the topic button."""
    text = str(data.get("text") or "")
    if data.get("machine"):
        text = f"{text}\n\n{machine_note(tr)}"
    rows: list[list[InlineKeyboardButton]] = []
    if data.get("event"):
        rows.append([attend_button(tr, int(data["event"]), False)])
    if data.get("topic"):
        rows.append([broadcast_button(tr, int(data["topic"]), str(data.get("topic_name") or ""), True)])
    markup = _markup_json(InlineKeyboardMarkup(inline_keyboard=rows)) if rows else None
    photo = data.get("photo")
    if photo and text_tools.visible_length(text) <= text_tools.MAX_CAPTION:
        params: dict[str, Any] = {"photo": photo, "caption": text, "parse_mode": "HTML"}
        method = "sendPhoto"
    else:
        params = {"text": text, "parse_mode": "HTML"}
        method = "sendMessage"
    if markup:
        params["reply_markup"] = markup
    return Rendered(method, params)


@renderer(service.KIND)
def render_broadcast(data: dict[str, Any], tr: Translator) -> Rendered:
    return broadcast_message(data, tr)


@renderer(service.PHOTO_KIND)
def render_broadcast_photo(data: dict[str, Any], tr: Translator) -> Rendered:
    return Rendered("sendPhoto", {"photo": data["photo"]})


def _topic_from(data: dict[str, Any], lang: str) -> str:
    names = data.get("topic") or {}
    return str(
        names.get(lang) or names.get(data.get("topic_source") or "de") or next(iter(names.values()), "")
    )


@renderer(service.REPORT_KIND)
def render_report(data: dict[str, Any], tr: Translator) -> Rendered:
    totals: dict[str, int] = data.get("totals") or {}
    by_language: dict[str, dict[str, int]] = data.get("by_language") or {}
    lines = [
        tr._("📊 Report for broadcast #{id} ({topic})", id=data["b"], topic=_topic_from(data, tr.lang)),
        tr._("✅ Delivered: {n}", n=int(totals.get("delivered", 0))),
        tr._("🚫 Blocked the bot: {n}", n=int(totals.get("blocked", 0))),
        tr._("⚠️ Not delivered (error): {n}", n=int(totals.get("failed", 0))),
    ]
    if totals.get("cancelled"):
        lines.append(tr._("✖️ Withdrawn: {n}", n=int(totals["cancelled"])))
    if by_language:
        lines += ["", tr._("By language:")]
        for lang in [*SUPPORTED_LANGUAGES, *sorted(set(by_language) - set(SUPPORTED_LANGUAGES))]:
            counts = by_language.get(lang)
            if counts:
                lines.append(
                    tr._(
                        "{language}: delivered {delivered}, blocked {blocked}, errors {failed}",
                        language=LANGUAGE_NAMES.get(lang, lang),
                        delivered=int(counts.get("delivered", 0)),
                        blocked=int(counts.get("blocked", 0)),
                        failed=int(counts.get("failed", 0)),
                    )
                )
    return Rendered("sendMessage", {"text": "\n".join(lines), "parse_mode": "HTML"})


@renderer(service.HELD_KIND)
def render_held(data: dict[str, Any], tr: Translator) -> Rendered:
    scheduled = datetime.fromisoformat(data["scheduled"])
    text = tr._(
        "⚠️ Broadcast #{id} ({topic}) was due on {when}, but the bot was not running then, so it was not "
        "sent. Send it now, or cancel it?",
        id=data["b"],
        topic=_topic_from(data, tr.lang),
        when=Html(tr.datetime(scheduled)),
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_btn(tr._("📤 Send now"), "release", data["b"]), _btn(tr._("✖️ Cancel it"), "cancel", data["b"])]
        ]
    )
    return Rendered("sendMessage", {"text": text, "parse_mode": "HTML", "reply_markup": _markup_json(markup)})


async def send_rendered(bot: Bot, chat_id: int, rendered: Rendered) -> None:
    if rendered.method == "sendPhoto":
        await bot(SendPhoto(chat_id=chat_id, **rendered.params))
    else:
        await bot(SendMessage(chat_id=chat_id, **rendered.params))


# --- helpers for the composing screens ------------------------------------------------------------------
def _btn(text: str, a: str, b: int, v: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=BcCb(a=a, b=b, v=v).pack())


def _cancel_row(tr: Translator, b: int) -> list[InlineKeyboardButton]:
    return [_btn(tr._("✖️ Discard"), "drop", b)]


async def _topic_of(session: AsyncSession, broadcast: Broadcast) -> Topic | None:
    return await topic_service.get_topic(session, broadcast.topic_id) if broadcast.topic_id else None


async def _title(tr: Translator, session: AsyncSession, broadcast: Broadcast) -> str:
    topic = await _topic_of(session, broadcast)
    name = topic_label(topic, tr.lang) if topic else "—"
    return tr._("📣 Broadcast #{id} · {topic}", id=broadcast.id, topic=name)


async def _draft(
    query: CallbackQuery, callback_data: BcCb, user: User, session: AsyncSession, tr: Translator
) -> Broadcast | None:
    broadcast = await service.get_draft(session, callback_data.b, user)
    if broadcast is None:
        await query.answer(_error_text(tr, "not_draft"), show_alert=True)
    return broadcast


async def _draft_for_state(state: FSMContext, user: User, session: AsyncSession) -> Broadcast | None:
    data = await state.get_data()
    broadcast_id = data.get("b")
    if not isinstance(broadcast_id, int):
        return None
    return await service.get_draft(session, broadcast_id, user)


async def _end_input(message: Message, state: FSMContext, tr: Translator) -> None:
    """The typed answer belongs to no open draft any more: leave the form and say so."""
    await state.clear()
    await message.answer(_error_text(tr, "not_draft"))


async def _typed_draft(
    message: Message, state: FSMContext, user: User, session: AsyncSession, tr: Translator
) -> Broadcast | None:
    """The draft a typed answer is for; None for a command (its own handler runs) or a draft gone."""
    if not _is_input(message):
        return None
    broadcast = await _draft_for_state(state, user, session)
    if broadcast is None:
        await _end_input(message, state, tr)
    return broadcast


def _sending_text(tr: Translator, broadcast_id: int, n: int) -> str:
    return tr._(
        "📤 Broadcast #{id} is being sent to {n} recipients. You will get a report when it is done.",
        id=broadcast_id,
        n=n,
    )


def _error_text(tr: Translator, code: str) -> str:
    messages = {
        "too_long": tr._(
            "This text is too long. At most {max} characters, please shorten it.", max=text_tools.MAX_TEXT
        ),
        "empty": tr._("Please send the text of the broadcast first."),
        "past": tr._("This moment has already passed. Please choose a time in the future."),
        "topic": tr._("This topic is not available any more. Please choose another one."),
        "audience": tr._("Please switch on at least one language and one role."),
    }
    return messages.get(
        code, tr._("This broadcast cannot be changed any more. Start a new one with /broadcast.")
    )


# --- /broadcast: topic and audience ---------------------------------------------------------------------
@router.message(Command("broadcast"), F.chat.type == "private", flags=ORG)
async def cmd_broadcast(
    message: Message, user: User, tr: Translator, session: AsyncSession, clock: Clock, state: FSMContext
) -> None:
    await state.clear()
    broadcast = await service.create_draft(session, clock, user)
    topics = await topic_service.topics_for(session, ORGANIZER)
    counts = await sub_service.subscriber_counts(session)
    rows = [
        [_btn(f"{topic_label(t, tr.lang)} · {counts.get(t.id, 0)}", "topic", broadcast.id, str(t.id))]
        for t in topics
    ]
    rows.append(_cancel_row(tr, broadcast.id))
    await message.answer(
        tr._("📣 New broadcast. Who should get it? Choose a topic (the number is its subscribers):"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def _audience_screen(
    tr: Translator, session: AsyncSession, settings: Settings, broadcast: Broadcast
) -> tuple[str, InlineKeyboardMarkup]:
    counts = await service.recipient_counts(session, broadcast, settings)
    chosen_langs = set(service.languages(broadcast))
    chosen_roles = set(service.roles(broadcast))
    text = "\n".join(
        [
            await _title(tr, session, broadcast),
            tr._("Tap to choose the languages and roles of the audience."),
            tr._("Recipients now: {n}", n=sum(counts.values())),
        ]
    )
    lang_buttons = [
        _btn(("✅ " if code in chosen_langs else "⬜ ") + LANGUAGE_NAMES[code], "lang", broadcast.id, code)
        for code in SUPPORTED_LANGUAGES
    ]
    role_buttons = [
        _btn(("✅ " if role in chosen_roles else "⬜ ") + tr._(label), "role", broadcast.id, role)
        for role, label in ROLE_LABELS.items()
    ]
    rows = [lang_buttons[0:3], lang_buttons[3:6], role_buttons]
    rows.append([_btn(tr._("➡️ Next: write the text"), "write", broadcast.id)])
    rows.append(_cancel_row(tr, broadcast.id))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


@router.callback_query(BcCb.filter(F.a == "topic"), flags=ORG)
async def on_topic(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    try:
        await service.set_topic(session, broadcast, int(callback_data.v) if callback_data.v.isdigit() else 0)
    except service.BroadcastError as error:
        await query.answer(_error_text(tr, error.code), show_alert=True)
        return
    await query.answer()
    text, markup = await _audience_screen(tr, session, settings, broadcast)
    await edit_message(query.message, text, reply_markup=markup)


@router.callback_query(BcCb.filter(F.a.in_({"lang", "role"})), flags=ORG)
async def on_audience_toggle(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    try:
        if callback_data.a == "lang":
            service.toggle_language(broadcast, callback_data.v)
        else:
            service.toggle_role(broadcast, callback_data.v)
    except service.BroadcastError:
        await query.answer()
        return
    await query.answer()
    text, markup = await _audience_screen(tr, session, settings, broadcast)
    await edit_message(query.message, text, reply_markup=markup)


@router.callback_query(BcCb.filter(F.a == "write"), flags=ORG)
async def on_write(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    if not service.languages(broadcast) or not service.roles(broadcast):
        await query.answer(_error_text(tr, "audience"), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await state.set_state(Compose.text)
    await state.set_data({"b": broadcast.id})
    await query.message.answer(
        tr._(
            "Now send the text of the broadcast, in any language (at most {max} characters). To add a photo, "
            "send the photo with the text as its caption, or first the photo and then the text. /cancel stops.",
            max=text_tools.MAX_TEXT,
        )
    )


def _is_input(message: Message) -> bool:
    return not (message.text or "").startswith("/")


@router.message(Compose.text, F.chat.type == "private", F.photo | F.text, flags=ORG)
async def on_text(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    **data: Any,
) -> None:
    broadcast = await _typed_draft(message, state, user, session, tr)
    if broadcast is None:
        return
    if message.photo:
        service.set_photo(broadcast, message.photo[-1].file_id)
        if not message.caption:
            await message.answer(tr._("Photo saved. Now send the text."))
            return
    html = message.html_text
    try:
        await service.set_original(session, broadcast, html, user.language or settings.default_language)
    except service.BroadcastError as error:
        await message.answer(_error_text(tr, error.code))
        return
    await state.clear()
    await _overview(message, tr, session, settings, broadcast, data["app"])


# --- translations ------------------------------------------------------------------------------------------
async def _overview(
    message: Message,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
    app: Any,
) -> None:
    translator = machine_translator(app)
    all_texts = await service.texts(session, broadcast)
    counts = await service.recipient_counts(session, broadcast, settings)
    source = broadcast.source_lang or settings.default_language
    lines = [
        await _title(tr, session, broadcast),
        tr._("Original language: {language}", language=LANGUAGE_NAMES[source]),
        "",
        tr._("Texts for the audience (recipients now):"),
    ]
    for lang in service.languages(broadcast):
        name, n = LANGUAGE_NAMES[lang], counts.get(lang, 0)
        row = all_texts.get(lang)
        if lang == source:
            lines.append(tr._("• {language} ({n}): the original", language=name, n=n))
        elif row is None:
            lines.append(tr._("• {language} ({n}): no translation, gets the original", language=name, n=n))
        elif row.machine:
            lines.append(tr._("• {language} ({n}): machine translation 🤖", language=name, n=n))
        else:
            lines.append(tr._("• {language} ({n}): translation typed ✓", language=name, n=n))
    missing = service.missing_languages(broadcast, all_texts)
    if missing and not translator.enabled:
        lines += [
            "",
            tr._(
                "No machine translation is set up. These languages get the original text unless you type a "
                "translation: {languages}",
                languages=", ".join(LANGUAGE_NAMES[lang] for lang in missing),
            ),
        ]
    lines += ["", tr._("Tap a language to type its translation or to choose machine translation.")]
    others = [lang for lang in service.languages(broadcast) if lang != source]
    lang_buttons = [_btn("✍️ " + LANGUAGE_NAMES[lang], "tl", broadcast.id, lang) for lang in others]
    rows = [lang_buttons[i : i + 3] for i in range(0, len(lang_buttons), 3)]
    if missing and translator.enabled:
        rows.append([_btn(tr._("🤖 Machine-translate the missing ones"), "mtall", broadcast.id)])
    rows.append([_btn(tr._("🗣 The original is in another language"), "src", broadcast.id)])
    rows.append([_btn(tr._("👁 Preview"), "preview", broadcast.id)])
    rows.append(_cancel_row(tr, broadcast.id))
    await message.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(BcCb.filter(F.a.in_({"ov", "orig"})), flags=ORG)
async def on_overview(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    **data: Any,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    await query.answer()
    await state.clear()
    if callback_data.a == "orig":  # "send the original instead": drop the translation, then the same overview
        await service.use_original(session, broadcast, callback_data.v)
    await _overview(query.message, tr, session, settings, broadcast, data["app"])


@router.callback_query(BcCb.filter(F.a == "tl"), flags=ORG)
async def on_language(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
    **data: Any,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    lang = callback_data.v
    if broadcast is None or not isinstance(query.message, Message):
        return
    if lang not in SUPPORTED_LANGUAGES or lang == broadcast.source_lang:
        await query.answer()
        return
    await query.answer()
    await state.set_state(Compose.translation)
    await state.set_data({"b": broadcast.id, "lang": lang})
    current = (await service.texts(session, broadcast)).get(lang)
    lines = [tr._("Translation for {language}: type it now as a message.", language=LANGUAGE_NAMES[lang])]
    if current is not None:
        lines += ["", tr._("Current text:"), current.text]
    rows = []
    if machine_translator(data["app"]).enabled:
        rows.append([_btn(tr._("🤖 Machine translation"), "mt", broadcast.id, lang)])
    rows.append([_btn(tr._("↩️ Send the original instead"), "orig", broadcast.id, lang)])
    rows.append([_btn(tr._("⬅️ Back"), "ov", broadcast.id)])
    await query.message.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.message(Compose.translation, F.chat.type == "private", F.text, flags=ORG)
async def on_translation_text(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    **data: Any,
) -> None:
    broadcast = await _typed_draft(message, state, user, session, tr)
    if broadcast is None:
        return
    lang = (await state.get_data()).get("lang")
    if not isinstance(lang, str):
        await _end_input(message, state, tr)
        return
    try:
        await service.set_translation(session, broadcast, lang, message.html_text)
    except service.BroadcastError as error:
        await message.answer(_error_text(tr, error.code))
        return
    await state.clear()
    await message.answer(tr._("Saved: the translation for {language}.", language=LANGUAGE_NAMES[lang]))
    await _overview(message, tr, session, settings, broadcast, data["app"])


@router.callback_query(BcCb.filter(F.a.in_({"mt", "mtall"})), flags=ORG)
async def on_machine(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    **data: Any,
) -> None:
    app = data["app"]
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    translator = machine_translator(app)
    if not translator.enabled:
        await query.answer(tr._("No machine translation is set up."), show_alert=True)
        return
    if callback_data.a == "mt":
        targets = [callback_data.v] if callback_data.v in SUPPORTED_LANGUAGES else []
    else:
        targets = service.missing_languages(broadcast, await service.texts(session, broadcast))
    await query.answer()
    await state.clear()
    await query.message.answer(tr._("⏳ Translating…"))
    broadcast_id = broadcast.id
    await session.commit()  # the translator's cache needs the database while we wait for the network
    try:
        results = await service.machine_translate(app.sessionmaker, translator, broadcast_id, user, targets)
    except service.BroadcastError as error:
        await query.message.answer(_error_text(tr, error.code))
        return
    for lang, html in results.items():
        name = LANGUAGE_NAMES[lang]
        if html is None:
            await query.message.answer(
                tr._(
                    "Machine translation for {language} did not work (no answer in time, or an error). Type the "
                    "translation, or this language gets the original.",
                    language=name,
                )
            )
            continue
        await query.message.answer(
            tr._("🤖 Machine translation for {language}. Please check it:", language=name) + "\n\n" + html,
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[_btn(tr._("✍️ Type my own instead"), "tl", broadcast_id, lang)]]
            ),
        )
    broadcast = await service.get_draft(session, broadcast_id, user)
    if broadcast is not None:
        await _overview(query.message, tr, session, settings, broadcast, app)


@router.callback_query(BcCb.filter(F.a == "src"), flags=ORG)
async def on_source_ask(
    query: CallbackQuery, callback_data: BcCb, user: User, tr: Translator, session: AsyncSession
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    await query.answer()
    buttons = [_btn(LANGUAGE_NAMES[code], "srcset", broadcast.id, code) for code in SUPPORTED_LANGUAGES]
    await query.message.answer(
        tr._("Which language is the original in?"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons[0:3], buttons[3:6]]),
    )


@router.callback_query(BcCb.filter(F.a == "srcset"), flags=ORG)
async def on_source_set(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    **data: Any,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    try:
        await service.set_source_language(session, broadcast, callback_data.v)
    except service.BroadcastError as error:
        await query.answer(_error_text(tr, error.code), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    await _overview(query.message, tr, session, settings, broadcast, data["app"])


# --- preview, time, confirmation ---------------------------------------------------------------------------
def _payload(
    broadcast: Broadcast, topic: Topic | None, html: str, machine: bool, lang: str
) -> dict[str, Any]:
    return {
        "b": broadcast.id,
        "text": html,
        "machine": machine,
        "photo": broadcast.photo_file_id,
        "topic": topic.id if topic else None,
        "topic_name": topic_service.topic_name(topic, lang) if topic else "",
        "event": broadcast.event_id,
    }


async def send_preview(
    bot: Bot, chat_id: int, tr: Translator, session: AsyncSession, settings: Settings, broadcast: Broadcast
) -> None:
    """Each audience language exactly as its readers will get it, then the count and the next step."""
    try:
        await service.check_ready(session, broadcast)
    except service.BroadcastError as error:
        await bot.send_message(chat_id, _error_text(tr, error.code))
        return
    topic = await _topic_of(session, broadcast)
    all_texts = await service.texts(session, broadcast)
    counts = await service.recipient_counts(session, broadcast, settings)
    source = broadcast.source_lang or settings.default_language
    for lang in service.languages(broadcast):
        html, machine = service.text_for(all_texts, source, lang)
        reader = Translator(lang, settings.tz)
        await bot.send_message(
            chat_id,
            tr._(
                "👁 Preview for {language} (recipients now: {n}):",
                language=LANGUAGE_NAMES[lang],
                n=counts[lang],
            ),
        )
        if broadcast.photo_file_id and not text_tools.fits_caption(html):
            await send_rendered(
                bot, chat_id, render_broadcast_photo({"photo": broadcast.photo_file_id}, reader)
            )
            payload = {**_payload(broadcast, topic, html, machine, lang), "photo": None}
        else:
            payload = _payload(broadcast, topic, html, machine, lang)
        await send_rendered(bot, chat_id, broadcast_message(payload, reader))
    rows = [
        [_btn(tr._("📤 Send now"), "now", broadcast.id), _btn(tr._("🕒 Send later"), "when", broadcast.id)],
        [_btn(tr._("✏️ Change texts"), "ov", broadcast.id)],
        _cancel_row(tr, broadcast.id),
    ]
    await bot.send_message(
        chat_id,
        tr._("Recipients now: {n}. Send now or later?", n=sum(counts.values())),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


@router.callback_query(BcCb.filter(F.a == "preview"), flags=ORG)
async def on_preview(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None:
        return
    await query.answer()
    await state.clear()
    await send_preview(bot, user.id, tr, session, settings, broadcast)


async def _confirm_screen(
    message: Message, tr: Translator, session: AsyncSession, settings: Settings, broadcast: Broadcast
) -> None:
    counts = await service.recipient_counts(session, broadcast, settings)
    n = sum(counts.values())
    if broadcast.scheduled_at is None:
        text = tr._("Send broadcast #{id} now? Recipients now: {n}.", id=broadcast.id, n=n)
        yes = tr._("✅ Yes, send now")
    else:
        text = tr._(
            "Send broadcast #{id} on {when}? Recipients now: {n} (it goes to the subscribers at that time).",
            id=broadcast.id,
            when=Html(tr.datetime(broadcast.scheduled_at)),
            n=n,
        )
        yes = tr._("✅ Yes, schedule it")
    rows = [
        [_btn(yes, "ok", broadcast.id)],
        [
            _btn(tr._("🕒 Another time"), "when", broadcast.id),
            _btn(tr._("✏️ Change texts"), "ov", broadcast.id),
        ],
        _cancel_row(tr, broadcast.id),
    ]
    await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(BcCb.filter(F.a == "now"), flags=ORG)
async def on_now(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    await query.answer()
    service.propose_time(broadcast, None, clock)
    await _confirm_screen(query.message, tr, session, settings, broadcast)


@router.callback_query(BcCb.filter(F.a == "when"), flags=ORG)
async def on_when(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    await query.answer()
    await state.set_state(Compose.when)
    await state.set_data({"b": broadcast.id})
    await query.message.answer(
        tr._(
            "When should it go out? Write date and time like this: {example} (time in {zone}).",
            example=dates.example(clock.now(), settings.tz),
            zone=settings.timezone,
        )
    )


@router.message(Compose.when, F.chat.type == "private", F.text, flags=ORG)
async def on_when_text(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    broadcast = await _typed_draft(message, state, user, session, tr)
    if broadcast is None:
        return
    example = dates.example(clock.now(), settings.tz)
    at = dates.parse_datetime(message.text or "", settings.tz)
    if at is None:
        await message.answer(unreadable_date_text(tr, example))
        return
    try:
        service.propose_time(broadcast, at, clock)
    except service.BroadcastError:
        await message.answer(past_date_text(tr, example))
        return
    await state.clear()
    await _confirm_screen(message, tr, session, settings, broadcast)


@router.callback_query(BcCb.filter(F.a == "ok"), flags=ORG)
async def on_confirm(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    try:
        at = await service.confirm(session, clock, broadcast)
    except service.BroadcastError as error:
        await query.answer(_error_text(tr, error.code), show_alert=True)
        return
    await query.answer()
    await edit_markup(query.message, None)
    if at <= clock.now() + NOW_MARGIN:
        result = await service.dispatch_due(session, clock, settings)
        await query.message.answer(_sending_text(tr, broadcast.id, result.expanded.get(broadcast.id, 0)))
        return
    await query.message.answer(
        tr._(
            "✅ Broadcast #{id} is scheduled for {when}. You will get a report after sending. "
            "/broadcasts shows planned broadcasts and can cancel them.",
            id=broadcast.id,
            when=Html(tr.datetime(at)),
        )
    )


@router.callback_query(BcCb.filter(F.a == "drop"), flags=ORG)
async def on_drop(
    query: CallbackQuery,
    callback_data: BcCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    broadcast = await _draft(query, callback_data, user, session, tr)
    if broadcast is None or not isinstance(query.message, Message):
        return
    await state.clear()
    await service.cancel(session, broadcast.id)
    await query.answer()
    await edit_message(query.message, tr._("The broadcast was discarded."))


# --- /broadcasts: planned ones, cancel, held ones ------------------------------------------------------------
@router.message(Command("broadcasts"), F.chat.type == "private", flags=ORG)
async def cmd_broadcasts(message: Message, tr: Translator, session: AsyncSession) -> None:
    planned = await service.planned(session)
    if not planned:
        await message.answer(tr._("No broadcasts are planned. /broadcast starts a new one."))
        return
    for broadcast in planned:
        when = Html(tr.datetime(broadcast.scheduled_at)) if broadcast.scheduled_at else "—"
        text = "\n".join(
            [
                await _title(tr, session, broadcast),
                tr._("{state}: {when}", state=tr._(STATE_LABELS[broadcast.state]), when=when),
            ]
        )
        rows = []
        if broadcast.state == service.HELD:
            rows.append([_btn(tr._("📤 Send now"), "release", broadcast.id)])
        rows.append([_btn(tr._("✖️ Cancel it"), "cancel", broadcast.id)])
        await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(BcCb.filter(F.a == "cancel"), flags=ORG)
async def on_cancel_ask(
    query: CallbackQuery, callback_data: BcCb, tr: Translator, session: AsyncSession
) -> None:
    broadcast = await service.get(session, callback_data.b)
    if broadcast is None or broadcast.state not in service.PLANNED or not isinstance(query.message, Message):
        await query.answer(tr._("This broadcast cannot be cancelled any more."), show_alert=True)
        return
    await query.answer()
    await query.message.answer(
        tr._("Really cancel broadcast #{id}? Messages not sent yet are withdrawn.", id=broadcast.id),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _btn(tr._("Yes, cancel it"), "cancelok", broadcast.id),
                    _btn(tr._("No, keep it"), "keep", broadcast.id),
                ]
            ]
        ),
    )


@router.callback_query(BcCb.filter(F.a == "keep"), flags=ORG)
async def on_keep(query: CallbackQuery, tr: Translator) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await edit_message(query.message, tr._("Nothing was changed."))


@router.callback_query(BcCb.filter(F.a == "cancelok"), flags=ORG)
async def on_cancel(query: CallbackQuery, callback_data: BcCb, tr: Translator, session: AsyncSession) -> None:
    result = await service.cancel(session, callback_data.b)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if result is None:
        await edit_message(query.message, tr._("This broadcast cannot be cancelled any more."))
        return
    await edit_message(
        query.message,
        tr._(
            "Broadcast #{id} is cancelled. Withdrawn: {withdrawn}. Already sent: {sent}.",
            id=callback_data.b,
            withdrawn=result.withdrawn,
            sent=result.sent,
        ),
    )


@router.callback_query(BcCb.filter(F.a == "release"), flags=ORG)
async def on_release(
    query: CallbackQuery,
    callback_data: BcCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if not await service.release(session, clock, callback_data.b):
        await query.answer(tr._("This broadcast is not waiting for a decision any more."), show_alert=True)
        return
    await query.answer()
    result = await service.dispatch_due(session, clock, settings)
    if isinstance(query.message, Message):
        await edit_markup(query.message, None)
        await query.message.answer(
            _sending_text(tr, callback_data.b, result.expanded.get(callback_data.b, 0))
        )


# --- an event announced in one step ---------------------------------------------------------------------------
def announcement(tr: Translator, event: Any, title: str, body: str) -> str:
    lines = [
        tr._("📅 Event: {title}", title=title),
        when_line(tr, event.starts_at, event.ends_at),
        tr._("📍 {venue}", venue=event.venue),
    ]
    if body:
        lines += ["", text_tools.escape(body)]
    return "\n".join(lines)


@router.callback_query(EvCb.filter(F.a == "ann"), flags=ORG)
async def on_announce(
    query: CallbackQuery,
    callback_data: EvCb,
    user: User,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
    bot: Bot,
) -> None:
    event = await event_service.get_event(session, callback_data.e)
    if event is None or not event_service.is_open(event, clock.now()):
        await query.answer(tr._("This event is not open for registration any more."), show_alert=True)
        return
    if event.topic_id is None:
        await query.answer(
            tr._("This topic is not available any more. Please choose another one."), show_alert=True
        )
        return
    event_texts = await event_service.texts(session, event.id)
    texts_by_lang: dict[str, tuple[str, bool]] = {}
    for lang in SUPPORTED_LANGUAGES:
        # Every language gets the frame (date, place) in its own words and locale; title and text in
        # its language when there is a translation, else as the organizer wrote them.
        title, body, machine = event_service.localized(event, event_texts, lang)
        texts_by_lang[lang] = (announcement(Translator(lang, settings.tz), event, title, body), machine)
    try:
        broadcast = await service.draft_from_event(
            session,
            clock,
            user,
            event_id=event.id,
            topic_id=event.topic_id,
            source_lang=event.lang,
            texts_by_lang=texts_by_lang,
        )
    except service.BroadcastError as error:
        await query.answer(_error_text(tr, error.code), show_alert=True)
        return
    await query.answer()
    await state.clear()
    await send_preview(bot, user.id, tr, session, settings, broadcast)


# --- /topics --------------------------------------------------------------------------------------------------
def _tbtn(text: str, a: str, t: int = 0, v: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=TopicCb(a=a, t=t, v=v).pack())


async def _topics_screen(tr: Translator, session: AsyncSession) -> tuple[str, InlineKeyboardMarkup]:
    topics = await topic_service.all_topics(session)
    counts = await sub_service.subscriber_counts(session)
    lines = [tr._("Topics (subscribers). Tap one to edit its names.")]
    rows = []
    for topic in topics:
        line = tr._(
            "{topic} · subscribers: {n}", topic=topic_label(topic, tr.lang), n=counts.get(topic.id, 0)
        )
        missing = topic_service.missing_languages(topic)
        if missing:
            line += " · " + tr._(
                "missing: {languages}", languages=", ".join(LANGUAGE_NAMES[m] for m in missing)
            )
        if not topic.active:
            line += " · " + tr._("hidden")
        lines.append(line)
        rows.append([_tbtn("✏️ " + topic_label(topic, tr.lang), "edit", topic.id)])
    rows.append([_tbtn(tr._("➕ New topic"), "new")])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


async def _topic_screen(
    tr: Translator, topic: Topic, translator: MachineTranslator
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [tr._("Topic {topic}", topic=topic_label(topic, tr.lang)), ""]
    for lang in SUPPORTED_LANGUAGES:
        name = (topic.names or {}).get(lang)
        lines.append(
            tr._("{language}: {name}", language=LANGUAGE_NAMES[lang], name=name)
            if name
            else tr._("{language}: missing", language=LANGUAGE_NAMES[lang])
        )
    buttons = [_tbtn("✍️ " + LANGUAGE_NAMES[lang], "name", topic.id, lang) for lang in SUPPORTED_LANGUAGES]
    rows = [buttons[0:3], buttons[3:6]]
    if translator.enabled and topic_service.missing_languages(topic):
        rows.append([_tbtn(tr._("🤖 Machine-translate the missing names"), "mtall", topic.id)])
    rows.append(
        [_tbtn(tr._("🙈 Hide topic"), "hide", topic.id)]
        if topic.active
        else [_tbtn(tr._("👁 Show topic again"), "show", topic.id)]
    )
    rows.append([_tbtn(tr._("⬅️ Back"), "list")])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


async def _send_topic_screen(
    message: Message, tr: Translator, topic: Topic, translator: MachineTranslator
) -> None:
    text, markup = await _topic_screen(tr, topic, translator)
    await message.answer(text, reply_markup=markup)


async def _topic_gone(query: CallbackQuery, tr: Translator) -> None:
    await query.answer(tr._("This topic is not available any more."), show_alert=True)


def _name_hint(tr: Translator) -> str:
    return tr._("Please write a short name, at most {max} characters.", max=topic_service.MAX_NAME)


@router.message(Command("topics"), F.chat.type == "private", flags=ORG)
async def cmd_topics(message: Message, tr: Translator, session: AsyncSession, state: FSMContext) -> None:
    await state.clear()
    text, markup = await _topics_screen(tr, session)
    await message.answer(text, reply_markup=markup)


@router.callback_query(TopicCb.filter(F.a == "list"), flags=ORG)
async def on_topics_list(
    query: CallbackQuery, tr: Translator, session: AsyncSession, state: FSMContext
) -> None:
    await query.answer()
    await state.clear()
    if isinstance(query.message, Message):
        text, markup = await _topics_screen(tr, session)
        await query.message.answer(text, reply_markup=markup)


@router.callback_query(TopicCb.filter(F.a.in_({"edit", "hide", "show"})), flags=ORG)
async def on_topic_edit(
    query: CallbackQuery,
    callback_data: TopicCb,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
    **data: Any,
) -> None:
    topic = await topic_service.get_topic(session, callback_data.t)
    if topic is None or not isinstance(query.message, Message):
        await _topic_gone(query, tr)
        return
    await query.answer()
    await state.clear()
    if callback_data.a in ("hide", "show"):
        topic_service.set_active(topic, callback_data.a == "show")
    await _send_topic_screen(query.message, tr, topic, machine_translator(data["app"]))


@router.callback_query(TopicCb.filter(F.a == "new"), flags=ORG)
async def on_topic_new(
    query: CallbackQuery, user: User, tr: Translator, settings: Settings, state: FSMContext
) -> None:
    await query.answer()
    await state.set_state(TopicForm.new)
    lang = user.language or settings.default_language
    await state.set_data({"lang": lang})
    if isinstance(query.message, Message):
        await query.message.answer(
            tr._(
                "Name of the new topic in {language}? Short, at most {max} characters. You can add the other "
                "languages next. /cancel stops.",
                language=LANGUAGE_NAMES[lang],
                max=topic_service.MAX_NAME,
            )
        )


@router.message(TopicForm.new, F.chat.type == "private", F.text, flags=ORG)
async def on_topic_new_name(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    **data: Any,
) -> None:
    if not _is_input(message):
        return
    name = topic_service.clean_name(message.text or "")
    if name is None:
        await message.answer(_name_hint(tr))
        return
    lang = (await state.get_data()).get("lang") or tr.lang
    topic = await topic_service.add_topic(session, clock, user, {lang: name}, lang)
    await state.clear()
    await _send_topic_screen(message, tr, topic, machine_translator(data["app"]))


@router.callback_query(TopicCb.filter(F.a == "name"), flags=ORG)
async def on_topic_name_ask(
    query: CallbackQuery, callback_data: TopicCb, tr: Translator, session: AsyncSession, state: FSMContext
) -> None:
    topic = await topic_service.get_topic(session, callback_data.t)
    if topic is None or callback_data.v not in SUPPORTED_LANGUAGES or not isinstance(query.message, Message):
        await _topic_gone(query, tr)
        return
    await query.answer()
    await state.set_state(TopicForm.name)
    await state.set_data({"t": topic.id, "lang": callback_data.v})
    await query.message.answer(
        tr._(
            "Name of the topic in {language}? Write it as a message (at most {max} characters).",
            language=LANGUAGE_NAMES[callback_data.v],
            max=topic_service.MAX_NAME,
        )
    )


@router.message(TopicForm.name, F.chat.type == "private", F.text, flags=ORG)
async def on_topic_name(
    message: Message, tr: Translator, session: AsyncSession, state: FSMContext, **data: Any
) -> None:
    if not _is_input(message):
        return
    form = await state.get_data()
    topic = await topic_service.get_topic(session, int(form.get("t") or 0))
    name = topic_service.clean_name(message.text or "")
    if topic is None:
        await state.clear()
        await message.answer(tr._("This topic is not available any more."))
        return
    if name is None:
        await message.answer(_name_hint(tr))
        return
    topic_service.set_name(topic, str(form.get("lang")), name)
    await state.clear()
    await _send_topic_screen(message, tr, topic, machine_translator(data["app"]))


@router.callback_query(TopicCb.filter(F.a == "mtall"), flags=ORG)
async def on_topic_machine(
    query: CallbackQuery,
    callback_data: TopicCb,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
    **data: Any,
) -> None:
    app = data["app"]
    translator = machine_translator(app)
    topic = await topic_service.get_topic(session, callback_data.t)
    if topic is None or not isinstance(query.message, Message):
        await _topic_gone(query, tr)
        return
    if not translator.enabled:
        await query.answer(tr._("No machine translation is set up."), show_alert=True)
        return
    await query.answer()
    await state.clear()
    topic_id, source = topic.id, topic.source_lang
    original = topic_service.topic_name(topic, source)
    missing = topic_service.missing_languages(topic)
    await session.commit()  # the translator's cache needs the database while we wait for the network
    results = {lang: await translator.translate(original, source, lang) for lang in missing}
    topic = await topic_service.get_topic(session, topic_id)
    if topic is None:
        return
    for lang, name in results.items():
        cleaned = topic_service.clean_name(name or "")
        if cleaned:
            topic_service.set_name(topic, lang, cleaned)
    await _send_topic_screen(query.message, tr, topic, translator)
