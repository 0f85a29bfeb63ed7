"""Telegram's HTML parse mode, for text that people type (FAQ answers in the web console): measure it, check
it before it is stored, and show it in a browser as Telegram would.

`normalize` first escapes what can only be meant as text (a `&` that starts no entity, a `<` that starts no
tag: "Mo & Di", "Kinder < 6"), as Telegram itself would show them. `problems` then refuses what Telegram
would refuse or what has no place in an answer, each with a reason a person can act on: a tag Telegram does
not know (`<script>`, `<div>`, `<br>`), an attribute (`onclick`), a link that is no web, Telegram, mail or
phone link, and broken HTML (a tag without its `>`, `<b>` without `</b>`, `</i>` where `</b>` was due).
Refusing, not escaping, broken HTML: an organizer who typed `<b>` wants bold, not angle brackets on people's
phones, so they are told where to fix it.

`to_browser` makes a checked text into HTML for a web page: only the allowed tags, rebuilt from scratch
(no attribute is copied but a link's checked address), every text escaped.

The emulator (emulator/html_entities.py) implements Telegram's parser on its own; tests/test_telegram_html.py
holds the two together: what passes here, the emulator parses to the same visible text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

MAX_MESSAGE = 4096  # characters (UTF-16 units) of a message after entity parsing

# tag -> the tag a browser shows for it
TAGS: dict[str, str] = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "ins": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "tg-spoiler": "span",
    "span": "span",  # only as <span class="tg-spoiler">
    "code": "code",
    "pre": "pre",
    "a": "a",
    "blockquote": "blockquote",
}
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "span": frozenset({"class"}),
    "code": frozenset({"class"}),  # <pre><code class="language-python">
    "blockquote": frozenset({"expandable"}),
}
LINK_SCHEMES = ("https://", "http://", "tg://", "mailto:", "tel:")

_AMP = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot))?;?")
_BARE_LT = re.compile(r"<(?![A-Za-z]|/[A-Za-z])")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)(>?)")
_ATTR = re.compile(r"\s*([A-Za-z0-9_-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?\s*")
_ANY_TAG = re.compile(r"<[^>]*>")


class Issue(StrEnum):
    TAG = "tag"  # a tag Telegram does not show
    ATTRIBUTE = "attribute"  # an attribute not allowed on that tag
    LINK = "link"  # <a> without a web, Telegram, mail or phone address
    BROKEN = "broken"  # a tag without its closing >
    UNCLOSED = "unclosed"  # <b> without </b>
    UNEXPECTED = "unexpected"  # </b> without <b>, or another end tag than the one due


_ENGLISH = {
    Issue.TAG: "<{tag}> is not allowed: Telegram shows only b, i, u, s, a, code, pre, blockquote and tg-spoiler",
    Issue.ATTRIBUTE: "the attribute {detail} is not allowed in <{tag}>",
    Issue.LINK: "a link needs an address that begins with https://, http://, tg://, mailto: or tel:",
    Issue.BROKEN: "the tag <{tag} has no closing >",
    Issue.UNCLOSED: "<{tag}> is not closed: add </{tag}>",
    Issue.UNEXPECTED: "</{tag}> does not close anything here{detail}",
}


@dataclass(frozen=True)
class Problem:
    issue: Issue
    tag: str = ""
    detail: str = ""  # the attribute; for UNEXPECTED the end tag that was due ("" when none)
    position: int = 0  # where in the (normalized) text

    def __str__(self) -> str:
        detail = f" (</{self.detail}> was due)" if self.issue == Issue.UNEXPECTED and self.detail else ""
        return _ENGLISH[self.issue].format(tag=self.tag, detail=detail or self.detail)


def _amp(match: re.Match[str]) -> str:
    """An entity Telegram decodes stays; any other `&` is escaped (shown as typed)."""
    decimal, hexa, named = match.groups()
    whole = match.group(0)
    if whole.endswith(";") and (decimal or hexa or named):
        code = int(decimal) if decimal else int(hexa, 16) if hexa else 1
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return whole
    return "&amp;" + whole[1:]


def normalize(text: str) -> str:
    """Escape a `&` that starts no entity and a `<` that starts no tag: they can only be meant as text."""
    return _BARE_LT.sub("&lt;", _AMP.sub(_amp, text))


def _attributes(raw: str) -> dict[str, str] | None:
    """The attributes of a tag (values unquoted, entities decoded); None when they cannot be read."""
    found: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        match = _ATTR.match(raw, pos)
        if match is None or match.end() == pos:
            return None
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        found.setdefault(match.group(1).lower(), html.unescape(value))
        pos = match.end()
    return found


@dataclass(frozen=True)
class _Token:
    text: str  # text between tags (raw, with entities), or "" for a tag
    tag: str = ""
    closing: bool = False
    attrs: dict[str, str] | None = None
    position: int = 0


def _tokens(text: str) -> Iterator[_Token | Problem]:
    pos = 0
    for match in _TAG.finditer(text):
        if match.start() > pos:
            yield _Token(text[pos : match.start()])
        closing, name, raw, end = match.groups()
        name = name.lower()
        if not end:
            yield Problem(Issue.BROKEN, name, position=match.start())
            return
        attrs = _attributes(raw)
        if attrs is None:
            yield Problem(Issue.BROKEN, name, position=match.start())
            return
        yield _Token("", name, bool(closing), attrs, match.start())
        pos = match.end()
    if pos < len(text):
        yield _Token(text[pos:])


def _check_tag(token: _Token) -> Problem | None:
    name, attrs = token.tag, token.attrs or {}
    if name not in TAGS:
        return Problem(Issue.TAG, name, position=token.position)
    if token.closing:
        return None
    for attr in attrs:
        if attr not in ATTRIBUTES.get(name, frozenset()):
            return Problem(Issue.ATTRIBUTE, name, attr, token.position)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        return Problem(Issue.ATTRIBUTE, name, "class", token.position)
    if name == "a" and not attrs.get("href", "").strip().lower().startswith(LINK_SCHEMES):
        return Problem(Issue.LINK, name, position=token.position)
    return None


def problems(text: str) -> list[Problem]:
    """What Telegram would refuse in `text` (normalize it first), or what has no place in it; the first
    problem only (one fix at a time), or [] when it is fine."""
    stack: list[_Token] = []
    for token in _tokens(text):
        if isinstance(token, Problem):
            return [token]
        if not token.tag:
            continue
        problem = _check_tag(token)
        if problem is not None:
            return [problem]
        if not token.closing:
            stack.append(token)
        elif not stack or stack[-1].tag != token.tag:
            due = stack[-1].tag if stack else ""
            return [Problem(Issue.UNEXPECTED, token.tag, due, token.position)]
        else:
            stack.pop()
    if stack:
        return [Problem(Issue.UNCLOSED, stack[-1].tag, position=stack[-1].position)]
    return []


def plain_text(fragment: str) -> str:
    """Visible text of a Telegram HTML fragment (tags removed, entities decoded)."""
    return html.unescape(_ANY_TAG.sub("", fragment))


def visible_length(fragment: str) -> int:
    """Length as Telegram counts it: UTF-16 code units of the visible text."""
    return len(plain_text(fragment).encode("utf-16-le")) // 2


def _browser_tag(token: _Token) -> str:
    shown = TAGS[token.tag]
    if token.closing:
        return f"</{shown}>"
    if shown == "a":
        href = html.escape((token.attrs or {}).get("href", "").strip(), quote=True)
        return f'<a href="{href}" rel="noopener noreferrer nofollow" target="_blank">'
    if shown == "span":
        return '<span class="tg-spoiler">'
    return f"<{shown}>"


def to_browser(text: str) -> str:
    """A checked text (`problems` found none) as HTML for a web page: Telegram's formatting, nothing else.
    Raises ValueError for a text with problems."""
    if problems(text):
        raise ValueError("check the text with problems() first")
    out: list[str] = []
    for token in _tokens(text):
        assert not isinstance(token, Problem)
        out.append(_browser_tag(token) if token.tag else html.escape(html.unescape(token.text), quote=False))
    return "".join(out)
