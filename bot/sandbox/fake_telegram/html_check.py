"""Telegram's HTML parse mode, checked the way the Bot API checks it.

The rules follow the Bot API server's parser (tdlib ``parse_html``): only Telegram's tags,
properly nested and closed, attributes in ``name="value"`` form, and the same error texts
(``Unsupported start tag "think" at byte offset 0`` ...). One deliberate difference: real
Telegram silently keeps a bare ``&`` (or ``&nbsp;``) as literal text, while this checker refuses
it by default (``strict_entities=True``), because a bare ``&`` in our output always means that
some text was not escaped, and the next such text may well contain a ``<``.

Pure functions, no I/O: used by the fake Bot API and directly by the renderer's unit tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALLOWED_TAGS",
    "TelegramHtmlError",
    "check_telegram_html",
    "parse_telegram_html",
    "utf16_len",
]

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)

# Tag → MessageEntity type, for the tags whose entity needs no argument.
_ENTITY_TYPES = {
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
    "code": "code",
    "pre": "pre",
}

_SPACE = " \t\r\n\v\f"
# A plain <tag> or </tag> (the common case, handled fast) or any other "<" or "&".
_SPECIAL = re.compile(r"<(/?)([A-Za-z][A-Za-z-]*)>|[<&]")
_NEEDS_ATTRIBUTE = frozenset({"span", "tg-emoji"})
# The only entities Telegram knows: four named ones and numeric references.
_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|(lt|gt|amp|quot))(;?)")
_NAMED_LIKE = re.compile(r"&#?[A-Za-z0-9]+;")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")


class TelegramHtmlError(ValueError):
    """The text is not valid Telegram HTML.

    ``detail`` is the parser's message (``Unsupported start tag "x" at byte offset 3``),
    ``description`` the full Bot API description (``Bad Request: can't parse entities: ...``).
    """

    def __init__(self, detail: str) -> None:
        self.detail = detail
        self.description = f"Bad Request: can't parse entities: {detail}"
        super().__init__(self.description)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def check_telegram_html(text: str, *, strict_entities: bool = True) -> str:
    """Validate ``text`` as Telegram HTML; return the visible text (tags removed, entities decoded).

    Raises :class:`TelegramHtmlError` with Telegram's description when Telegram would refuse it.
    """
    return parse_telegram_html(text, strict_entities=strict_entities)[0]


def parse_telegram_html(
    text: str, *, strict_entities: bool = True
) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(visible_text, entities)``.

    Entities are Bot API ``MessageEntity`` dicts with UTF-16 offsets, sorted like Telegram
    sorts them (by offset, then longest first).
    """
    return _Parser(text, strict_entities).run()


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the visible text where the tag's content starts


def _byte_offset(text: str, index: int) -> int:
    # Telegram reports positions as UTF-8 byte offsets into the original text.
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_attribute(value: str) -> str:
    # Inside attribute values Telegram decodes known entities and keeps anything else as is.
    def replace(match: re.Match[str]) -> str:
        char = _entity_char(match)
        return match.group(0) if char is None else char

    return _ENTITY.sub(replace, value) if "&" in value else value


def _entity_char(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, named, _ = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


class _Parser:
    """One pass over the text, in the same order and with the same checks as tdlib."""

    def __init__(self, text: str, strict_entities: bool) -> None:
        self.text = text
        self.strict = strict_entities
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []
        # The language of a <code class="language-x"> that sits directly inside a <pre>.
        self.code_language: tuple[int, str] | None = None

    def fail(self, message: str, index: int | None = None) -> TelegramHtmlError:
        if index is not None:
            message = f"{message} at byte offset {_byte_offset(self.text, index)}"
        return TelegramHtmlError(message)

    def emit(self, chunk: str) -> None:
        if chunk:
            self.out.append(chunk)
            self.offset += utf16_len(chunk)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        text = self.text
        pos = 0
        while True:
            match = _SPECIAL.search(text, pos)
            if match is None:
                self.emit(text[pos:])
                break
            start = match.start()
            self.emit(text[pos:start])
            name = match.group(2)
            if name is not None and self.plain_tag(match.group(1), name.lower(), start):
                pos = match.end()
            else:
                pos = self.entity(start) if text[start] == "&" else self.tag(start)
        if self.stack:
            tag = self.stack[-1].tag
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def plain_tag(self, slash: str, tag: str, begin: int) -> bool:
        """Handle an attribute-less tag if it is valid; False leaves it to the full parser,
        which reports the precise error."""
        if slash:
            if not self.stack or self.stack[-1].tag != tag:
                return False
            self.close(self.stack.pop())
            return True
        if tag not in ALLOWED_TAGS or tag in _NEEDS_ATTRIBUTE:
            return False
        self.stack.append(_Open(tag, "", self.offset))
        return True

    def entity(self, start: int) -> int:
        text = self.text
        match = _ENTITY.match(text, start)
        char = _entity_char(match) if match else None
        if match and char is not None and (match.group(4) or not self.strict):
            self.emit(char)
            return match.end()
        if not self.strict:
            self.emit("&")  # Telegram keeps an unknown entity as literal text
            return start + 1
        named = _NAMED_LIKE.match(text, start)
        if named:
            raise self.fail(f'Unsupported HTML entity "{named.group(0)}"', start)
        raise self.fail('Unescaped "&" (write "&amp;")', start)

    def tag(self, begin: int) -> int:
        text = self.text
        size = len(text)
        i = begin + 1
        if i < size and text[i] == "/":
            return self.end_tag(begin)
        name_start = i
        while i < size and text[i] not in _SPACE and text[i] != ">":
            i += 1
        if i >= size:
            raise self.fail("Unclosed start tag", begin)
        tag = text[name_start:i].lower()
        if tag not in ALLOWED_TAGS:
            raise self.fail(f'Unsupported start tag "{tag}"', begin)

        argument = ""
        while text[i] != ">":
            while i < size and text[i] in _SPACE:
                i += 1
            if i >= size:
                raise self.fail("Unclosed start tag", begin)
            if text[i] == ">":
                break
            attr_start = i
            while i < size and text[i] not in _SPACE and text[i] not in "=>":
                i += 1
            attribute = text[attr_start:i].lower()
            if not attribute:
                raise self.fail(f'Empty attribute name in the tag "{tag}"', begin)
            while i < size and text[i] in _SPACE:
                i += 1
            if i >= size:
                raise self.fail("Unclosed start tag", begin)
            if text[i] != "=":
                # A bare attribute: only <blockquote expandable> means something.
                if tag == "blockquote" and attribute == "expandable":
                    argument = "expandable"
                continue
            i += 1
            while i < size and text[i] in _SPACE:
                i += 1
            if i >= size:
                raise self.fail("Unclosed start tag", begin)
            if text[i] in "'\"":
                quote = text[i]
                end = text.find(quote, i + 1)
                if end < 0:
                    raise self.fail("Unclosed start tag", begin)
                value = _decode_attribute(text[i + 1 : end])
                i = end + 1
            else:
                token = _NAME_TOKEN.match(text, i)
                assert token is not None  # the pattern matches the empty string
                value = token.group(0).lower()
                if token.end() >= size or text[token.end()] not in _SPACE + ">":
                    raise self.fail("Unexpected end of name token", i)
                i = token.end()
            if i >= size:
                raise self.fail("Unclosed start tag", begin)
            argument = self.argument(tag, attribute, value, argument)

        if tag == "span" and argument != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"', begin)
        if tag == "tg-emoji" and not argument.isdigit():
            raise self.fail('Tag "tg-emoji" must have a numeric "emoji-id" attribute', begin)
        self.stack.append(_Open(tag, argument, self.offset))
        return i + 1

    @staticmethod
    def argument(tag: str, attribute: str, value: str, current: str) -> str:
        # Unknown attributes are ignored, as Telegram does.
        if tag == "a" and attribute == "href":
            return value
        if tag == "code" and attribute == "class" and value.startswith("language-"):
            return value.removeprefix("language-")
        if tag == "span" and attribute == "class":
            return value
        if tag == "tg-emoji" and attribute == "emoji-id":
            return value
        return current

    def end_tag(self, begin: int) -> int:
        text = self.text
        size = len(text)
        if not self.stack:
            raise self.fail("Unexpected end tag", begin)
        i = begin + 2
        name_start = i
        while i < size and text[i] not in _SPACE and text[i] != ">":
            i += 1
        name = text[name_start:i].lower()
        while i < size and text[i] in _SPACE:
            i += 1
        if i >= size or text[i] != ">":
            raise self.fail("Unclosed end tag", begin)
        opened = self.stack[-1]
        if name and name != opened.tag:
            raise self.fail(
                f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                f'expected "</{opened.tag}>", found "</{name}>"'
            )
        self.stack.pop()
        self.close(opened)
        return i + 1

    def close(self, opened: _Open) -> None:
        length = self.offset - opened.offset
        if length <= 0:
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {"offset": opened.offset, "length": length}
        tag = opened.tag
        if tag == "a":
            if not opened.argument:
                return
            entity |= {"type": "text_link", "url": opened.argument}
        elif tag == "blockquote":
            kind = "expandable_blockquote" if opened.argument else "blockquote"
            entity["type"] = kind
        elif tag == "tg-emoji":
            entity |= {"type": "custom_emoji", "custom_emoji_id": opened.argument}
        elif tag == "pre":
            entity["type"] = "pre"
            last = self.entities[-1] if self.entities else None
            # <pre><code class="language-x">...</code></pre> is one pre entity with a language.
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == opened.offset
                and last["length"] == length
            ):
                self.entities.pop()
                if self.code_language and self.code_language[0] == id(last):
                    entity["language"] = self.code_language[1]
        else:
            entity["type"] = _ENTITY_TYPES[tag]
            if tag == "code" and opened.argument and self.stack and self.stack[-1].tag == "pre":
                self.code_language = (id(entity), opened.argument)
        self.entities.append(entity)
