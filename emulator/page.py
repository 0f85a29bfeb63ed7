"""The web chat page of the demo (static/chat.html) and the people it lets you be.

The page talks to the emulator only through the control API (/_emu/*); this module serves the page
and sets up its personas: people who have pressed Start, and the groups they are in.

What a person can do there: write, tap buttons, reply to a message (↩︎; the quote stands above the input),
send the sample photo of a letter or voice note (static/samples/, made by scripts/make_demo_samples.py) or
a location (📎), and pick one of the commands the bot set for that chat and language (/). Photos, voice
notes, documents and locations the bot sends or copies are shown as such.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from emulator.world import World

__all__ = ["STATIC_DIR", "add_page_routes", "page_config", "register_personas"]

STATIC_DIR = Path(__file__).parent / "static"


def add_page_routes(app: web.Application) -> None:
    app.router.add_get("/", _handle_page)
    app.router.add_static("/static/", STATIC_DIR)


async def _handle_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "chat.html")


def register_personas(world: World, personas: list[dict[str, Any]]) -> None:
    """Users for the persona entries with no chat or a private one; groups for negative chat ids."""
    people = [p for p in personas if not p.get("chat_id") or int(p["chat_id"]) > 0]
    for persona in people:
        world.add_user(
            int(persona["user_id"]),
            language_code=persona.get("language_code"),
            first_name=persona.get("first_name") or persona.get("label"),
            started=True,  # the demo's people have pressed Start, so alerts can reach them
        )
    for persona in personas:
        chat_id = int(persona.get("chat_id") or 0)
        if chat_id < 0 and chat_id not in world.chats:
            title = persona.get("title") or persona.get("label") or "Group"
            world.add_group(chat_id, title, [int(p["user_id"]) for p in people])


def page_config(world: World, token: str, personas: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page needs to start: the bot, the personas, the groups, how often to poll."""
    return {
        "bot": {**world.bot_user(token), "username": world.bot_username},
        "personas": personas,
        "groups": [c.chat for c in world.chats.values() if c.id < 0],
        "poll_ms": 700,
    }
