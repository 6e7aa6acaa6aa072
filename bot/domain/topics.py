"""Topic taxonomy and tagging: which topics a paper belongs to, and topic look-up by name.

Tagging is keyword matching over the paper's title, section heading and abstract,
with title and section weighing more than the abstract, so one passing mention of
"LLM" in an abstract does not make every paper a language-model paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from bot.domain.searchtext import has_cjk, normalize

# a term's first word, and a text's words, split where the term patterns' boundaries fall:
# a term can only match where its first word stands whole in the text (a cheap test first)
_WORD = re.compile(r"^[^\W_]+")
_WORDS = re.compile(r"[^\W_]+")
TITLE_WEIGHT = 3
SECTION_WEIGHT = 3
ABSTRACT_WEIGHT = 1
TAG_THRESHOLD = 2  # a title/section hit, or two distinct abstract keywords
MAX_TOPICS = 3  # more tags than this stop meaning anything in a post
RELATIVE_THRESHOLD = 3  # keep topics scoring at least a third of the best one


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic of the taxonomy with its bilingual names and matching keywords."""

    id: str
    name_en: str
    name_zh: str
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    # alias → the words its papers contain (both languages), for the topic pages it opens
    narrow: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    def focus_words(self, alias: str) -> tuple[str, ...]:
        """What a page opened by ``alias`` looks for first: its ``narrow`` words, or itself."""
        return self.narrow.get(alias.casefold(), (alias,))

    def names(self) -> tuple[str, ...]:
        """Every name the topic answers to in ``/topic <name>``."""
        return (self.id, self.name_en, self.name_zh, *self.aliases)


@dataclass
class _Terms:
    """A topic's terms, ready to match: CJK substrings, and word patterns by first word."""

    cjk: list[str] = field(default_factory=list)
    by_first: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    other: list[re.Pattern[str]] = field(default_factory=list)  # starting with no word


@dataclass(frozen=True)
class Taxonomy:
    """The configured topics and the fallback for papers no keyword matches."""

    topics: tuple[Topic, ...]
    fallback_id: str
    _patterns: dict[str, _Terms] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for topic in self.topics:
            terms = {normalize(t) for t in (*topic.keywords, *topic.aliases, topic.name_en)}
            terms |= {normalize(topic.name_zh)}
            compiled = _Terms()
            for term in sorted(t for t in terms if t):
                if has_cjk(term):
                    compiled.cjk.append(term)  # CJK has no word boundaries: substrings
                    continue
                pattern = re.compile(rf"(?<![^\W_]){re.escape(term)}(?![^\W_])")
                first = _WORD.match(term)
                if first is None:
                    compiled.other.append(pattern)
                else:
                    compiled.by_first.setdefault(first.group(), []).append(pattern)
            self._patterns[topic.id] = compiled

    @cached_property
    def by_id(self) -> dict[str, Topic]:
        """Topics keyed by id."""
        return {topic.id: topic for topic in self.topics}

    def _hits(self, topic_id: str, text: str, words: frozenset[str]) -> int:
        """How many of the topic's terms the text holds (each term once)."""
        terms = self._patterns[topic_id]
        count = sum(1 for term in terms.cjk if term in text)
        count += sum(1 for pattern in terms.other if pattern.search(text))
        for word in words & terms.by_first.keys():  # a match starts with a whole word
            count += sum(1 for pattern in terms.by_first[word] if pattern.search(text))
        return count

    def tag(
        self, title_en: str, title_zh: str | None, section: str | None, abstract: str
    ) -> list[str]:
        """Topic ids for a paper, best first; never empty (falls back to the fallback)."""
        title = normalize(f"{title_en} {title_zh or ''}")
        heading = normalize(section or "")
        body = normalize(abstract)
        texts = [(text, frozenset(_WORDS.findall(text))) for text in (title, heading, body)]
        scores: dict[str, int] = {}
        for topic in self.topics:
            score = (
                TITLE_WEIGHT * min(self._hits(topic.id, *texts[0]), 2)
                + SECTION_WEIGHT * min(self._hits(topic.id, *texts[1]), 1)
                + ABSTRACT_WEIGHT * min(self._hits(topic.id, *texts[2]), 3)
            )
            if score:
                scores[topic.id] = score
        tagged = [t for t, s in scores.items() if s >= TAG_THRESHOLD]
        if not tagged and scores:
            tagged = [max(scores, key=lambda t: scores[t])]
        if not tagged:
            return [self.fallback_id]
        order = {t.id: i for i, t in enumerate(self.topics)}
        ranked = sorted(tagged, key=lambda t: (-scores[t], order[t]))
        best = scores[ranked[0]]
        return [t for t in ranked if scores[t] * RELATIVE_THRESHOLD >= best][:MAX_TOPICS]

    def named(self, query: str) -> Topic | None:
        """The topic whose id, name or alias is exactly ``query`` (case/width-insensitive)."""
        wanted = normalize(query)
        return next(
            (t for t in self.topics if wanted and any(normalize(n) == wanted for n in t.names())),
            None,
        )

    def focus(self, topic: Topic, query: str) -> int | None:
        """Which of ``topic``'s names ``query`` named, as an index into ``names()``, when it
        is an alias narrower than the topic (``quantization`` in "Efficiency &
        quantization"); None for the topic's own id or names."""
        wanted = normalize(query)
        names = topic.names()
        for index, name in enumerate(names):
            norm = normalize(name)
            if wanted and (norm == wanted or norm.startswith(wanted)):
                return index if index >= 3 and norm not in map(normalize, names[:3]) else None
        return None

    def resolve(self, query: str) -> list[Topic]:
        """Topics whose id, English/Chinese name or alias matches ``query``.

        Exact (case/width-insensitive) matches win; otherwise prefix matches, so
        ``/topic quant`` finds "Efficiency & quantization" through its alias.
        """
        wanted = normalize(query)
        if not wanted:
            return []
        exact = [t for t in self.topics if any(normalize(n) == wanted for n in t.names())]
        if exact:
            return exact
        prefix = [
            t
            for t in self.topics
            if any(
                normalize(n).startswith(wanted)
                or any(w.startswith(wanted) for w in normalize(n).split())
                for n in t.names()
            )
        ]
        return prefix
