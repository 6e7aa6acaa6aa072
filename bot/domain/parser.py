"""Compatibility name: the digest parser lives in :mod:`bot.domain.parsing`."""

from bot.domain.parsing import LAYOUT_NAMES, parse_digest

__all__ = ["LAYOUT_NAMES", "parse_digest"]
