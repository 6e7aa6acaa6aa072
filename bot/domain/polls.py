"""The weekly reading poll, as pure rules: which papers become options, how an option is
shortened to Telegram's limit, and who wins.

Telegram's limits (python-telegram-bot's ``PollLimit``): at most 12 options of 1-100
characters, a question of 1-300 characters. The bot sends a poll only with at least two
papers: a one-option poll asks nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.domain.render import utf16_len
from bot.domain.views import PaperView

MAX_OPTIONS = 12  # PollLimit.MAX_OPTION_NUMBER
MIN_OPTIONS = 2  # a poll with one option is no choice
OPTION_CHARS = 100  # PollLimit.MAX_OPTION_LENGTH
# where a cut may fall inside a word-less script: between CJK characters and after their
# punctuation (Chinese titles have no spaces)
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")
_TRAILING = " ,;:·-–—(/（，；：、"


def _boundary(text: str, index: int) -> bool:
    """Whether ``text[:index]`` ends between two words (never inside one)."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    return (
        before.isspace() or after.isspace() or bool(_CJK.match(before)) or bool(_CJK.match(after))
    )


def option_text(title: str, limit: int = OPTION_CHARS) -> str:
    """``title`` on one line, at most ``limit`` characters; a longer one is cut between
    words and ends with an ellipsis (a single word longer than the limit is the only cut
    inside a word, as there is no other way)."""
    text = " ".join(title.split())
    if utf16_len(text) <= limit:
        return text
    end = limit - 1  # room for the ellipsis
    while utf16_len(text[:end]) > limit - 1:
        end -= 1
    cut = end
    while cut > 0 and not _boundary(text, cut):
        cut -= 1
    if cut == 0:  # one word longer than the limit
        cut = end
    return text[:cut].rstrip(_TRAILING) + "…"


def paper_title(paper: PaperView, lang: str) -> str:
    """The title a reader of ``lang`` knows the paper by."""
    return (paper.title_zh or paper.title_en) if lang == "zh" else paper.title_en


def in_filter(papers: Sequence[PaperView], topics: Sequence[str]) -> list[PaperView]:
    """The papers a chat with this topic filter got in its weekly post, in post order."""
    wanted = set(topics)
    return [p for p in papers if not wanted or wanted & {tp.id for tp in p.topics}]


def choose_options(
    papers: Sequence[PaperView],
    *,
    saves: Mapping[int, int] | None = None,
    liked_topics: Mapping[str, int] | None = None,
    chat_topics: Sequence[str] = (),
    limit: int = MAX_OPTIONS,
) -> list[PaperView]:
    """At most ``limit`` of ``papers`` (the chat's post, in post order), kept in post order.

    With more papers than options the chat's own interests choose: papers it saved first,
    then papers on the topics of what it saved (``liked_topics``: topic → saved papers),
    then papers on its subscription's topics, then the earlier in the post.
    """
    if len(papers) <= limit:
        return list(papers)
    saved, liked, filtered = saves or {}, liked_topics or {}, set(chat_topics)

    def rank(item: tuple[int, PaperView]) -> tuple[int, int, int, int]:
        position, paper = item
        topics = {tp.id for tp in paper.topics}
        return (
            -saved.get(paper.id, 0),
            -sum(liked.get(topic, 0) for topic in topics),
            -len(topics & filtered),
            position,
        )

    chosen = sorted(sorted(enumerate(papers), key=rank)[:limit], key=lambda item: item[0])
    return [paper for _, paper in chosen]


def winner(counts: Sequence[int]) -> int | None:
    """The winning option: the most votes, the earliest option on a tie; None without votes."""
    if not counts or max(counts) <= 0:
        return None
    return list(counts).index(max(counts))


def is_tie(counts: Sequence[int]) -> bool:
    """Whether more than one option has the most votes."""
    return bool(counts) and max(counts) > 0 and list(counts).count(max(counts)) > 1
