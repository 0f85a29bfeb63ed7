"""The Bot API emulator on its own: Telegram's answers, limits and the control API.

Most tests drive it with aiogram's real Bot over HTTP, the path the end-to-end tests use.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from aiohttp import ClientSession, web

from emulator import BotAPIEmulator, EmulatorClient, EntityParseError, parse_html
from emulator.html_entities import utf16_len

USER = 1001
OTHER = 1002
GROUP = -1001234567890


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    client = Bot(emu.token, session=session)
    yield client
    await session.close()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


async def raw(
    http: ClientSession, emu: BotAPIEmulator, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """A call as JSON, bypassing aiogram's client-side checks."""
    async with http.post(f"{emu.base_url}/bot{emu.token}/{method}", json=params) as resp:
        return resp.status, await resp.json()


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


# ---------------------------------------------------------------- validation against the spec


async def test_unknown_method_is_404_and_a_violation(emu: BotAPIEmulator, http: ClientSession) -> None:
    status, body = await raw(http, emu, "sendMesage", chat_id=USER, text="hi")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert emu.violations[-1]["method"] == "sendMesage"


async def test_method_names_are_case_insensitive(emu: BotAPIEmulator, http: ClientSession) -> None:
    emu.user_sends(USER, "hallo")
    status, body = await raw(http, emu, "SENDMESSAGE", chat_id=USER, text="hi")
    assert status == 200 and body["ok"] is True
    assert body["result"]["text"] == "hi"
    assert emu.violations == []


async def test_missing_required_field_is_400(emu: BotAPIEmulator, http: ClientSession) -> None:
    emu.user_sends(USER, "hallo")
    status, body = await raw(http, emu, "sendMessage", chat_id=USER)
    assert status == 400
    assert body["description"] == "Bad Request: text is required"
    assert emu.violations[-1]["description"] == "Bad Request: text is required"
    assert emu.bot_messages(USER) == []


async def test_unknown_parameter_is_400_and_recorded(emu: BotAPIEmulator, http: ClientSession) -> None:
    emu.user_sends(USER, "hallo")
    status, body = await raw(http, emu, "sendMessage", chat_id=USER, text="hi", colour="blue")
    assert status == 400
    assert "colour" in body["description"]
    assert emu.violations[-1]["params"]["colour"] == "blue"


async def test_nested_types_and_required_fields_are_checked(emu: BotAPIEmulator, http: ClientSession) -> None:
    emu.user_sends(USER, "hallo")
    no_text = {"inline_keyboard": [[{"callback_data": "x"}]]}
    status, body = await raw(http, emu, "sendMessage", chat_id=USER, text="hi", reply_markup=no_text)
    assert status == 400
    assert body["description"] == "Bad Request: reply_markup.inline_keyboard[0][0].text is required"
    wrong_type = {"inline_keyboard": [[{"text": "a", "callback_data": ["x"]}]]}
    status, body = await raw(http, emu, "sendMessage", chat_id=USER, text="hi", reply_markup=wrong_type)
    assert status == 400 and "callback_data" in body["description"]
    status, body = await raw(http, emu, "sendMessage", chat_id=USER, text="hi", disable_notification="maybe")
    assert status == 400 and body["description"] == "Bad Request: disable_notification must be Boolean"
    assert len(emu.violations) == 3


async def test_form_encoded_call_with_json_encoded_markup(emu: BotAPIEmulator, http: ClientSession) -> None:
    emu.user_sends(USER, "hallo")
    markup = json.dumps({"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]})
    form = {"chat_id": str(USER), "text": "Frage?", "reply_markup": markup, "disable_notification": "true"}
    async with http.post(f"{emu.base_url}/bot{emu.token}/sendMessage", data=form) as resp:
        body = await resp.json()
    assert resp.status == 200, body
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"


async def test_method_in_spec_but_not_emulated_is_a_violation(
    emu: BotAPIEmulator, http: ClientSession
) -> None:
    emu.user_sends(USER, "hallo")
    status, body = await raw(http, emu, "sendDice", chat_id=USER)
    assert status == 400
    assert "emulator: method sendDice not implemented" in body["description"]
    assert emu.violations[-1]["method"] == "sendDice"


# ---------------------------------------------------------------- Telegram's limits


async def test_text_limit_is_4096_utf16_units_after_stripping(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    ok = await bot.send_message(USER, "a" * 4096)
    assert len(ok.text or "") == 4096
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "a" * 4097)
    # an emoji outside the BMP counts twice, as in UTF-16
    await bot.send_message(USER, "😀" * 2048)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER, "😀" * 2049)
    # surrounding whitespace is stripped first
    await bot.send_message(USER, "  " + "a" * 4096 + "\n\n")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(USER, " \n ")
    assert [len(m["text"]) for m in emu.bot_messages(USER)] == [4096, 2048, 4096]


async def test_caption_limit_is_1024(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    document = BufferedInputFile(b"x", "x.txt")
    await bot.send_document(USER, document, caption="c" * 1024)
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_document(USER, BufferedInputFile(b"x", "x.txt"), caption="c" * 1025)


async def test_html_with_unescaped_lt_cannot_be_parsed(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER, "Termin <b>morgen</b> für a < b", parse_mode="HTML")
    sent = await bot.send_message(USER, "Termin <b>morgen</b> &lt;9 Uhr&gt;", parse_mode="HTML")
    assert sent.text == "Termin morgen <9 Uhr>"
    stored = emu.bot_messages(USER)[-1]
    assert stored["html"] == "Termin <b>morgen</b> &lt;9 Uhr&gt;"
    assert stored["entities"] == [{"type": "bold", "offset": 7, "length": 6}]
    assert emu.violations[0]["description"].startswith("Bad Request: can't parse entities")


async def test_callback_data_longer_than_64_bytes_is_rejected(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    fits = "ä" * 32  # 64 bytes in UTF-8
    await bot.send_message(
        USER, "ok", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data=fits))
    )
    too_long = fits + "a"
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            USER, "no", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data=too_long))
        )
    with pytest.raises(TelegramBadRequest, match="non-empty"):
        await bot.send_message(
            USER, "no", reply_markup=keyboard(InlineKeyboardButton(text=" ", callback_data="x"))
        )
    assert len(emu.bot_messages(USER)) == 1


async def test_answer_callback_query_is_recorded_and_limited(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    sent = await bot.send_message(
        USER, "?", reply_markup=keyboard(InlineKeyboardButton(text="Ja", callback_data="yes"))
    )
    press = emu.user_presses(USER, sent.message_id, "yes")
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.answer_callback_query(press["id"], text="x" * 201)
    assert await bot.answer_callback_query(press["id"], text="Gespeichert")
    assert press["answered"] and press["text"] == "Gespeichert"
    assert emu.messages(USER)[-1]["callback_answers"][0]["text"] == "Gespeichert"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(press["id"])
    with pytest.raises(ValueError, match="no button"):
        emu.user_presses(USER, sent.message_id, "not-a-button")


async def test_set_my_commands_rules_and_storage(emu: BotAPIEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Beginnen")], language_code="de")
    assert emu.commands("de") == [{"command": "start", "description": "Beginnen"}]
    assert emu.commands("") == []
    listed = await bot.get_my_commands(language_code="de")
    assert [(c.command, c.description) for c in listed] == [("start", "Beginnen")]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    with pytest.raises(TelegramBadRequest):
        await bot.set_my_commands([BotCommand(command=f"c{i}", description="x") for i in range(101)])
    await bot.delete_my_commands(language_code="de")
    assert emu.commands("de") == []


async def test_command_menu_follows_telegrams_scopes_and_languages(emu: BotAPIEmulator, bot: Bot) -> None:
    """What the page's "/" menu shows: the narrowest scope with a list, the user's language first."""
    emu.add_user(USER, "ar")
    emu.add_group(GROUP, "Helfer", [USER])
    assert emu.chat_commands(USER, USER, "ar") == []
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands([BotCommand(command="start", description="ابدأ")], language_code="ar")
    assert emu.chat_commands(USER, USER, "ar")[0]["description"] == "ابدأ"
    assert emu.chat_commands(USER, USER, "de")[0]["description"] == "Start"  # no German list: the default
    assert emu.chat_commands(USER, USER, "ar-SA")[0]["description"] == "ابدأ"  # a regional code
    await bot.set_my_commands(
        [BotCommand(command="assignments", description="Einsätze")], scope=BotCommandScopeChat(chat_id=USER)
    )
    assert [c["command"] for c in emu.chat_commands(USER, USER, "ar")] == [
        "assignments"
    ]  # chat before language
    await bot.set_my_commands(
        [BotCommand(command="group", description="Gruppe")], scope=BotCommandScopeAllGroupChats()
    )
    assert [c["command"] for c in emu.chat_commands(GROUP, USER, "ar")] == ["group"]
    assert [c["command"] for c in emu.chat_commands(OTHER, OTHER, "")] == ["start"]  # another private chat
    async with EmulatorClient(emu.base_url) as control:
        assert await control.chat_commands(USER, USER, "ar") == emu.chat_commands(USER, USER, "ar")


# ---------------------------------------------------------------- updates


async def test_get_updates_long_polling_and_offset_confirmation(emu: BotAPIEmulator, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()  # long polling waits for an update
    sent = emu.user_sends(USER, "/start", language_code="uk")
    updates = await asyncio.wait_for(poll, 5)
    assert loop.time() - started < 5
    assert [u.update_id for u in updates] == [sent["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.entities is not None and message.entities[0].type == "bot_command"
    assert message.from_user is not None and message.from_user.language_code == "uk"
    # without confirmation the update comes again; offset confirms it
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [sent["update_id"]]
    assert await bot.get_updates(offset=sent["update_id"] + 1, timeout=0) == []
    assert emu.pending_updates == []


async def test_second_long_poll_ends_the_first_with_409(emu: BotAPIEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(bot.get_updates(timeout=10))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 5)
    sent = emu.user_sends(USER, "hallo")
    assert [u.update_id for u in await asyncio.wait_for(second, 5)] == [sent["update_id"]]


async def test_reset_keeps_bot_setup_and_growing_update_ids(emu: BotAPIEmulator, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    before = emu.user_sends(USER, "eins")
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(USER, "a < b", parse_mode="HTML")
    assert emu.violations
    emu.reset()
    assert emu.messages(USER) == [] and emu.violations == [] and emu.pending_updates == []
    assert emu.stats["calls_total"] == 0
    assert emu.commands() == [{"command": "start", "description": "Start"}]
    after = emu.user_sends(USER, "zwei")
    assert after["update_id"] > before["update_id"]
    assert [u.update_id for u in await bot.get_updates(offset=before["update_id"] + 1)] == [
        after["update_id"]
    ]


async def test_get_updates_times_out_empty(emu: BotAPIEmulator, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= loop.time() - started < 3


async def test_webhook_delivery_with_secret_and_retry(emu: BotAPIEmulator, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    answers = iter([500])  # the first delivery fails and must be re-sent

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=next(answers, 200))

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    emu.webhook_backoff = 0.05
    try:
        assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        sent = emu.user_sends(USER, "hallo")
        await emu.wait_until(lambda: len(received) >= 2, timeout=5)
        assert [secret for secret, _ in received] == ["s3cr3t", "s3cr3t"]
        assert [body["update_id"] for _, body in received] == [sent["update_id"]] * 2
        assert received[0][1]["message"]["text"] == "hallo"
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


async def test_webhook_answer_may_carry_a_method_call(emu: BotAPIEmulator, bot: Bot) -> None:
    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        reply = {"method": "sendMessage", "chat_id": update["message"]["chat"]["id"], "text": "pong"}
        return web.json_response(reply)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        emu.user_sends(USER, "ping")
        reply = await emu.wait_for(USER)
        assert reply["text"] == "pong"
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


# ---------------------------------------------------------------- chats, blocking, groups


async def test_blocked_user_gives_403(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    await bot.send_message(USER, "vorher")
    emu.block(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "nachher")
    assert emu.pending_updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert [m["text"] for m in emu.bot_messages(USER)] == ["vorher"]
    assert emu.violations == []  # a 403 is a situation to handle, not the bot's mistake


async def test_unknown_chat_and_never_started_user(emu: BotAPIEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999_999, "hallo")
    emu.add_user(OTHER, language_code="fa", started=False)
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(OTHER, "hallo")
    emu.add_user(OTHER)  # registered users have pressed Start by default
    assert (await bot.send_message(OTHER, "jetzt")).chat.id == OTHER


async def test_group_messages_and_group_limit(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.add_group(GROUP, "Helfer", [USER, OTHER])
    user_message = emu.user_sends(OTHER, "Wer übernimmt?", chat_id=GROUP)
    assert user_message["chat_id"] == GROUP
    chat = await bot.get_chat(GROUP)
    assert chat.type == "supergroup" and chat.title == "Helfer"
    emu.configure_faults(group_per_minute=2)
    await bot.send_message(GROUP, "1")
    await bot.send_message(GROUP, "2")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(GROUP, "3")
    assert 1 <= caught.value.retry_after <= 60
    assert [m["text"] for m in emu.bot_messages(GROUP)] == ["1", "2"]


# ---------------------------------------------------------------- faults and limits


async def test_global_rate_limit_gives_429_with_retry_after(emu: BotAPIEmulator, bot: Bot) -> None:
    for user in range(1, 6):
        emu.user_sends(user, "hallo")
    emu.configure_faults(global_per_second=3)
    for user in range(1, 4):
        await bot.send_message(user, "ok")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(4, "zu schnell")
    assert caught.value.retry_after == 1
    assert emu.stats["responses_429"] == 1
    assert emu.stats["messages_delivered"] == 3
    await asyncio.sleep(1.05)
    await bot.send_message(4, "wieder ok")
    emu.configure_faults(global_per_second=None)
    for _ in range(5):
        await bot.send_message(5, "frei")


async def test_per_chat_rate_limit(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    emu.user_sends(OTHER, "hallo")
    emu.configure_faults(chat_per_second=1)
    await bot.send_message(USER, "eins")
    await bot.send_message(OTHER, "anderer Chat")  # other chats are not held back
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(USER, "zwei")


async def test_random_faults_are_seeded_and_counted(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    emu.configure_faults(fault_ratio=1.0, fault_kinds=["500"], seed=7)
    with pytest.raises(TelegramServerError):
        await bot.send_message(USER, "x")
    emu.configure_faults(fault_kinds=["502"])
    with pytest.raises(TelegramServerError):
        await bot.send_message(USER, "x")
    emu.configure_faults(fault_kinds=["429"], fault_retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "x")
    assert caught.value.retry_after == 3
    assert await bot.get_me()  # only sending methods fail at random by default
    stats = emu.stats
    assert stats["responses_5xx"] == 2 and stats["responses_429"] == 1
    assert emu.bot_messages(USER) == []

    def outcomes(seed: int) -> list[bool]:
        emu.configure_faults(fault_ratio=0.5, fault_kinds=["500"], seed=seed)
        return [emu._pick_fault("sendMessage") is not None for _ in range(20)]

    first = outcomes(42)
    assert first == outcomes(42) and any(first) and not all(first)


async def test_timeout_fault_still_delivers_after_the_client_gave_up(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    emu.configure_faults(fault_ratio=1.0, fault_kinds=["timeout"], fault_delay=0.6)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(USER, "verloren?", request_timeout=0.2)  # type: ignore[arg-type]
    assert emu.bot_messages(USER) == []
    message = await emu.wait_for(USER, timeout=3)
    assert message["text"] == "verloren?"
    assert emu.stats["timeouts"] == 1


# ---------------------------------------------------------------- messages: edit, delete, files


async def test_edit_not_modified_and_missing_messages(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user_sends(USER, "hallo")
    markup = keyboard(InlineKeyboardButton(text="Ja", callback_data="yes"))
    sent = await bot.send_message(USER, "<b>Frage</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>Frage</b>", chat_id=USER, message_id=sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    # the same text without the keyboard is a change: Telegram drops the keyboard
    edited = await bot.edit_message_text(
        "<b>Frage</b>", chat_id=USER, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, object)
    view = emu.bot_messages(USER)[-1]
    assert view["edited"] and view["reply_markup"] is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=USER, message_id=1)  # the user's own message
    assert await bot.delete_message(USER, sent.message_id)
    assert emu.messages(USER)[-1]["deleted"] is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


async def test_not_modified_after_a_double_tap_is_no_violation(emu: BotAPIEmulator, bot: Bot) -> None:
    """Two taps before the bot answers: both updates carry the message as it was, so the bot's second
    (identical) edit gets Telegram's 400, which it could not avoid; an identical edit without such a race
    stays a violation."""
    emu.user_sends(USER, "hallo")
    markup = keyboard(InlineKeyboardButton(text="Weiter", callback_data="next"))
    sent = await bot.send_message(USER, "Seite 1", reply_markup=markup)
    first = emu.user_presses(USER, sent.message_id, "next")
    emu.user_presses(USER, sent.message_id, "next")
    for _ in range(2):
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_text("Seite 2", chat_id=USER, message_id=sent.message_id)
    assert emu.messages(USER)[-1]["callback_answers"][0].keys() == first.keys() - {"pressed_at", "version"}
    assert emu.violations == []
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Seite 2", chat_id=USER, message_id=sent.message_id)
    assert len(emu.violations) == 1


async def test_send_document_is_stored_and_downloadable(
    emu: BotAPIEmulator, bot: Bot, http: ClientSession
) -> None:
    emu.user_sends(USER, "hallo")
    payload = b"Termin: Di 10:00\n" * 100
    sent = await bot.send_document(
        USER, BufferedInputFile(payload, "termin.ics"), caption="<i>Kalender</i>", parse_mode="HTML"
    )
    assert sent.document is not None and sent.document.file_name == "termin.ics"
    assert sent.caption == "Kalender"
    view = emu.bot_messages(USER)[-1]
    assert view["document"]["file_name"] == "termin.ics"
    assert emu.file_bytes(view["document"]["file_id"]) == payload
    async with http.get(emu.base_url + view["document"]["url"]) as resp:
        assert await resp.read() == payload
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == payload
    # sending again by file_id reuses the stored file
    again = await bot.send_document(USER, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(USER, "no-such-file-id")


async def test_venue_location_photo_copy_and_forward(emu: BotAPIEmulator, bot: Bot) -> None:
    question = emu.user_sends(USER, "Wo ist die Beratung?")
    emu.add_group(GROUP, "Helfer", [OTHER])
    venue = await bot.send_venue(
        USER,
        52.47,
        9.85,
        "Rathaus",
        "Bothfelder Str. 29",
        reply_parameters=ReplyParameters(message_id=question["message_id"]),
    )
    assert venue.venue is not None and venue.reply_to_message is not None
    await bot.send_location(USER, 52.47, 9.85)
    with pytest.raises(TelegramBadRequest, match="latitude"):
        await bot.send_location(USER, 91, 9.85)
    photo = await bot.send_photo(USER, BufferedInputFile(b"\xff\xd8jpeg", "plan.jpg"))
    assert photo.photo
    copied = await bot.copy_message(GROUP, USER, question["message_id"])
    forwarded = await bot.forward_message(GROUP, USER, question["message_id"])
    assert forwarded.forward_origin is not None
    group = emu.bot_messages(GROUP)
    assert [m["message_id"] for m in group] == [copied.message_id, forwarded.message_id]
    assert all(m["text"] == "Wo ist die Beratung?" for m in group)
    kinds = [m["kind"] for m in emu.bot_messages(USER)]
    assert kinds == ["venue", "location", "photo"]
    assert emu.bot_messages(USER)[0]["venue"]["address"] == "Bothfelder Str. 29"
    assert emu.stats["delivered_by_chat"] == {USER: 3, GROUP: 2}


async def test_user_kinds_produce_valid_updates(emu: BotAPIEmulator, bot: Bot) -> None:
    for kind in ("sticker", "photo", "voice", "location", "document"):
        emu.user_sends(USER, None, kind=kind, caption="c" if kind == "photo" else None)
    first = emu.user_sends(USER, "Hallo")
    emu.user_edits(USER, first["message_id"], "Hallo!")
    updates = await bot.get_updates(timeout=0)  # aiogram validates each update model
    assert [u.event_type for u in updates] == ["message"] * 6 + ["edited_message"]
    assert updates[0].message is not None and updates[0].message.sticker is not None
    assert updates[-1].edited_message is not None and updates[-1].edited_message.text == "Hallo!"


async def test_sent_files_voice_views_and_reply_quotes(emu: BotAPIEmulator, bot: Bot) -> None:
    """What the page shows: the photo and voice note a user sends (their own bytes), the voice note copied
    by the bot with its duration, and the start of the message a reply quotes."""
    photo_bytes, voice_bytes = b"\xff\xd8\xff\xe0 letter", b"OggS\x00 sample voice"
    async with EmulatorClient(emu.base_url) as control:
        await control.add_user(USER, "ar")
        photo = await control.user_sends(
            USER, None, kind="photo", data_base64=base64.b64encode(photo_bytes).decode(), caption="رسالة"
        )
        voice = await control.user_sends(
            USER, None, kind="voice", data_base64=base64.b64encode(voice_bytes).decode(), duration=7
        )
        assert await control.file_bytes(photo["photo"]["url"]) == photo_bytes
        assert await control.file_bytes(voice["voice"]["url"]) == voice_bytes
        with pytest.raises(Exception, match="400"):
            await control.user_sends(USER, None, kind="photo", data_base64="not base64!")
        with pytest.raises(Exception, match="400"):
            await control.user_sends(USER, None, kind="voice", duration=-1)
    assert voice["voice"]["duration"] == 7 and photo["text"] == "رسالة"
    updates = await bot.get_updates(timeout=0)
    assert updates[1].message is not None and updates[1].message.voice is not None
    assert updates[1].message.voice.duration == 7
    emu.add_group(GROUP, "Helfer", [OTHER])
    copied = await bot.copy_message(GROUP, USER, voice["message_id"])
    seen = emu.messages(GROUP)[-1]
    assert seen["message_id"] == copied.message_id and seen["kind"] == "voice"
    assert seen["voice"]["duration"] == 7 and seen["voice"]["url"] == voice["voice"]["url"]
    card = await bot.send_message(GROUP, "❓ Frage Nr. 1\n\nWo ist die Beratung?")
    reply = emu.user_sends(OTHER, "Im Rathaus.", GROUP, reply_to_message_id=card.message_id)
    assert reply["reply_to_message_id"] == card.message_id
    assert reply["reply_to_text"] == "❓ Frage Nr. 1\n\nWo ist die Beratung?"
    to_voice = emu.user_sends(OTHER, "Danke", GROUP, reply_to_message_id=copied.message_id)
    assert to_voice["reply_to_text"] == "voice"  # no text: what the message holds
    assert emu.violations == []


async def test_raw_update_and_legacy_params(emu: BotAPIEmulator, bot: Bot, http: ClientSession) -> None:
    update_id = emu.push_update(
        {
            "callback_query": {
                "id": "junk-1",
                "from": {"id": USER, "is_bot": False, "first_name": "X"},
                "chat_instance": "1",
                "data": "x" * 200,
            }
        }
    )
    assert emu.pending_updates[-1]["update_id"] == update_id
    assert await bot.answer_callback_query("junk-1")  # answering a hand-made query is fine
    emu.user_sends(USER, "hallo")
    # Telegram still honours reply_to_message_id (aiogram may send it); it is not a violation
    status, body = await raw(http, emu, "sendMessage", chat_id=USER, text="re", reply_to_message_id=1)
    assert status == 200 and body["result"]["reply_to_message"]["message_id"] == 1
    assert emu.violations == []


# ---------------------------------------------------------------- control API, logs, page


async def test_control_api_through_the_client(emu: BotAPIEmulator, bot: Bot) -> None:
    async with EmulatorClient(emu.base_url) as control:
        await control.add_user(USER, "ar", "Amal")
        sent = await control.user_sends(USER, "/start")
        assert sent["text"] == "/start" and sent["update_id"] == emu.last_update_id
        reply = await bot.send_message(
            USER, "مرحبا", reply_markup=keyboard(InlineKeyboardButton(text="نعم", callback_data="y"))
        )
        assert (await control.wait_for(USER, timeout=2))["text"] == "مرحبا"
        press = await control.user_presses(USER, reply.message_id, "y")
        await bot.answer_callback_query(press["id"], text="تم")
        assert (await control.callback(press["id"]))["text"] == "تم"
        await control.configure_faults(chat_per_second=5)
        assert (await control.faults())["chat_per_second"] == 5
        stats = await control.stats()
        assert stats["calls_by_method"]["sendMessage"] == 1
        assert stats["delivered_by_chat"] == {str(USER): 1}
        assert (await control.calls(method="answerCallbackQuery"))[0]["status"] == 200
        assert await control.violations() == []
        await bot.set_my_commands([BotCommand(command="hilfe", description="Hilfe")], language_code="ar")
        assert await control.commands("ar") == [{"command": "hilfe", "description": "Hilfe"}]
        config = await control.config()
        assert config["bot"]["username"] == "helfernetz_demo_bot"
        await control.block(USER)
        assert emu.is_blocked(USER)
        with pytest.raises(Exception, match="400"):
            await control.user_presses(USER, 999, "y")


async def test_call_log_is_bounded_but_counts_everything() -> None:
    async with BotAPIEmulator(call_log_size=5) as emu:
        for _ in range(12):
            await emu.process_call(emu.token, "getMe", {})
        assert len(emu.calls) == 5
        assert emu.stats["calls_total"] == emu.calls_total == 12
        assert emu.calls[-1] == ("getMe", {}, 200)


async def test_chat_page_is_served_with_personas() -> None:
    personas = [
        {"key": "refugee", "user_id": 2001, "label": "Geflüchtete", "language_code": "ar"},
        {"key": "staff", "user_id": 2002, "chat_id": -1002, "label": "Helfergruppe"},
    ]
    async with BotAPIEmulator(serve_page=True, personas=personas) as emu, ClientSession() as http:
        async with http.get(emu.base_url + "/") as resp:
            page = await resp.text()
        assert resp.status == 200
        for marker in ('id="persona"', 'id="text"', 'id="send"', "no real Telegram", 'id="open-commands"'):
            assert marker in page
        for sample in ("letter.jpg", "voice.ogg"):  # the files the page sends as a photo and a voice note
            async with http.get(f"{emu.base_url}/static/samples/{sample}") as resp:
                body = await resp.read()
            assert resp.status == 200 and 1000 < len(body) < 40_000, sample
            assert body.startswith(b"\xff\xd8" if sample.endswith(".jpg") else b"OggS"), sample
        async with http.get(emu.base_url + "/_emu/config") as resp:
            config = await resp.json()
        assert [p["key"] for p in config["personas"]] == ["refugee", "staff"]
        assert config["groups"][0]["id"] == -1002
        assert emu.messages(2001) == []  # the persona's chat exists but is empty


# ---------------------------------------------------------------- the HTML parser itself


def test_html_parser_entities_use_utf16_offsets() -> None:
    text, entities = parse_html('😀 <b>fett</b> <a href="https://x.org/?a=1&amp;b=2">Link</a>')
    assert text == "😀 fett Link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://x.org/?a=1&b=2"},
    ]
    assert utf16_len("😀") == 2
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre><blockquote expandable>q</blockquote>'
    )
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "expandable_blockquote", "offset": 5, "length": 1},
    ]
    assert parse_html("&#1605;&#x631;") == ("مر", [])


@pytest.mark.parametrize(
    "html",
    [
        "a < b",
        "<b>offen",
        "<b>x</i>",
        "</b>",
        "<br>",
        "<span>x</span>",
        "Tom & Jerry",
        "&nbsp;",
        '<a href="x>y',
    ],
)
def test_html_parser_rejects_what_telegram_rejects(html: str) -> None:
    with pytest.raises(EntityParseError):
        parse_html(html)
