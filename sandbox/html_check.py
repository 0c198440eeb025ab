"""Telegram's ``parse_mode=HTML``, parsed the way the Bot API does it, only stricter.

:func:`parse_html` turns a message written in Telegram's HTML subset into the visible text and
the list of ``MessageEntity`` dicts Telegram would attach to the message (offsets and lengths in
UTF-16 code units, as in the Bot API). It refuses what Telegram refuses (unsupported tags such as
``<br>``, unbalanced tags, ``<span>`` without ``class="tg-spoiler"``) and, on purpose, two things
Telegram quietly accepts so that tests catch unescaped user text: a bare ``&`` that does not start
one of ``&lt; &gt; &amp; &quot;`` or a numeric reference, and ``<a>`` without ``href``.

Error messages follow tdlib's wording (``Unsupported start tag "br" at byte offset 5``); the
caller prefixes them with ``Bad Request: can't parse entities: ``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ALLOWED_TAGS",
    "EntityParseError",
    "ParsedText",
    "parse_html",
    "trim_parsed",
    "utf16_len",
]

#: Tag name -> the entity type it produces.
ALLOWED_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}))|([a-zA-Z]{2,4}));")
_SPACES = " \t\n\r\x0b\x0c"
_UNQUOTED_VALUE_RE = re.compile(r"[A-Za-z0-9_.\-]*")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(error)`` is tdlib's description."""


@dataclass(frozen=True, slots=True)
class ParsedText:
    """Visible text plus Telegram ``MessageEntity`` dicts (UTF-16 offsets)."""

    text: str
    entities: tuple[dict[str, Any], ...] = ()


@dataclass(slots=True)
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the visible text
    attrs: dict[str, str] = field(default_factory=dict)
    language: str | None = None  # set on <pre> by an inner <code class="language-x">


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, index: int) -> tuple[str, int]:
    """Decode the character reference at ``source[index] == "&"``; return (text, next index)."""
    match = _ENTITY_RE.match(source, index)
    if match is not None:
        hex_code, dec_code, name = match.groups()
        if name is not None:
            decoded = _NAMED_ENTITIES.get(name)
            if decoded is not None:
                return decoded, match.end()
        else:
            code = int(hex_code, 16) if hex_code is not None else int(dec_code)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), match.end()
    raise EntityParseError(
        f'Unescaped "&" at byte offset {_byte_offset(source, index)}: only &lt; &gt; &amp; '
        "&quot; and numeric character references are allowed"
    )


def _decode_text(source: str, start: int, end: int) -> str:
    """Decode character references in ``source[start:end]`` (used for attribute values)."""
    piece = source[start:end]
    if "&" not in piece:
        return piece
    out: list[str] = []
    i = start
    while i < end:
        amp = source.find("&", i, end)
        if amp < 0:
            out.append(source[i:end])
            break
        out.append(source[i:amp])
        decoded, i = _decode_entity(source, amp)
        out.append(decoded)
    return "".join(out)


def _parse_attributes(source: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``source[i]`` up to the closing ``>``; return (attrs, index of >)."""
    attrs: dict[str, str] = {}
    n = len(source)
    offset = _byte_offset(source, begin)
    while True:
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if source[i] == ">":
            return attrs, i
        name_start = i
        while i < n and source[i] not in _SPACES and source[i] not in "=>":
            i += 1
        name = source[name_start:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {offset}'
            )
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if source[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {offset}"
            )
        i += 1
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        quote = source[i]
        if quote in "\"'":
            close = source.find(quote, i + 1)
            if close < 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
            value = _decode_text(source, i + 1, close)
            i = close + 1
        else:
            match = _UNQUOTED_VALUE_RE.match(source, i)
            end = match.end() if match is not None else i
            value = source[i:end]
            i = end
        attrs[name] = value


def _entity_for(tag: _OpenTag, end: int) -> dict[str, Any] | None:
    """Build the entity a closed tag produces (``None`` for empty or merged ones)."""
    length = end - tag.start
    entity_type = ALLOWED_TAGS[tag.name]
    entity: dict[str, Any] = {"type": entity_type, "offset": tag.start, "length": length}
    if tag.name == "a":
        entity["url"] = tag.attrs["href"]
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    return entity if length > 0 else None


def _check_start_tag(tag: _OpenTag, source: str, begin: int) -> None:
    offset = _byte_offset(source, begin)
    if tag.name == "span" and tag.attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if tag.name == "a" and not tag.attrs.get("href"):
        raise EntityParseError(f'Tag "a" must have attribute "href" at byte offset {offset}')
    if tag.name == "tg-emoji" and not tag.attrs.get("emoji-id", "").isdigit():
        raise EntityParseError(
            f"Custom emoji entity must contain a valid custom emoji identifier at byte offset "
            f"{offset}"
        )


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into visible text and entities; raise :class:`EntityParseError`."""
    if "<" not in source and "&" not in source:
        return ParsedText(source)
    out: list[str] = []
    position = 0  # UTF-16 length of the visible text so far
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    n = len(source)
    i = 0
    while i < n:
        next_special = min(
            (p for p in (source.find("<", i), source.find("&", i)) if p >= 0), default=n
        )
        if next_special > i:
            chunk = source[i:next_special]
            out.append(chunk)
            position += utf16_len(chunk)
            i = next_special
            continue
        if source[i] == "&":
            decoded, i = _decode_entity(source, i)
            out.append(decoded)
            position += utf16_len(decoded)
            continue
        begin = i
        if i + 1 < n and source[i + 1] == "/":
            i = _close_tag(source, begin, stack, entities, position)
            continue
        i += 1
        while i < n and source[i] not in _SPACES and source[i] != ">":
            i += 1
        if i >= n:
            offset = _byte_offset(source, begin)
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        name = source[begin + 1 : i].lower()
        if name not in ALLOWED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}'
            )
        attrs, i = _parse_attributes(source, i, name, begin)
        tag = _OpenTag(name, position, attrs)
        _check_start_tag(tag, source, begin)
        stack.append(tag)
        i += 1  # past ">"
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), tuple(entities))


def _close_tag(
    source: str,
    begin: int,
    stack: list[_OpenTag],
    entities: list[dict[str, Any]],
    position: int,
) -> int:
    """Handle ``</name>`` at ``source[begin]``; return the index after it."""
    offset = _byte_offset(source, begin)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
    n = len(source)
    i = begin + 2
    while i < n and source[i] not in _SPACES and source[i] != ">":
        i += 1
    end_name = source[begin + 2 : i].lower()
    while i < n and source[i] in _SPACES:
        i += 1
    if i >= n or source[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
    tag = stack.pop()
    if end_name and end_name != tag.name:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
            f'found "</{end_name}>"'
        )
    language = tag.attrs.get("class", "")
    if tag.name == "code" and stack and stack[-1].name == "pre" and language.startswith(
        "language-"
    ):
        # <pre><code class="language-x">…</code></pre> is one "pre" entity with a language.
        stack[-1].language = language.removeprefix("language-")
    else:
        entity = _entity_for(tag, position)
        if entity is not None:
            entities.append(entity)
    return i + 1


def trim_parsed(parsed: ParsedText) -> ParsedText:
    """Strip leading and trailing whitespace as Telegram does, keeping entities aligned."""
    text = parsed.text
    stripped = text.strip()
    if stripped == text:
        return parsed
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, limit)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, tuple(entities))
