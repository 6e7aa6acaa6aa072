"""Text normalisation shared by ingestion (what is indexed) and search (what is asked).

Both sides must fold text the same way, or a query like ``ＳｔａｒＣｏｄｅｒ２`` would
miss ``StarCoder 2``: NFKC (full width → half width), case folding, punctuation to
spaces, and a "compact" form without spaces for run-together queries.
"""

from __future__ import annotations

import re
import unicodedata

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
    (0x3040, 0x30FF),  # kana: Japanese titles occur too
    (0xAC00, 0xD7AF),
)


def is_cjk(char: str) -> bool:
    """True for Han, kana and Hangul characters (scripts written without spaces)."""
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def has_cjk(text: str) -> bool:
    """True when any character of ``text`` is CJK."""
    return any(is_cjk(ch) for ch in text)


# what is not a letter or a number (Unicode categories L*, N*): ``[^\W_]`` is exactly
# those on every code point (checked over all of them), and one regex pass is many times
# faster than asking unicodedata per character
_NOT_LETTER_OR_NUMBER = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Fold width and case; punctuation, symbols and control characters become spaces.

    ``"The Era of 1-bit LLMs: All…1.58 Bits"`` → ``"the era of 1 bit llms all 1 58 bits"``.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_LETTER_OR_NUMBER.sub(" ", folded).split())


def compact(text: str) -> str:
    """The normalised text with all spaces removed (``"StarCoder 2"`` → ``"starcoder2"``)."""
    return normalize(text).replace(" ", "")


_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Words of the normalised text; a CJK run is one word (callers n-gram it)."""
    return _WORD_RE.findall(normalize(text))


def strip_controls(text: str) -> str:
    """Drop control/format characters (RTL marks, zero-width, NUL) that users may paste."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
