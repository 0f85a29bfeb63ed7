"""`python -m bot users ...`: helpers and organizers from the command line.

users list            helpers and organizers: id, role, (ORGANIZER_IDS) when listed there, languages
users demote ID       make a helper or organizer a visitor; what they had taken goes back to the others
                      at once (as /helpers does in the bot); an audit line without an actor
                      (an organizer listed in ORGANIZER_IDS is taken off that list instead)
"""

from __future__ import annotations

import argparse
import asyncio

from bot.assignments.options import areas
from bot.clock import Clock
from bot.config import Settings, load_settings
from bot.services import roles

WHY_NOT = {
    roles.Refusal.NOT_STAFF: "is not a helper or organizer",
    roles.Refusal.CONFIGURED: "is listed in ORGANIZER_IDS: take them off that list and restart the bot",
    roles.Refusal.SELF: "cannot remove themself",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "users",
        help="helpers and organizers: list, demote",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    users = parser.add_subparsers(dest="users_command", metavar="<users command>", required=True)
    users.add_parser("list", help="helpers and organizers").set_defaults(func=_cmd_list)
    p = users.add_parser("demote", help="make a helper or organizer a visitor")
    p.add_argument("user_id", type=int)
    p.set_defaults(func=_cmd_demote)


def _cmd_list(args: argparse.Namespace) -> int:
    for line in asyncio.run(list_lines(load_settings())):
        print(line)
    return 0


def _cmd_demote(args: argparse.Namespace) -> int:
    ok, line = asyncio.run(demote(load_settings(), args.user_id))
    print(line)
    return 0 if ok else 1


async def list_lines(settings: Settings, clock: Clock | None = None) -> list[str]:
    from storage.db import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            members = await roles.staff(session, clock or Clock(), None, settings.organizer_ids)
    finally:
        await engine.dispose()
    listed = set(settings.organizer_ids)
    return [
        f"{m.user_id} {m.role}{' (ORGANIZER_IDS)' if m.user_id in listed else ''}"
        f"{' ' + ','.join(m.languages) if m.languages else ''}"
        for m in members
    ] or ["no helpers or organizers"]


async def demote(settings: Settings, user_id: int, clock: Clock | None = None) -> tuple[bool, str]:
    from storage.db import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            removal = await roles.remove(
                session, clock or Clock(), None, user_id, settings.organizer_ids, areas(settings.areas_file)
            )
            await session.commit()
    finally:
        await engine.dispose()
    if removal.refusal is not None:
        return False, f"error: {user_id} {WHY_NOT[removal.refusal]}"
    handover = removal.handover
    return True, (
        f"{user_id} was {removal.role}, is a visitor now; {handover.alerts} queued alert(s) withdrawn, "
        f"{len(handover.assignments)} assignment(s) and {len(handover.questions)} question(s) open again"
    )
