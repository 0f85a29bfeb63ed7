"""Keep the gettext catalogs in step with the code: `python -m bot i18n update` / `check`.

Message ids are extracted from the sources with Babel (keywords `_`, `n_`, `N_`). Each source file belongs
to one domain (one .po file per language and domain), so people working on different capabilities do
not edit the same catalog file.
"""

from __future__ import annotations

import argparse
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.config import ROOT, SUPPORTED_LANGUAGES
from bot.i18n import LOCALES_DIR, SEPARATE_DOMAINS
from bot.languages import RTL_LANGUAGES

KEYWORDS = {"_": None, "N_": None, "n_": (1, 2)}
SOURCE_DIRS = ("bot", "handlers", "console")  # emulator/ stands in for Telegram: it has no UI strings
# Jinja2 templates of the web console: `_("...")` / `n_(...)` calls, read with Jinja2's own extractor.
TEMPLATE_DIRS = ("console/templates",)
# Files of a capability go to its domain; everything else is "core".
DOMAIN_PREFIXES: list[tuple[str, str]] = [
    ("bot/faq/", "faq"),
    ("handlers/faq/", "faq"),
    ("bot/broadcast", "broadcast"),
    ("handlers/broadcast", "broadcast"),
    ("bot/delivery/", "broadcast"),
    ("bot/booking", "booking"),
    ("handlers/booking", "booking"),
    ("bot/assignments", "helpers"),
    ("handlers/assignments", "helpers"),
    ("bot/flyer", "flyer"),
    ("handlers/flyer", "flyer"),
    ("bot/letters", "letters"),
    ("handlers/letters", "letters"),
    ("bot/local_facts", "facts"),  # opening hours in the reader's language, what a fact may hold
    ("console/", "console"),  # the organizers' web console: German and English only (SEPARATE_DOMAINS)
]


def languages_of(domain: str) -> tuple[str, ...]:
    """The languages a domain is translated into: all six, or those of a separate domain (the console)."""
    return SEPARATE_DOMAINS.get(domain, SUPPORTED_LANGUAGES)


@dataclass(frozen=True)
class Message:
    msgid: str | tuple[str, str]
    domain: str
    location: tuple[str, int]


def domain_of(rel_path: str) -> str:
    for prefix, domain in DOMAIN_PREFIXES:
        if rel_path.startswith(prefix):
            return domain
    return "core"


def extract_messages(root: Path = ROOT) -> list[Message]:
    found: list[Message] = []
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel == "bot/i18n_tools.py":
                continue
            for lineno, msg, _comments, _ctx in extract_from_file("python", str(path), keywords=KEYWORDS):
                if not msg or (isinstance(msg, tuple) and not msg[0]):
                    continue
                found.append(Message(msg, domain_of(rel), (rel, lineno)))
    for folder in TEMPLATE_DIRS:
        for path in sorted((root / folder).rglob("*.html")):
            rel = path.relative_to(root).as_posix()
            # silent=false: a template Jinja2 cannot parse fails here instead of losing its strings
            messages = extract_from_file(
                "jinja2.ext:babel_extract", str(path), keywords=KEYWORDS, options={"silent": "false"}
            )
            for lineno, msg, _comments, _ctx in messages:
                if msg and not (isinstance(msg, tuple) and not msg[0]):
                    found.append(Message(msg, domain_of(rel), (rel, lineno)))
    return found


def placeholders(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<malformed braces>"}


_PLACEHOLDER = re.compile(r"\{[^{}]*\}|<[^>]*>")


def first_strong_is_rtl(text: str) -> bool | None:
    """Direction Telegram will pick: the first strong character outside placeholders (which are isolated),
    by its Unicode bidirectional class (some symbols are strong too: ℹ U+2139 is left to right)."""
    stripped = _PLACEHOLDER.sub("", text)
    for char in stripped:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return None


def update_catalogs(root: Path = ROOT, only: str | None = None) -> dict[str, int]:
    """Add new message ids (empty translation), drop unused ones; returns the count per domain."""
    by_domain: dict[str, list[Message]] = {}
    for message in extract_messages(root):
        if only is None or message.domain == only:
            by_domain.setdefault(message.domain, []).append(message)
    counts = {}
    for domain, messages in by_domain.items():
        counts[domain] = len({m.msgid for m in messages})
        for lang in languages_of(domain):
            path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
            old = _read(path, lang)
            new = Catalog(locale=lang, domain=domain, project="helfernetz-bot", fuzzy=False)
            for message in messages:
                existing = old.get(message.msgid) if old else None
                msgstr = (
                    existing.string
                    if existing
                    else ("" if not isinstance(message.msgid, tuple) else ("", ""))
                )
                if lang == "en" and not existing:  # message ids are English
                    msgstr = message.msgid
                if new.get(message.msgid) is None:
                    new.add(message.msgid, msgstr, locations=[message.location])
                else:
                    new.get(message.msgid).locations.append(message.location)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as fp:
                write_po(fp, new, width=100, sort_output=False, omit_header=False)
    return counts


def _read(path: Path, lang: str) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as fp:
        return read_po(fp, locale=lang)


def check_catalogs(root: Path = ROOT) -> list[str]:
    """Every extracted message translated in every language, same placeholders, RTL text first in ar/fa."""
    problems: list[str] = []
    messages = extract_messages(root)
    catalogs: dict[tuple[str, str], Catalog | None] = {}
    for message in messages:
        for lang in languages_of(message.domain):
            key = (lang, message.domain)
            if key not in catalogs:
                catalogs[key] = _read(LOCALES_DIR / lang / "LC_MESSAGES" / f"{message.domain}.po", lang)
            catalog = catalogs[key]
            where = f"{lang}/{message.domain}.po ({message.location[0]}:{message.location[1]})"
            entry = catalog.get(message.msgid) if catalog else None
            ids = message.msgid if isinstance(message.msgid, tuple) else (message.msgid,)
            if entry is None:
                problems.append(f"{where}: missing {ids[0]!r}")
                continue
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if not all(s and s.strip() for s in strings) or entry.fuzzy:
                problems.append(f"{where}: untranslated {ids[0]!r}")
                continue
            expected = set().union(*(placeholders(i) for i in ids)) - {"n"}
            for translated in strings:
                got = placeholders(translated) - {"n"}
                if got != expected:
                    problems.append(
                        f"{where}: placeholders {sorted(got)} != {sorted(expected)} in {ids[0]!r}"
                    )
                if lang in RTL_LANGUAGES and first_strong_is_rtl(translated) is False:
                    problems.append(f"{where}: starts with left-to-right text: {translated[:40]!r}")
    return problems + _one_translation_per_msgid()


def _one_translation_per_msgid() -> list[str]:
    """All domains of a language merge into one catalog, so a message id kept in two domains with two
    translations would show whichever loaded last: each message id has one translation per language.
    (A separate domain, the console's, is read on its own and may say things its own way.)"""
    problems: list[str] = []
    for lang in SUPPORTED_LANGUAGES:
        seen: dict[str, tuple[str, object]] = {}
        for path in sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po")):
            if path.stem in SEPARATE_DOMAINS:
                continue
            catalog = _read(path, lang)
            for entry in catalog or ():
                if not entry.id:
                    continue
                key = entry.id if isinstance(entry.id, str) else entry.id[0]
                if key in seen and seen[key][1] != entry.string:
                    problems.append(
                        f"{lang}: {key!r} is translated differently in {seen[key][0]} and {path.name}"
                    )
                seen.setdefault(key, (path.name, entry.string))
    return problems


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("i18n", help="update or check the translation catalogs")
    parser.add_argument("action", choices=["update", "check"])
    parser.add_argument(
        "--domain",
        help="only this domain (core, faq, broadcast, booking, helpers, flyer, letters, facts, console)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "update":
        for domain, count in sorted(update_catalogs(only=args.domain).items()):
            print(f"{domain}: {count} messages")
        return 0
    problems = [p for p in check_catalogs() if args.domain is None or f"/{args.domain}.po" in p]
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0
