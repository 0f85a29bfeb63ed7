"""FAQ content: `locales/faq/topics.yaml` (slug, category, action) plus one YAML file per language.

`load_content` reads what is there (lenient: a broken entry is skipped, so one typo does not take the FAQ
down); `check_content` is strict and lists every problem for `python -m bot faq check`.

The running bot reads the content from the database (bot/faq/store.py, bot/faq/live.py); these files are
its seed (`python -m bot faq import`) and the copy under version control (`python -m bot faq export`).
`faq check`, `faq match` and bench/bench_faq.py read the files: the repository's content.

`examples.yaml` holds asked questions: questions as people type them, filed under their topic. They are for
the matcher only (`FaqContent.asked`; a question is compared with each of them, bot/faq/index.py): never
imported into the database, never shown, and a database's content gets them from the files
(bot/faq/live.py).

An answer is Telegram HTML (bot/telegram_html.py: <b>, <i>, <a href> …; a bare `&` or `<` is text) with
`{placeholders}` of the local facts; a title is plain text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.faq.detect import SUPPORTED
from bot.i18n import commands_left_to_right
from bot.languages import is_rtl
from bot.local_facts import LocalFacts, parse_month
from bot.telegram_html import normalize, plain_text
from bot.telegram_html import problems as html_problems
from bot.text import N_, Translator, escape, isolate
from bot.yamlfile import read_yaml

DEFAULT_FAQ_DIR = Path(__file__).resolve().parent.parent.parent / "locales" / "faq"

CATEGORIES = frozenset(
    {
        "appointments",
        "learning",
        "work",
        "housing",
        "health",
        "papers",
        "family",
        "community",
        "help",
        "about",
    }
)
ACTIONS = frozenset({"book", "subscribe", "events", "privacy", "handoff"})
ENTRY_FIELDS = ("slug", "checked", "title", "answer", "questions", "keywords")
OPTIONAL_FIELDS = ("review",)  # `review: machine`: a machine translation nobody has reviewed yet
MACHINE = "machine"
# `checked: 2026-11`: the month an answer was last checked against the facts (issue 15: facts with a
# date); `python -m bot faq check` warns when it is older than bot.faq.freshness.STALE_MONTHS.
MAX_TITLE = 60
MAX_ANSWER = 1200
# A slug rides in button data (at most 64 bytes with the action, the language and a number): kept short,
# and plain ASCII so a byte is a character.
MAX_SLUG = 32
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
MIN_QUESTIONS, MAX_QUESTIONS = 6, 10
EXAMPLES_FILE = "examples.yaml"
MAX_ASKED = 300  # characters of one asked question
Example = tuple[str, str, str]  # (lang, slug, text): an example question outside the language files
# The slug under which examples.yaml files questions people asked that no topic answers (the matcher
# declines a question closer to one of them than to the best topic's own examples, bot/faq/matcher.py).
NOT_OURS = "not-ours"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
# Arabic yeh, kaf and alef maqsura: Persian text uses ی and ک (DESIGN: "Right-to-left and scripts").
ARABIC_ONLY_LETTERS = frozenset("يكى")


class FaqContentError(ValueError):
    """topics.yaml or a language file cannot be read at all."""


@dataclass(frozen=True)
class Topic:
    slug: str
    category: str
    action: str | None = None


@dataclass(frozen=True)
class FaqEntry:
    slug: str
    lang: str
    category: str
    title: str
    answer_template: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    action: str | None = None
    checked: str | None = None  # "YYYY-MM", None when missing or malformed (then it counts as stale)
    machine: bool = False  # a machine translation, to be reviewed by a person
    # Asked questions (examples.yaml), attached for the matcher only (`with_asked`): each is compared with a
    # question on its own; the entry as a whole stays what its title, questions and keywords say.
    asked: tuple[str, ...] = ()

    @property
    def answer_plain(self) -> str:
        """The answer's visible words (no tags), for the matcher."""
        return plain_text(self.answer_template)


@dataclass
class FaqContent:
    topics: list[Topic]
    # lang -> slug -> entry, in the order of topics.yaml
    entries: dict[str, dict[str, FaqEntry]] = field(default_factory=dict)
    # Asked questions (examples.yaml): the matcher gives them to their entries (`with_asked`). Not part of
    # what the content is: a database's content equals the files' without them.
    asked: tuple[Example, ...] = field(default=(), compare=False)
    # Asked questions that no topic answers (examples.yaml, under NOT_OURS): for the matcher only, like `asked`.
    not_ours: tuple[Example, ...] = field(default=(), compare=False)

    @property
    def languages(self) -> list[str]:
        return list(self.entries)

    def entry(self, slug: str, lang: str, fallback: str = "de") -> FaqEntry | None:
        """The entry in `lang`, else in `fallback`, else None."""
        found = self.entries.get(lang, {}).get(slug)
        if found is None and fallback != lang:
            found = self.entries.get(fallback, {}).get(slug)
        return found

    def topic(self, slug: str) -> Topic | None:
        return next((t for t in self.topics if t.slug == slug), None)


def _read_yaml(path: Path) -> Any:
    try:
        return read_yaml(path)
    except OSError as exc:
        raise FaqContentError(f"{path.name}: cannot read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise FaqContentError(f"{path.name}: not valid YAML ({exc})") from exc


def load_topics(faq_dir: Path = DEFAULT_FAQ_DIR) -> list[Topic]:
    raw = _read_yaml(Path(faq_dir) / "topics.yaml")
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), list):
        raise FaqContentError("topics.yaml: expected a mapping with a 'topics' list")
    topics: list[Topic] = []
    for item in raw["topics"]:
        if not isinstance(item, dict) or not item.get("slug") or not item.get("category"):
            raise FaqContentError(f"topics.yaml: every topic needs a slug and a category: {item!r}")
        topics.append(Topic(str(item["slug"]), str(item["category"]), item.get("action") or None))
    return topics


def _str_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v).strip() for v in value if v is not None and str(v).strip())


def _entry_from_raw(item: Any, lang: str, topic: Topic) -> FaqEntry | None:
    if not isinstance(item, dict):
        return None
    title, answer = item.get("title"), item.get("answer")
    if not isinstance(title, str) or not isinstance(answer, str) or not title.strip() or not answer.strip():
        return None
    return FaqEntry(
        slug=topic.slug,
        lang=lang,
        category=topic.category,
        title=title.strip(),
        answer_template=normalize(answer.strip()),
        questions=_str_list(item.get("questions")),
        keywords=_str_list(item.get("keywords")),
        action=topic.action,
        checked=parse_month(item.get("checked")),
        machine=item.get("review") == MACHINE,
    )


def load_content(faq_dir: Path = DEFAULT_FAQ_DIR, languages: Iterable[str] = SUPPORTED) -> FaqContent:
    """Topics and every language file that exists; entries with an unknown slug or no text are skipped.

    Read once per process for the same files, known by their bytes: reading them takes 0.7 ms, building the
    content 25 ms, and the tests load it hundreds of times. Each call gets containers of its own; the
    topics and entries in them are frozen, so they are shared."""
    faq_dir, languages = Path(faq_dir), tuple(languages)
    key = (str(faq_dir.resolve()), languages, _files_digest(faq_dir, languages))
    loaded = _LOADED.get(key)
    if loaded is None:
        loaded = _read_content(faq_dir, languages)
        if len(_LOADED) >= KEEP_LOADED:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = loaded
    return FaqContent(
        topics=list(loaded.topics),
        entries={lang: dict(by_slug) for lang, by_slug in loaded.entries.items()},
        asked=loaded.asked,
        not_ours=loaded.not_ours,
    )


KEEP_LOADED = 8
_LOADED: dict[tuple[str, tuple[str, ...], bytes], FaqContent] = {}


def _files_digest(faq_dir: Path, languages: tuple[str, ...]) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for name in ("topics.yaml", *(f"{lang}.yaml" for lang in languages), EXAMPLES_FILE):
        try:
            data = (faq_dir / name).read_bytes()
        except OSError:
            data = None  # missing (or unreadable: _read_content says so)
        digest.update(f"{name}:{-1 if data is None else len(data)}:".encode())
        digest.update(data or b"")
    return digest.digest()


def _read_content(faq_dir: Path, languages: tuple[str, ...]) -> FaqContent:
    topics = load_topics(faq_dir)
    by_slug = {t.slug: t for t in topics}
    content = FaqContent(topics=topics)
    for lang in languages:
        path = faq_dir / f"{lang}.yaml"
        if not path.exists():
            continue
        raw = _read_yaml(path)
        items = raw.get("entries") if isinstance(raw, dict) else None
        found: dict[str, FaqEntry] = {}
        for item in items if isinstance(items, list) else []:
            slug = item.get("slug") if isinstance(item, dict) else None
            if slug not in by_slug or slug in found:
                continue
            entry = _entry_from_raw(item, lang, by_slug[slug])
            if entry is not None:
                found[slug] = entry
        # Keep the order of topics.yaml, whatever the order in the file.
        content.entries[lang] = {t.slug: found[t.slug] for t in topics if t.slug in found}
    asked = [row for row in _read_asked(faq_dir) if 0 < len(row[2]) <= MAX_ASKED]
    content.asked = tuple(row for row in asked if row[1] in content.entries.get(row[0], {}))
    content.not_ours = tuple(row for row in asked if row[1] == NOT_OURS and row[0] in content.entries)
    return content


def _read_asked(faq_dir: Path) -> list[Example]:
    """The rows of examples.yaml (`examples: {lang: {slug: [question, ...]}}`) as they are; none if there is
    no such file. Anything that is no question (a number, a list in a list) is left out here: `faq check`
    names it."""
    path = faq_dir / EXAMPLES_FILE
    if not path.exists():
        return []
    raw = _read_yaml(path)
    by_lang = raw.get("examples") if isinstance(raw, dict) else None
    rows: list[Example] = []
    for lang, by_slug in by_lang.items() if isinstance(by_lang, dict) else []:
        for slug, questions in by_slug.items() if isinstance(by_slug, dict) else []:
            for question in questions if isinstance(questions, list) else []:
                if isinstance(question, str):
                    rows.append((str(lang), str(slug), question.strip()))
    return rows


def with_asked(content: FaqContent) -> FaqContent:
    """A copy of `content` whose entries carry their asked questions (`FaqEntry.asked`)."""
    return FaqContent(
        topics=content.topics,
        entries=_extended(content, content.asked, "asked"),
        not_ours=content.not_ours,
    )


def not_ours_entries(content: FaqContent) -> dict[str, tuple[FaqEntry]]:
    """Per language, one entry made of the asked questions no topic answers (`not_ours`), for the matcher:
    compared one by one with a question (bot/faq/index.py `declines`), it has no title, answer or example
    question of its own, so it never ranks."""
    by_lang: dict[str, list[str]] = {}
    for lang, _, text in content.not_ours:
        by_lang.setdefault(lang, []).append(text)
    return {
        lang: (FaqEntry(NOT_OURS, lang, "", "", "", (), (), asked=tuple(texts)),)
        for lang, texts in by_lang.items()
    }


def with_examples(content: FaqContent, examples: Iterable[Example]) -> FaqContent:
    """A copy of `content` whose entries also have the example questions (lang, slug, text), and whose
    questions no topic answers also have those under NOT_OURS; examples of a topic or language the content
    does not have are left out."""
    rows = list(examples)
    not_ours = tuple(row for row in rows if row[1] == NOT_OURS and row[0] in content.entries)
    return FaqContent(
        topics=content.topics,
        entries=_extended(content, rows, "questions"),
        asked=content.asked,
        not_ours=content.not_ours + not_ours,
    )


def _extended(content: FaqContent, rows: Iterable[Example], name: str) -> dict[str, dict[str, FaqEntry]]:
    """The entries with each row's text added to their field `name` (questions or asked)."""
    extra: dict[tuple[str, str], list[str]] = {}
    for lang, slug, text in rows:
        extra.setdefault((lang, slug), []).append(text)
    return {
        lang: {
            slug: replace(entry, **{name: getattr(entry, name) + tuple(extra[lang, slug])})
            if (lang, slug) in extra
            else entry
            for slug, entry in by_slug.items()
        }
        for lang, by_slug in content.entries.items()
    }


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def render_answer(entry: FaqEntry, facts: LocalFacts, lang: str | None = None) -> str:
    """The answer as Telegram HTML with the placeholders filled from the local facts in `lang` (default: the
    entry's language), each value escaped. In a right-to-left language every filled value is wrapped in
    Unicode isolates, so an address or a time does not scramble the line, and commands get a left-to-right
    mark ("/book"). An unknown placeholder stays visible as `{name}` (`faq check` reports it)."""
    lang = lang or entry.lang
    rtl = is_rtl(lang)

    def fill(match: re.Match[str]) -> str:
        value = facts.get(match.group(1), lang)
        if value is None:
            return match.group(0)
        return escape(isolate(value) if rtl else value)

    template = commands_left_to_right(entry.answer_template) if rtl else entry.answer_template
    return PLACEHOLDER.sub(fill, template)


# Below an answer that is a machine translation nobody has reviewed yet (the console's pre-fill).
MACHINE_NOTE = N_("🤖 Machine translation. Mistakes are possible.")


def answer_message(entry: FaqEntry, answer: str) -> str:
    """The message that answers with `entry` (Telegram HTML): its title, the answer (`render_answer`), and
    under a machine translation nobody has reviewed a note that says so, in the entry's language."""
    note = f"\n\n<i>{Translator(entry.lang)._(MACHINE_NOTE)}</i>" if entry.machine else ""
    return f"<b>{escape(entry.title)}</b>\n\n{answer}{note}"


def first_letter_is_rtl(text: str) -> bool:
    for ch in text:
        if ch.isspace() or ch in "•-–—*·":
            continue
        return unicodedata.bidirectional(ch) in ("R", "AL")
    return False


def _check_entry(item: Any, lang: str, index: int, facts: LocalFacts, known_slugs: set[str]) -> list[str]:
    where = f"{lang}.yaml: entry {index + 1}"
    if not isinstance(item, dict):
        return [f"{where}: not a mapping"]
    slug = item.get("slug")
    if isinstance(slug, str) and slug:
        where = f"{lang}.yaml: {slug}"
    problems: list[str] = []
    for key in item:
        if key not in ENTRY_FIELDS and key not in OPTIONAL_FIELDS:
            problems.append(f"{where}: unknown field '{key}'")
    for key in ENTRY_FIELDS:
        value = item.get(key)
        if value is None or (isinstance(value, str | list) and not value):
            problems.append(f"{where}: {key} is missing or empty")
    if not isinstance(slug, str) or not slug:
        return problems
    if slug not in known_slugs:
        problems.append(f"{where}: unknown slug (not in topics.yaml)")
    checked = item.get("checked")
    if checked is not None and parse_month(checked) is None:
        problems.append(f"{where}: checked must be the month the answer was last checked, like 2026-11")

    title = item.get("title")
    if title is not None and not isinstance(title, str):
        problems.append(f"{where}: title must be text")
    elif isinstance(title, str):
        if not title.strip():
            problems.append(f"{where}: title is empty")
        if len(title.strip()) > MAX_TITLE:
            problems.append(f"{where}: title has {len(title.strip())} characters (max {MAX_TITLE})")

    answer = item.get("answer")
    if answer is not None and not isinstance(answer, str):
        problems.append(f"{where}: answer must be text")
    elif isinstance(answer, str) and answer.strip():
        unknown = sorted(placeholders(answer) - facts.names())
        for name in unknown:
            problems.append(f"{where}: unknown placeholder {{{name}}}")
        entry = FaqEntry(slug, lang, "", str(title or ""), answer.strip(), (), ())
        length = len(plain_text(render_answer(entry, facts, lang)))
        if length > MAX_ANSWER:
            problems.append(
                f"{where}: answer has {length} characters after filling placeholders (max {MAX_ANSWER})"
            )
        if is_rtl(lang) and not first_letter_is_rtl(plain_text(answer)):
            problems.append(
                f"{where}: answer must begin with right-to-left text (not a number, placeholder or Latin word)"
            )
        if isinstance(title, str) and _HTML_TAG.search(title):
            problems.append(f"{where}: title contains HTML; plain text only")
        for problem in html_problems(normalize(answer)):
            problems.append(f"{where}: answer: {problem}")
        if lang == "fa":
            for name, text in (("title", title), ("answer", answer)):
                bad = sorted(set(text) & ARABIC_ONLY_LETTERS) if isinstance(text, str) else []
                if bad:
                    problems.append(f"{where}: {name} uses Arabic letters {' '.join(bad)} (Persian uses ی ک)")

    questions = item.get("questions")
    if questions is not None:
        if not isinstance(questions, list):
            problems.append(f"{where}: questions must be a list")
        else:
            if not MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS:
                problems.append(f"{where}: {len(questions)} questions (need {MIN_QUESTIONS}-{MAX_QUESTIONS})")
            if any(not isinstance(q, str | int | float) or not str(q).strip() for q in questions):
                problems.append(f"{where}: a question is empty")
    keywords = item.get("keywords")
    if keywords is not None:
        if not isinstance(keywords, list):
            problems.append(f"{where}: keywords must be a list")
        elif any(not isinstance(k, str | int | float) or not str(k).strip() for k in keywords):
            problems.append(f"{where}: a keyword is empty")
    return problems


def check_content(
    faq_dir: Path = DEFAULT_FAQ_DIR, facts: LocalFacts | None = None, languages: Iterable[str] = SUPPORTED
) -> list[str]:
    """Every problem of the FAQ content, one line each; an empty list means the content is fine."""
    faq_dir = Path(faq_dir)
    facts = facts if facts is not None else LocalFacts.load()
    problems: list[str] = []
    try:
        topics = load_topics(faq_dir)
    except FaqContentError as exc:
        return [str(exc)]
    known: dict[str, Topic] = {}
    for t in topics:
        if t.slug in known:
            problems.append(f"topics.yaml: slug '{t.slug}' appears more than once")
        known[t.slug] = t
        if len(t.slug) > MAX_SLUG or not SLUG.fullmatch(t.slug):
            problems.append(f"topics.yaml: slug '{t.slug}': at most {MAX_SLUG} of a-z, 0-9 and '-'")
        if t.category not in CATEGORIES:
            problems.append(f"topics.yaml: {t.slug}: unknown category '{t.category}'")
        if t.action is not None and t.action not in ACTIONS:
            problems.append(f"topics.yaml: {t.slug}: unknown action '{t.action}'")

    for lang in languages:
        path = faq_dir / f"{lang}.yaml"
        if not path.exists():
            problems.append(f"{lang}.yaml: missing")
            continue
        try:
            raw = _read_yaml(path)
        except FaqContentError as exc:
            problems.append(str(exc))
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
            problems.append(f"{lang}.yaml: expected a mapping with an 'entries' list")
            continue
        if raw.get("language") != lang:
            problems.append(f"{lang}.yaml: 'language' is {raw.get('language')!r}, expected '{lang}'")
        seen: dict[str, int] = {}
        for index, item in enumerate(raw["entries"]):
            problems.extend(_check_entry(item, lang, index, facts, set(known)))
            slug = item.get("slug") if isinstance(item, dict) else None
            if isinstance(slug, str) and slug:
                seen[slug] = seen.get(slug, 0) + 1
        for slug, count in seen.items():
            if count > 1:
                problems.append(f"{lang}.yaml: {slug}: appears {count} times")
        for slug in known:
            if slug not in seen:
                problems.append(f"{lang}.yaml: {slug}: missing")
    problems.extend(_check_asked(faq_dir, set(known), set(languages)))
    return problems


def _check_asked(faq_dir: Path, known: set[str], languages: set[str]) -> list[str]:
    path = faq_dir / EXAMPLES_FILE
    if not path.exists():
        return []
    try:
        raw = _read_yaml(path)
    except FaqContentError as exc:
        return [str(exc)]
    by_lang = raw.get("examples") if isinstance(raw, dict) else None
    if not isinstance(by_lang, dict):
        return [f"{EXAMPLES_FILE}: expected a mapping 'examples' of languages"]
    problems: list[str] = []
    for lang, by_slug in by_lang.items():
        if lang not in languages:
            problems.append(f"{EXAMPLES_FILE}: unknown language {lang!r}")
            continue
        if not isinstance(by_slug, dict):
            problems.append(f"{EXAMPLES_FILE}: {lang}: expected a mapping of slugs")
            continue
        for slug, questions in by_slug.items():
            where = f"{EXAMPLES_FILE}: {lang}: {slug}"
            if slug not in known and slug != NOT_OURS:
                problems.append(f"{where}: unknown slug")
            elif not isinstance(questions, list) or not questions:
                problems.append(f"{where}: expected a list of questions")
            else:
                for question in questions:
                    if not isinstance(question, str) or not question.strip():
                        problems.append(f"{where}: {question!r} is no question")
                    elif len(question.strip()) > MAX_ASKED:
                        problems.append(f"{where}: a question over {MAX_ASKED} characters")
    return problems
