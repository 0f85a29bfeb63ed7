"""Telegram's HTML parse mode, re-implemented for the emulator.

`parse_html` turns the text a bot sends with ``parse_mode="HTML"`` into the plain text and the
message entities Telegram would store, or raises `EntityParseError` where Telegram answers
"can't parse entities". Offsets and lengths are UTF-16 code units, like the Bot API.

The rules follow tdlib's parser (tag set, attribute handling, error wording). One deliberate
difference, on by default (``strict=True``): a ``&`` that does not start a supported entity is
rejected, where Telegram would keep it literally. That catches a dynamic value that was not
escaped before it breaks on the first ``<``.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["EntityParseError", "parse_html", "strip_entities_text", "utf16_len"]

# tag → entity type; span and blockquote are decided by their attributes
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_ALLOWED_TAGS = frozenset(_SIMPLE_TAGS) | {"span", "a", "blockquote", "tg-emoji", "tg-time"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z][a-zA-Z0-9]{0,31});")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; str(error) is Telegram's reason."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's offsets and limits."""
    # characters beyond the BMP take two units
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, pos: int, strict: bool) -> tuple[str, int] | None:
    """Decode the HTML entity at text[pos] == '&'; None means 'keep the & literally'."""
    match = _ENTITY_RE.match(text, pos)
    if match is not None:
        body = match.group(1)
        if body.startswith("#"):
            code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), match.end()
        elif body in _NAMED_ENTITIES:
            return _NAMED_ENTITIES[body], match.end()
        if strict:
            raise EntityParseError(
                f'Unsupported HTML entity "{match.group(0)}" at byte offset {_byte_offset(text, pos)}'
            )
        return None
    if strict:
        raise EntityParseError(
            f'Character "&" must be escaped as "&amp;" at byte offset {_byte_offset(text, pos)}'
        )
    return None


def _decode_attr_value(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "&":
            decoded = _decode_entity(raw, i, strict=False)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(raw[i])
        i += 1
    return "".join(out)


class _Open:
    """A start tag waiting for its end tag."""

    __slots__ = ("attrs", "byte_pos", "name", "offset")

    def __init__(self, name: str, attrs: dict[str, str], offset: int, byte_pos: int) -> None:
        self.name = name
        self.attrs = attrs
        self.offset = offset
        self.byte_pos = byte_pos


def _parse_start_tag(text: str, pos: int) -> tuple[str, dict[str, str], int]:
    """Parse '<name attr=...>' at text[pos] == '<'; return (name, attrs, index after '>')."""
    n = len(text)
    begin = pos
    i = pos + 1
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    name = text[pos + 1 : i].lower()
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    if name not in _ALLOWED_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}')
    attrs: dict[str, str] = {}
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[i] == ">":
            return name, attrs, i + 1
        match = _ATTR_NAME_RE.match(text, i)
        if match is None:
            raise EntityParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {_byte_offset(text, begin)}'
            )
        attr = match.group(0).lower()
        i = match.end()
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] == "=":
            i += 1
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[i] in "\"'":
                quote = text[i]
                end = text.find(quote, i + 1)
                if end < 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                value = _decode_attr_value(text[i + 1 : end])
                i = end + 1
            else:
                start = i
                while i < n and not text[i].isspace() and text[i] != ">":
                    i += 1
                value = _decode_attr_value(text[start:i])
        else:
            value = ""  # a bare attribute such as <blockquote expandable>
        attrs.setdefault(attr, value)


def _check_start_tag(tag: _Open) -> None:
    """Reject start tags Telegram rejects because of their attributes."""
    if tag.name == "span" and tag.attrs.get("class") != "tg-spoiler":
        raise EntityParseError('Tag "span" must have class "tg-spoiler"')
    if tag.name == "tg-emoji" and not tag.attrs.get("emoji-id", "").isdigit():
        raise EntityParseError(
            f"Custom emoji entity must contain a tg-emoji identifier at byte offset {tag.byte_pos}"
        )
    if tag.name == "tg-time" and not re.fullmatch(r"-?\d+", tag.attrs.get("unix", "")):
        raise EntityParseError(f'Tag "tg-time" must have attribute "unix" at byte offset {tag.byte_pos}')


def _close(tag: _Open, end_offset: int, stack: list[_Open], entities: list[dict[str, Any]]) -> None:
    """Turn a closed tag into its entity (empty ones are dropped, as Telegram does)."""
    length = end_offset - tag.offset
    name = tag.name
    entity: dict[str, Any]
    if name == "code" and stack and stack[-1].name == "pre":
        # <pre><code class="language-x"> sets the language of the pre entity, no code entity
        language = tag.attrs.get("class", "")
        if language.startswith("language-") and len(language) > len("language-"):
            stack[-1].attrs["_language"] = language[len("language-") :]
        return
    if length <= 0:
        return
    if name in _SIMPLE_TAGS:
        entity = {"type": _SIMPLE_TAGS[name], "offset": tag.offset, "length": length}
        if name == "pre" and tag.attrs.get("_language"):
            entity["language"] = tag.attrs["_language"]
    elif name == "span":
        entity = {"type": "spoiler", "offset": tag.offset, "length": length}
    elif name == "a":
        url = tag.attrs.get("href", "")
        if not url:
            return  # tdlib drops links without a target and keeps the text
        entity = {"type": "text_link", "offset": tag.offset, "length": length, "url": url}
    elif name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        entity = {"type": kind, "offset": tag.offset, "length": length}
    elif name == "tg-emoji":
        entity = {
            "type": "custom_emoji",
            "offset": tag.offset,
            "length": length,
            "custom_emoji_id": tag.attrs["emoji-id"],
        }
    else:  # tg-time
        entity = {
            "type": "date_time",
            "offset": tag.offset,
            "length": length,
            "unix_time": int(tag.attrs["unix"]),
        }
        if tag.attrs.get("format"):
            entity["date_time_format"] = tag.attrs["format"]
    entities.append(entity)


def parse_html(text: str, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML; return (plain text, entities sorted like Telegram's)."""
    out: list[str] = []
    offset = 0  # UTF-16 position in the plain text
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(text)
    run_start = 0  # start of the current run of plain characters

    def flush(upto: int) -> None:
        nonlocal offset
        if upto > run_start:
            chunk = text[run_start:upto]
            out.append(chunk)
            offset += utf16_len(chunk)

    while i < n:
        ch = text[i]
        if ch == "&":
            flush(i)
            decoded = _decode_entity(text, i, strict)
            if decoded is None:
                out.append("&")
                offset += 1
                i += 1
            else:
                out.append(decoded[0])
                offset += utf16_len(decoded[0])
                i = decoded[1]
            run_start = i
            continue
        if ch != "<":
            i += 1
            continue
        flush(i)
        if i + 1 < n and text[i + 1] == "/":
            end = text.find(">", i + 2)
            if end < 0:
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, i)}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
            top = stack.pop()
            if top.name != name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, i)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            _close(top, offset, stack, entities)
            i = end + 1
        else:
            name, attrs, after = _parse_start_tag(text, i)
            tag = _Open(name, attrs, offset, _byte_offset(text, i))
            _check_start_tag(tag)
            stack.append(tag)
            i = after
        run_start = i
    flush(n)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def strip_entities_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace like Telegram and shift/clip the entities to match."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result
