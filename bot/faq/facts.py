"""The local facts in the database (table `local_facts`): the first import, an organizer's change, the file.

- First start: an empty table is filled from the facts file (`ensure_imported`). Several processes may
  start at once: each tries in a savepoint, and the one that comes second meets the first one's rows
  (primary key) and leaves them.
- A change (`save`, from the console): every value is validated for its kind (bot/local_facts/kinds.py);
  a value that differs from the stored one replaces it and loses its sample mark, one saved unchanged keeps
  it. The fact's `checked` month becomes this month when something changed, or when it is saved unchanged
  without any sample left ("still right"). Each change is an audit line with before and after.
- Every write advances the FAQ content's version (bot/faq/version.py): each bot process compares it before
  it answers and reads the facts again with the content (bot/faq/live.py), so a change reaches every
  process at once, without a restart.
- `replace_all` (`python -m bot facts import`) makes the table equal to a file; `load` gives what
  `python -m bot facts export` writes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import audit
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from bot.faq.version import bump_content_version
from bot.local_facts.kinds import Kind, Problem, validate
from bot.local_facts.model import ALL, FALLBACK_LANGUAGE, SAMPLE_MARK, Fact, LocalFacts, LocalFactsError
from bot.text import DEFAULT_TZ
from storage.models.local_facts import LocalFactRow
from storage.repositories import local_facts as repo

log = logging.getLogger(__name__)

CHANGED = "fact.changed"  # audit: a value changed (subject fact:<name>[:<lang>])
CHECKED = "fact.checked"  # audit: saved unchanged, the month it was checked moves on
IMPORTED = "fact.imported"  # audit: a value changed by `python -m bot facts import`
SUBJECT = "fact:"


class Saved(StrEnum):
    SAVED = "saved"  # at least one value changed
    CONFIRMED = "confirmed"  # nothing changed; the checked month moved on
    UNCHANGED = "unchanged"  # nothing changed (a sample stays a sample)
    INVALID = "invalid"  # a value is not valid for its kind: nothing was written
    CONFLICT = "conflict"  # someone changed the fact since the form was opened: nothing was written
    UNKNOWN = "unknown"  # no such fact


@dataclass(frozen=True)
class StoredFact:
    """A fact as the console shows it: the values, who changed it last and when, and the form's token."""

    fact: Fact
    languages: tuple[str, ...]  # the fields of its form: (ALL,) or every supported language
    updated_at: datetime
    updated_by: int | None
    token: str  # changes with every change of the fact (`save` refuses a form opened before it)


@dataclass
class SaveResult:
    outcome: Saved
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # language (ALL) -> what is wrong
    changed: list[str] = field(default_factory=list)  # the languages whose value changed
    fact: StoredFact | None = None  # after the save


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def month_of(moment: datetime, tz: tzinfo = DEFAULT_TZ) -> str:
    return moment.astimezone(tz).strftime("%Y-%m")


def _token(rows: Iterable[LocalFactRow]) -> str:
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r.lang):
        digest.update(
            f"{row.lang}\x1f{row.kind}\x1f{row.value}\x1f{row.sample}\x1f{row.checked}\x1e".encode()
        )
    return digest.hexdigest()[:16]


def _language_order(row: LocalFactRow) -> int:
    """ALL first, then the languages in the bot's order (de, ar, fa, uk, en, ru), as the file has them."""
    order = (ALL, *SUPPORTED_LANGUAGES)
    return order.index(row.lang) if row.lang in order else len(order)


def _fact(rows: Sequence[LocalFactRow]) -> Fact:
    first = rows[0]
    return Fact(
        name=first.key,
        kind=Kind(first.kind),
        values={row.lang: row.value for row in sorted(rows, key=_language_order)},
        samples=frozenset(row.lang for row in rows if row.sample),
        checked=max((row.checked for row in rows if row.checked), default=None),
    )


def _languages(fact: Fact) -> tuple[str, ...]:
    return (ALL,) if ALL in fact.values else tuple(SUPPORTED_LANGUAGES)


def _stored(rows: Sequence[LocalFactRow]) -> StoredFact:
    fact = _fact(rows)
    last = max(rows, key=lambda r: r.updated_at)
    return StoredFact(fact, _languages(fact), last.updated_at, last.updated_by, _token(rows))


def _grouped(rows: Sequence[LocalFactRow]) -> list[list[LocalFactRow]]:
    groups: dict[str, list[LocalFactRow]] = {}
    for row in rows:
        groups.setdefault(row.key, []).append(row)
    return list(groups.values())


async def load(session: AsyncSession) -> LocalFacts | None:
    """The facts in the database, None while the table is empty (the file is used until it is filled)."""
    rows = await repo.all_rows(session)
    if not rows:
        return None
    return LocalFacts(facts={group[0].key: _fact(group) for group in _grouped(rows)})


def _rows(fact: Fact, position: int, now: datetime, actor_id: int | None) -> list[LocalFactRow]:
    return [
        LocalFactRow(
            key=fact.name,
            lang=lang,
            kind=str(fact.kind),
            value=value,
            sample=lang in fact.samples,
            checked=fact.checked,
            position=position,
            updated_by=actor_id,
            updated_at=now,
        )
        for lang, value in fact.values.items()
    ]


async def ensure_imported(session: AsyncSession, clock: Clock, path: Path) -> bool:
    """Fill an empty table from the facts file `path`; True if this call did. A value the file has that is
    not valid for its kind is imported as it is (logged): the console shows it with its problem."""
    if await repo.has_any(session):
        return False
    facts = LocalFacts.load(path)
    for line in problems_of(facts):
        log.warning("local facts file %s: %s", path.name, line)
    now = clock.now()
    try:
        async with session.begin_nested():
            for position, fact in enumerate(facts.facts.values()):
                for row in _rows(fact, position, now, None):
                    session.add(row)
            await session.flush()
            await bump_content_version(session)
    except IntegrityError:
        return False  # another process filled it meanwhile: its rows stay
    log.info("local facts imported from %s: %d facts", path.name, len(facts.facts))
    return True


async def import_at_start(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, path: Path) -> None:
    """Start-up (bot/app.py): the facts file into an empty table (errors are logged; the bot then answers
    from the file, and the console tries again)."""
    try:
        async with sessionmaker() as session:
            if await ensure_imported(session, clock, path):
                await session.commit()
    except (LocalFactsError, OSError):
        log.exception("local facts: could not import %s", path)


def problems_of(facts: LocalFacts) -> list[str]:
    """Every value of `facts` that is not valid for its kind, one line each (English)."""
    lines = []
    for fact in facts.facts.values():
        for lang, value in fact.values.items():
            for problem in validate(fact.kind, value, lang)[1]:
                lines.append(f"fact '{fact.name}'{f' ({lang})' if lang else ''}: {problem}")
    return lines


async def ready(session: AsyncSession, clock: Clock, path: Path) -> None:
    """Before the console shows or changes a fact: the table filled from the file if it is still empty (a
    file that cannot be read is logged, and the table stays as it is)."""
    try:
        await ensure_imported(session, clock, path)
    except (LocalFactsError, OSError):
        log.exception("local facts: could not import %s", path)


async def stored_facts(session: AsyncSession, clock: Clock, path: Path) -> list[StoredFact]:
    """Every fact for the console, in the order of the file (`ready` first)."""
    await ready(session, clock, path)
    return [_stored(group) for group in _grouped(await repo.all_rows(session))]


async def stored_fact(session: AsyncSession, key: str) -> StoredFact | None:
    rows = await repo.rows_of(session, key)
    return _stored(rows) if rows else None


def _shown(value: str | None, sample: bool) -> str | None:
    return None if value is None else f"{value} {SAMPLE_MARK}" if sample else value


async def save(
    session: AsyncSession,
    clock: Clock,
    key: str,
    values: Mapping[str, str],
    *,
    actor_id: int | None,
    token: str | None = None,
    tz: tzinfo = DEFAULT_TZ,
) -> SaveResult:
    """An organizer saves the form of fact `key`: `values` maps a language (ALL for a fact with one value)
    to what was typed; a language not given stays as it is, an empty one (not German) is removed and falls
    back to German. `token`: the fact's token when the form was opened (None: no check)."""
    rows = await repo.rows_of(session, key, for_update=True)
    if not rows:
        return SaveResult(Saved.UNKNOWN)
    if token is not None and token != _token(rows):
        return SaveResult(Saved.CONFLICT, fact=_stored(rows))
    fact = _fact(rows)
    by_lang = {row.lang: row for row in rows}
    wanted: dict[str, str | None] = {}  # language -> the new value (None: remove it)
    problems: dict[str, list[Problem]] = {}
    for lang in _languages(fact):
        if lang not in values:
            continue
        typed = values[lang]
        if not typed.strip() and lang not in (ALL, FALLBACK_LANGUAGE):
            wanted[lang] = None
            continue
        clean, found = validate(fact.kind, typed, lang)
        if found:
            problems[lang] = found
        wanted[lang] = clean
    if problems:
        return SaveResult(Saved.INVALID, problems=problems, fact=_stored(rows))

    now, month = clock.now(), month_of(clock.now(), tz)
    changed: list[str] = []
    for lang, new in wanted.items():
        row = by_lang.get(lang)
        if row is not None and new == row.value:
            continue  # unchanged: a sample stays a sample
        if row is None and new is None:
            continue
        subject = f"{SUBJECT}{key}:{lang}" if lang else f"{SUBJECT}{key}"
        before = _shown(row.value, row.sample) if row is not None else None
        if new is None and row is not None:
            await repo.remove(session, row)
        elif row is None and new is not None:
            first = rows[0]
            await repo.add(
                session,
                LocalFactRow(
                    key=key,
                    lang=lang,
                    kind=first.kind,
                    value=new,
                    sample=False,
                    checked=month,
                    position=first.position,
                    updated_by=actor_id,
                    updated_at=now,
                ),
            )
        elif row is not None and new is not None:
            row.value, row.sample, row.updated_by, row.updated_at = new, False, actor_id, now
        await audit(session, clock, actor_id, CHANGED, subject, before, new)
        changed.append(lang)

    remaining = await repo.rows_of(session, key)
    # saved unchanged with no sample left: the organizer says it is still right
    confirmed = not changed and not any(row.sample for row in remaining) and fact.checked != month
    if changed or confirmed:
        for row in remaining:
            row.checked, row.updated_by, row.updated_at = month, actor_id, now
        if confirmed:
            await audit(session, clock, actor_id, CHECKED, f"{SUBJECT}{key}", fact.checked, month)
        await session.flush()
        await bump_content_version(session)
    outcome = Saved.SAVED if changed else Saved.CONFIRMED if confirmed else Saved.UNCHANGED
    if changed:
        log.info("local fact %s changed (%s)", key, ", ".join(lang or "all" for lang in changed))
    return SaveResult(outcome, changed=changed, fact=_stored(remaining))


async def replace_all(
    session: AsyncSession, clock: Clock, facts: LocalFacts, *, actor_id: int | None = None
) -> ImportReport:
    """Make the table equal to `facts` (a file: `python -m bot facts import`), keeping who changed what
    where nothing changed; every change is audited. The caller validates first (`problems_of`)."""
    report = ImportReport()
    now = clock.now()
    current = {group[0].key: group for group in _grouped(await repo.all_rows(session))}
    for position, fact in enumerate(facts.facts.values()):
        rows = current.pop(fact.name, None)
        if rows is None:
            for row in _rows(fact, position, now, actor_id):
                await repo.add(session, row)
            await audit(session, clock, actor_id, IMPORTED, f"{SUBJECT}{fact.name}", None, _summary(fact))
            report.added.append(fact.name)
            continue
        old = _fact(rows)
        if old == fact:
            for row in rows:
                row.position = position
            report.unchanged += 1
            continue
        for row in rows:
            await repo.remove(session, row)
        for row in _rows(fact, position, now, actor_id):
            await repo.add(session, row)
        await audit(
            session, clock, actor_id, IMPORTED, f"{SUBJECT}{fact.name}", _summary(old), _summary(fact)
        )
        report.changed.append(fact.name)
    for name, rows in current.items():
        for row in rows:
            await repo.remove(session, row)
        await audit(session, clock, actor_id, IMPORTED, f"{SUBJECT}{name}", _summary(_fact(rows)), None)
        report.removed.append(name)
    await session.flush()
    if report.added or report.changed or report.removed:
        await bump_content_version(session)
    return report


def _summary(fact: Fact) -> str:
    """A fact in one line for the audit log: `value` or `de: … | ar: …`, sample marks and kind."""
    parts = [
        (f"{lang}: " if lang else "") + (_shown(value, lang in fact.samples) or "")
        for lang, value in fact.values.items()
    ]
    return f"[{fact.kind}{', ' + fact.checked if fact.checked else ''}] " + " | ".join(parts)
