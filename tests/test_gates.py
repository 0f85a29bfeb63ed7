"""Routers' gates (handlers/gates.py): a gate turns away only updates that none of its router's handlers
would take, and turns away most of what is not for its router."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Router
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Chat, Message, User

from bot import wiring
from handlers import gates
from handlers.gates import CallbackPrefixGate, CommandOrStateGate

BOT = Bot("123456:TEST-token")
PERSON = User(id=7, is_bot=False, first_name="P", language_code="de")


def message(text: str | None = None, *, caption: str | None = None, chat: str = "private") -> Message:
    return Message(
        message_id=1,
        date=datetime(2026, 3, 23, tzinfo=UTC),
        chat=Chat(id=7 if chat == "private" else -5, type=chat),
        from_user=PERSON,
        text=text,
        caption=caption,
    ).as_(BOT)


def press(data: str) -> CallbackQuery:
    return CallbackQuery(id="1", from_user=PERSON, chat_instance="c", data=data, message=message("menu")).as_(
        BOT
    )


def all_states() -> list[str | None]:
    states: set[str] = set()
    for router in wiring.routers():
        for handler in router.message.handlers:
            for item in handler.filters or ():
                for state in getattr(item.callback, "states", (item.callback,)):
                    if isinstance(getattr(state, "state", None), str):
                        states.add(state.state)
    return [None, *sorted(states)]


def all_prefixes() -> list[str]:
    prefixes: set[str] = set()
    for router in wiring.routers():
        for handler in router.callback_query.handlers:
            for item in handler.filters or ():
                if isinstance(item.callback, CallbackQueryFilter):
                    prefixes.add(item.callback.callback_data.__prefix__)
    return sorted(prefixes)


async def passes(router: Router, observer: str, event: Any, raw_state: str | None) -> tuple[bool, bool]:
    """(the router's gate lets it in, some handler of the router would take it on its own filters)"""
    kwargs = {"bot": BOT, "raw_state": raw_state, "event_from_user": PERSON, "event_chat": None}
    root = router.observers[observer]._handler.filters or []
    gate = [f for f in root if isinstance(f.callback, CommandOrStateGate | CallbackPrefixGate)]
    flow_filters = [f for f in root if f not in gate]
    gate_ok = all([(await f.call(event, **kwargs)) is not False for f in gate])
    for handler in router.observers[observer].handlers:
        ok = True
        for item in [*flow_filters, *(handler.filters or ())]:
            try:
                if not await item.call(event, **kwargs):
                    ok = False
                    break
            except Exception:  # a filter that needs more context than given here: count it as taking it
                break
        if ok:
            return gate_ok, True
    return gate_ok, False


TEXTS = ["Wo ist die Kita?", "/start", "  /book", "/unknown", "/", "سلام", "", "!help"]


@pytest.mark.parametrize("raw_state", all_states())
async def test_a_gate_turns_away_no_message_a_handler_of_its_router_would_take(raw_state: str | None) -> None:
    events = [message(t) for t in TEXTS if t] + [message(caption="/book"), message(caption="ein Foto")]
    events += [message("/start", chat="supergroup"), message("Hallo", chat="group")]
    for router in wiring.routers():
        for event in events:
            gate_ok, taken = await passes(router, "message", event, raw_state)
            assert gate_ok or not taken, (router.name, event.text or event.caption, raw_state)


async def test_a_gate_turns_away_no_button_a_handler_of_its_router_would_take() -> None:
    data = [f"{p}:{tail}" for p in all_prefixes() for tail in ("1", "x:y", "")] + ["", "junk", "a:b:c"]
    for router in wiring.routers():
        for item in data:
            gate_ok, taken = await passes(router, "callback_query", press(item), None)
            assert gate_ok or not taken, (router.name, item)


async def test_free_text_and_buttons_skip_most_routers_at_the_gate() -> None:
    routers = wiring.routers()  # those with no handler for the kind of update cost nothing, as before
    question = message("Wo ist die Kita?")
    let_in = [
        r.name for r in routers if r.message.handlers and (await passes(r, "message", question, None))[0]
    ]
    assert len(let_in) <= len(routers) // 3, let_in  # only the routers that take free text
    assert "faq.ask" in let_in and "core.fallback" in let_in
    book = press(f"{all_prefixes()[0]}:1")
    let_in = [
        r.name
        for r in routers
        if r.callback_query.handlers and (await passes(r, "callback_query", book, None))[0]
    ]
    assert len(let_in) <= len(routers) // 3, let_in


async def test_the_gates_read_a_command_as_aiogram_does() -> None:
    gate = CommandOrStateGate("/", frozenset({"Dialog:step"}))
    assert await gate(message("  /book"))  # aiogram's Command reads after leading white space
    assert await gate(message(caption="/book"))  # and reads a caption
    assert not await gate(message("book"))
    assert not await gate(message(caption=""))
    assert await gate(message("some answer"), raw_state="Dialog:step")
    assert not await gate(message("some answer"), raw_state="Other:step")
    pressed = CallbackPrefixGate([(":", "bk"), ("|", "x")])
    assert await pressed(press("bk:1:2")) and await pressed(press("x|1"))
    assert not await pressed(press("bkx:1")) and not await pressed(press("x:1"))


def test_a_handler_that_could_take_anything_leaves_its_router_without_a_gate() -> None:
    from aiogram import F
    from aiogram.filters import Command

    from handlers.callbacks import MenuCb

    assert gates.message_gate([(Command("book"),), (F.text,)]) is None
    assert gates.message_gate([(Command("book"),)]) is not None
    assert gates.callback_gate([(MenuCb.filter(),), (F.data == "x",)]) is None
    assert gates.callback_gate([(MenuCb.filter(),)]) is not None


def leaves(routers: list[Router]) -> list[str]:
    return [name for r in routers for name in (leaves(r.sub_routers) if r.sub_routers else [r.name])]


async def gate_passes(router: Router, observer: str, event: Any, raw_state: str | None) -> bool:
    kwargs = {"bot": BOT, "raw_state": raw_state, "event_from_user": PERSON, "event_chat": None}
    return all([await f.call(event, **kwargs) for f in router.observers[observer]._handler.filters or []])


def test_grouping_keeps_every_router_in_its_order_and_a_question_meets_few_of_them() -> None:
    routers = wiring.routers()
    grouped = gates.group_gated(routers)
    assert leaves(grouped) == [r.name for r in routers]
    assert [r for r in grouped if r.sub_routers], "no run of gated routers was grouped"
    before_the_faq = [r.name for r in grouped][: [r.name for r in grouped].index("faq.ask")]
    assert len(before_the_faq) <= len(routers) // 3, before_the_faq


async def test_a_group_lets_in_exactly_what_one_of_its_routers_lets_in() -> None:
    groups = [r for r in gates.group_gated(wiring.routers()) if r.sub_routers]
    events = [message(t) for t in TEXTS if t] + [message(caption="/book"), message(caption="ein Foto")]
    for group in groups:
        for raw_state in all_states():
            for event in events:
                inside = [
                    await gate_passes(r, "message", event, raw_state)
                    for r in group.sub_routers
                    if r.message.handlers
                ]
                assert await gate_passes(group, "message", event, raw_state) == any(inside), (
                    group.name,
                    raw_state,
                )
        data = [f"{p}:{tail}" for p in all_prefixes() for tail in ("1", "")] + ["", "junk", "a:b:c"]
        for item in data:
            inside = [
                await gate_passes(r, "callback_query", press(item), None)
                for r in group.sub_routers
                if r.callback_query.handlers
            ]
            assert await gate_passes(group, "callback_query", press(item), None) == any(inside), (
                group.name,
                item,
            )


async def test_a_group_turns_away_the_kinds_of_update_none_of_its_routers_takes() -> None:
    group = next(r for r in gates.group_gated(wiring.routers()) if r.sub_routers)
    assert not any(r.edited_message.handlers for r in group.sub_routers)
    assert not await gate_passes(group, "edited_message", message("Wo ist die Kita?"), None)


def test_a_router_with_an_ungated_handler_stays_out_of_the_groups() -> None:
    from aiogram import F
    from aiogram.filters import Command

    from handlers.kit import Flow

    def flow(name: str, *filters: Any) -> Router:
        made = Flow(name)
        made.message(*filters)(lambda message: None)
        return made.build()

    routers = [
        flow("a", Command("a")),
        flow("b", Command("b")),
        flow("free", F.text),
        flow("c", Command("c")),
    ]
    grouped = gates.group_gated(routers)
    assert [(r.name, [s.name for s in r.sub_routers]) for r in grouped] == [
        ("a..b", ["a", "b"]),
        ("free", []),
        ("c", []),
    ]
