"""Users, invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

from storage.base import Base
from storage.db import upsert_insert
from storage.models import HelperProfile, Invite, User
from storage.repositories.claims import update_if


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


_USER_MAPPER = User.__mapper__
# The order of `user_columns`: a tuple per person kept (storage.person_cache) takes a quarter of a dict.
_COLUMN_KEYS = tuple(attr.key for attr in _USER_MAPPER.column_attrs)
_ID = _COLUMN_KEYS.index("id")
_ROW = tuple(attr.columns[0] for attr in _USER_MAPPER.column_attrs)
_SIZE = len(_ROW)

# One statement object per set of columns, the person's id a parameter: SQLAlchemy finds a statement's
# compiled SQL by a key it computes by walking the statement, once per statement object. For a new statement
# on every update (with its subqueries) that walk cost about a quarter of the database part of a question.
_USER_WITH: dict[tuple[int, ...], tuple[Sequence[ColumnElement[Any]], Select[Any]]] = {}


def _user_with(columns: Sequence[ColumnElement[Any]]) -> Select[Any]:
    key = tuple(map(id, columns))
    cached = _USER_WITH.get(key)
    if cached is None:  # (the columns are kept with their statement: their ids stay theirs)
        if len(_USER_WITH) >= 32:  # built anew per call somewhere: still correct, only not kept
            _USER_WITH.clear()
        cached = _USER_WITH[key] = (columns, select(*_ROW, *columns).where(User.id == bindparam("user_id")))
    return cached[1]


async def get_user_with(
    session: AsyncSession, user_id: int, columns: Sequence[ColumnElement[Any]]
) -> tuple[User | None, tuple[Any, ...]]:
    """The user and more columns (subqueries, correlated on `users.id` or not), in one statement. Meant for
    a few fixed sets of columns (module constants), each kept with its statement.

    On PostgreSQL, as the first statement of a session's transaction (an update's first read), it is read
    on its own, in autocommit: one round trip instead of BEGIN, SELECT and COMMIT, and an update that reads
    nothing else (most questions) ends there. What the session does next begins a transaction anew, as
    after a person served from storage.person_cache. Measured: 70 µs of CPU less per read under load.

    The row is read as plain columns on the session's connection and put in the session by `attach_user`:
    the ORM's execution and loading of one entity cost more (callgrind, a question from someone new to the
    process: 7.15 against 6.98 million instructions). The connection, the statement and the commit go in
    one call into SQLAlchemy's greenlet, not three: 6.90 against 6.84 million."""
    statement = _user_with(columns)
    autocommit = not (
        session.in_transaction() or session.bind is None or session.bind.dialect.name != "postgresql"
    )
    return await session.run_sync(_read_user_with, statement, user_id, autocommit)


def _read_user_with(
    session: Session, statement: Select[Any], user_id: int, autocommit: bool
) -> tuple[User | None, tuple[Any, ...]]:
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else None
    row = session.connection(execution_options=options).execute(statement, {"user_id": user_id}).first()
    user = _attach(session, tuple(row[:_SIZE])) if row is not None else None
    if autocommit:
        # (nothing to commit: the connection goes back, reset to the default, and the person stays in the
        # session; after a failed read the caller's rollback gives it back, as for any statement)
        session.commit()
    return (user, tuple(row[_SIZE:])) if row is not None else (None, ())


def user_columns(user: User) -> tuple[Any, ...]:
    """The row's columns, as `attach_user` takes them (storage.person_cache keeps them)."""
    return tuple(getattr(user, key) for key in _COLUMN_KEYS)


def attach_user(session: AsyncSession, columns: tuple[Any, ...]) -> User:
    """The row as loaded, from its columns: in the session as if just read, with no statement (the person
    read with other values, or kept by storage.person_cache); the one the session holds, if it holds them.

    Set as SQLAlchemy's loading sets a row (the instance made without its constructor, the values put in
    its state with no change events): nothing to flush, as after a read. The constructor's change events
    and `make_transient_to_detached` cost nearly twice as much: about 90 against 50 µs in a loop on this
    VM, the session's own cost aside."""
    return _attach(session.sync_session, columns)


def _attach(session: Session, columns: tuple[Any, ...]) -> User:
    key = _USER_MAPPER.identity_key_from_primary_key((columns[_ID],))
    held = session.identity_map.get(key)
    if held is not None:
        return cast(User, held)
    user = _USER_MAPPER.class_manager.new_instance()
    state = instance_state(user)
    state.dict.update(zip(_COLUMN_KEYS, columns, strict=True))
    state.key = key
    session.add(user)
    return user


async def add_user_if_missing(session: AsyncSession, user_id: int, role: str, now: datetime) -> User:
    """Create the user row unless it exists; safe when two first updates of a person race."""
    stmt = upsert_insert(session)(User).values(id=user_id, role=role, created_at=now, is_active=True)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


async def set_language_if_unset(session: AsyncSession, user_id: int, lang: str) -> None:
    await session.execute(
        update(User).where(User.id == user_id, User.language.is_(None)).values(language=lang)
    )


async def set_active(session: AsyncSession, user_id: int, active: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(is_active=active))


async def change_role(
    session: AsyncSession,
    user_id: int,
    *,
    from_role: str,
    from_source: str | None,
    to_role: str,
    to_source: str | None,
) -> bool:
    """Set role and source only while they are still what the caller saw (two processes starting, two
    organizers pressing "remove": one change, one audit line); True when this call changed them."""
    same_source = User.role_source.is_(None) if from_source is None else User.role_source == from_source
    return await update_if(
        session,
        User,
        user_id,
        [User.role == from_role, same_source],
        {"role": to_role, "role_source": to_source},
    )


async def users_to_check(session: AsyncSession, listed: Sequence[int], *, role_source: str) -> Sequence[User]:
    """The people a list of organizers concerns: those on it, and those it made organizers before."""
    where = [User.role_source == role_source]
    if listed:
        where.append(User.id.in_(list(listed)))
    result = await session.scalars(select(User).where(or_(*where)).order_by(User.id))
    return result.all()


async def staff(session: AsyncSession, roles: Sequence[str]) -> Sequence[tuple[User, HelperProfile | None]]:
    """People with one of `roles`, with their helper profile if any; oldest first."""
    result = await session.execute(
        select(User, HelperProfile)
        .outerjoin(HelperProfile, HelperProfile.user_id == User.id)
        .where(User.role.in_(list(roles)))
        .order_by(User.created_at, User.id)
    )
    return [(row[0], row[1]) for row in result.all()]


async def add_invite(session: AsyncSession, invite: Invite) -> Invite:
    session.add(invite)
    await session.flush()
    return invite


async def claim_invite(session: AsyncSession, code: str, user_id: int, now: datetime) -> str | None:
    """Mark an unused, unexpired invite as used by `user_id` in one statement (no double use); its role."""
    claimed = await claim_invite_from(session, code, user_id, now)
    return None if claimed is None else claimed[0]


async def claim_invite_from(
    session: AsyncSession, code: str, user_id: int, now: datetime
) -> tuple[str, int | None] | None:
    """`claim_invite`, with who made the invite: (role, creator)."""
    result = await session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by=user_id)
        .returning(Invite.role, Invite.created_by)
    )
    row = result.first()
    return None if row is None else (str(row[0]), None if row[1] is None else int(row[1]))


async def invites_newest_first(session: AsyncSession, limit: int, offset: int = 0) -> Sequence[Invite]:
    result = await session.scalars(
        select(Invite).order_by(Invite.created_at.desc(), Invite.code).limit(limit).offset(offset)
    )
    return result.all()


async def get_invite(session: AsyncSession, code: str) -> Invite | None:
    return await session.get(Invite, code, populate_existing=True)


async def expire_invite_now(session: AsyncSession, code: str, now: datetime) -> bool:
    """An unused invite that has not expired yet expires at its own creation time (no new column: a link
    that expired when it was made is a revoked one); True when this call changed it."""
    result = await session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(expires_at=Invite.created_at)
    )
    return bool(result.rowcount)


async def lock_user(session: AsyncSession, user_id: int, *, deleting: bool = False) -> bool:
    """Row-lock the person until the end of the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serializes writers); False when there is no such person (any more).

    The lock (FOR NO KEY UPDATE) makes one person's writes wait for each other, but not other people's
    writes that merely refer to the person (a helper's answer queued for them: a foreign key takes FOR KEY
    SHARE), so those cannot deadlock with it. `deleting` (the erasure) takes FOR UPDATE, which waits for
    those too and makes them wait."""
    lock = select(User.id).where(User.id == user_id).with_for_update(key_share=not deleting)
    return await session.scalar(lock) is not None


async def delete_user(session: AsyncSession, user_id: int) -> None:
    """Erase the user row; foreign keys cascade (or null out) every row that references it."""
    await session.execute(delete(User).where(User.id == user_id))


def tables_referencing_users() -> list[tuple[str, str]]:
    """(table, column) pairs that hold a user id, for the privacy check of /deletedata."""
    pairs = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                pairs.append((table.name, column.name))
    return pairs
