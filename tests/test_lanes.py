"""The text lane (handlers/lanes.py): a private text that is no command, outside any dialog, is offered only
to the routers whose filters may take it, and it ends where aiogram's own routing would take it."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message, Update

from handlers.lanes import LaneDispatcher, refuses_texts


class Asking(StatesGroup):
    question = State()


async def is_someone(message: Message) -> bool:
    return message.text == "function"


def build(taken: list[str]) -> LaneDispatcher:
    """Routers of each kind, each recording which handler took the message."""

    def record(name: str) -> Any:
        async def handler(message: Message) -> None:
            taken.append(name)

        return handler

    dp = LaneDispatcher()
    routers: dict[str, Router] = {name: Router(name=name) for name in ROUTERS}
    routers["command"].message(Command("start"))(record("command"))
    routers["state"].message(StateFilter(Asking.question))(record("state"))
    routers["photo"].message(F.photo | F.document.mime_type.startswith("image/"))(record("photo"))
    routers["group"].message(F.chat.type.in_({"group", "supergroup"}), F.text)(record("group"))
    routers["function"].message(is_someone)(record("function"))
    routers["menu_text"].message(F.text == "menu")(record("menu_text"))
    routers["photo_only"].message.filter(F.photo)  # a router-level filter refuses texts for all its handlers
    routers["photo_only"].message(F.text)(record("photo_only"))
    routers["mixed"].message(F.voice)(record("mixed voice"))
    routers["mixed"].message(F.text == "mixed")(record("mixed text"))
    routers["question"].message(F.chat.type == "private", F.text, ~F.text.startswith("/"), StateFilter(None))(
        record("question")
    )
    routers["fallback"].message()(record("fallback"))
    dp.include_routers(*routers.values())
    return dp


ROUTERS = (
    "command", "state", "photo", "group", "function", "menu_text", "photo_only", "mixed", "question", "fallback",
)  # fmt: skip


def test_the_lane_keeps_the_routers_that_may_take_a_text() -> None:
    dp = build([])
    prefixes, lane = dp.text_lane()
    assert prefixes == "/"
    assert [r.name for r in lane] == ["function", "menu_text", "mixed", "question", "fallback"]


def message(text: str | None = None, chat_type: str = "private", **more: Any) -> dict[str, Any]:
    chat = {"id": 7 if chat_type == "private" else -100, "type": chat_type}
    return {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": chat,
        "from": {"id": 7, "is_bot": False, "first_name": "A"},
        **({"text": text} if text is not None else {}),
        **more,
    }


PHOTO = {"photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (message("Wo ist der Deutschkurs?"), "question"),
        (message("function"), "function"),
        (message("menu"), "menu_text"),
        (message("mixed"), "mixed text"),
        (message("/start"), "command"),
        (message("  /start"), "command"),  # a command after white space is still a command (not the lane's)
        (message(**PHOTO), "photo"),
        (message("hallo", chat_type="group"), "group"),
        (message(**{"voice": {"file_id": "v", "file_unique_id": "w", "duration": 1}}), "mixed voice"),
        (message("/unknown"), "fallback"),
    ],
)
async def test_each_message_ends_where_aiogram_would_take_it(raw: dict[str, Any], expected: str) -> None:
    bot = Bot("123:abc")
    for lane in (True, False):
        taken: list[str] = []
        dp = build(taken)
        if not lane:  # aiogram's own routing, every router in turn
            dp.text_lane = lambda dp=dp: ("", tuple(dp.sub_routers))  # type: ignore[method-assign,misc]
        await dp.feed_update(
            bot, Update.model_validate({"update_id": 1, "message": raw}, context={"bot": bot})
        )
        assert taken == [expected], (lane, raw)
    await bot.session.close()


async def test_in_a_dialog_a_text_goes_the_usual_way() -> None:
    bot = Bot("123:abc")
    taken: list[str] = []
    dp = build(taken)
    update = Update.model_validate({"update_id": 1, "message": message("my question")}, context={"bot": bot})
    state = dp.fsm.resolve_context(bot, chat_id=7, user_id=7)
    await state.set_state(Asking.question)
    await dp.feed_update(bot, update)
    assert taken == ["state"]
    await bot.session.close()


def test_filters_it_cannot_read_keep_a_router_in_the_lane() -> None:
    """A filter on the text, the sender or anything unknown may take a text; a magic filter on the chat's
    type or on media decides for every text from one sample."""
    from aiogram.dispatcher.event.handler import FilterObject

    def refuses(check: Any) -> bool:
        return refuses_texts(FilterObject(callback=check), "/")

    assert refuses(F.photo) and refuses(F.chat.type == "group") and refuses(F.caption)
    assert refuses(Command("help")) and refuses(StateFilter(Asking.question))
    assert not refuses(F.text) and not refuses(F.from_user.id == 7) and not refuses(F.chat.type == "private")
    assert not refuses(StateFilter(None)) and not refuses(StateFilter("*")) and not refuses(is_someone)
    assert not refuses(F.text.as_("words")) and not refuses(F.photo | F.text)
    assert not refuses(Command("help", prefix="!"))  # its prefix is not the lane's: it may take such texts
