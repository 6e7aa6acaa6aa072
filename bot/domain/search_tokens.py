"""Search tokens: what the full-text index stores and what a query asks for.

Pure functions, shared by ingestion (``bot.store.content_repo``), the schema migration
(backfill) and the search itself, so both sides always tokenise the same way.

Text is folded (NFKC, case folding) and split into

* words of letters and digits (``"StarCoder2"`` → ``starcoder2``); the index also stores
  the letter/digit parts of a mixed word (``starcoder``, ``2``) and the join of two words
  written with a hyphen, dot or slash between them or next to a number
  (``"Llama-2"`` → ``llama2``, ``"StarCoder 2"`` → ``starcoder2``, ``"10,000"`` →
  ``10000``), so spelling variants meet;
* runs of CJK characters, stored as overlapping character bigrams
  (``世界模型`` → ``世界 界模 模型``) so that any two-character Chinese query (``量化``)
  is one index token, and longer queries become phrases of consecutive bigrams.

Queries use the plain words (no joins or parts) and the bigram phrases; whitespace
between two CJK characters of a query is dropped (``世界 模型`` = ``世界模型``), and when
that phrase occurs nowhere the words are searched separately (``推理 预训练``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.domain.searchtext import compact, normalize, strip_controls

MAX_QUERY_CHARS = 300  # longer queries are cut (a pasted abstract is not a title)
MAX_QUERY_TERMS = 16
PREFIX_MIN_CHARS = 4

_CJK = (
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf"
    "\u4e00-\u9fff"
    "\uac00-\ud7af"  # hangul
    "\uf900-\ufaff"
    "\U00020000-\U0002fa1f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_TOKEN = re.compile(r"[^\W_]+")
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_PARTS = re.compile(r"\d+|[^\W\d_]+")
_JOINERS = frozenset("-./'’+")
_MARKUP = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|&(?:[a-zA-Z]+|#\d+);")

# words too common to narrow an "any of the words" fallback query
STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is"}
    | {"it", "of", "on", "or", "the", "to", "via", "vs", "with"}
)

_ARXIV_NEW = re.compile(r"(?<![\w.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])", re.IGNORECASE)
_ARXIV_OLD = re.compile(
    r"(?:arxiv\s*:\s*|arxiv\.org/(?:abs|pdf)/)([a-z][a-z\-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """NFKC and case folding (``ＳｔａｒＣｏｄｅｒ２`` → ``starcoder2``), controls removed."""
    folded = unicodedata.normalize("NFKC", strip_controls(text)).casefold()
    return unicodedata.normalize("NFKC", folded)


def _split(folded: str) -> list[tuple[str, str]]:
    """``(token, separator before it)`` pairs; a CJK run is one token."""
    spaced = _CJK_RUN.sub(lambda m: f" {m.group(0)} ", folded)
    out: list[tuple[str, str]] = []
    end = 0
    for match in _TOKEN.finditer(spaced):
        out.append((match.group(0), spaced[end : match.start()]))
        end = match.end()
    return out


def is_cjk_token(token: str) -> bool:
    """True for a token of CJK characters (the bigram side of the index)."""
    return bool(token) and _CJK_CHAR.match(token) is not None


def bigrams(run: str) -> list[str]:
    """Overlapping character bigrams of a CJK run; a single character stays itself."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _joins(previous: str, separator: str, token: str) -> bool:
    if is_cjk_token(previous) or is_cjk_token(token):
        return False
    if len(separator) == 1 and separator in _JOINERS:
        return True
    return separator.isspace() and (previous.isdigit() or token.isdigit())


def index_token_list(text: str) -> list[str]:
    """Every token the index stores for ``text`` (see the module docstring)."""
    out: list[str] = []
    previous = ""
    for token, separator in _split(fold(text)):
        if is_cjk_token(token):
            out.extend(bigrams(token))
            previous = token
            continue
        out.append(token)
        parts = _PARTS.findall(token)
        if len(parts) > 1:
            out.extend(parts)
        if previous and _joins(previous, separator, token):
            out.append(previous + token)
        previous = token
    return out


def index_tokens(text: str) -> str:
    """The space-separated index tokens of ``text`` (what a ``*_tokens`` column holds)."""
    return " ".join(index_token_list(text))


def title_tokens(title_en: str, title_zh: str | None) -> str:
    """Index tokens of both titles (the ``papers.title_tokens`` column)."""
    return index_tokens(f"{title_en}\n{title_zh or ''}")


def abstract_tokens(abstract: str) -> str:
    """Index tokens of the abstract (the ``papers.abstract_tokens`` column)."""
    return index_tokens(abstract or "")


def byline_tokens(authors: str | None, venue: str | None) -> str:
    """Index tokens of the authors and the venue (the ``papers.byline_tokens`` column)."""
    return index_tokens(f"{authors or ''}\n{venue or ''}")


@dataclass(frozen=True, slots=True)
class SearchColumns:
    """The derived search columns of one paper, as ingestion and the migration store them."""

    title_tokens: str
    abstract_tokens: str
    title_zh_compact: str
    byline_tokens: str = ""


def search_columns(
    title_en: str,
    title_zh: str | None,
    abstract: str,
    authors: str | None = None,
    venue: str | None = None,
) -> SearchColumns:
    """Everything the search index derives from a paper's text."""
    return SearchColumns(
        title_tokens=title_tokens(title_en or "", title_zh),
        abstract_tokens=abstract_tokens(abstract or ""),
        title_zh_compact=compact(title_zh or ""),
        byline_tokens=byline_tokens(authors, venue),
    )


def search_fields(
    title_en: str,
    title_zh: str | None,
    abstract: str,
    section: str | None,
    arxiv_id: str | None,
    authors: str | None = None,
    venue: str | None = None,
) -> dict[str, str]:
    """Every derived ``papers`` column the search index reads, by column name: the one
    place a new searchable field is derived (ingestion stores exactly this)."""
    derived = search_columns(title_en, title_zh, abstract, authors, venue)
    parts = [title_en, title_zh or "", section or "", abstract, arxiv_id or ""]
    parts += [authors or "", venue or ""]
    return {
        "title_norm": normalize(f"{title_en} {title_zh or ''}"),
        "title_compact": compact(title_en),
        "search_text": normalize(" ".join(parts)),
        "title_tokens": derived.title_tokens,
        "abstract_tokens": derived.abstract_tokens,
        "title_zh_compact": derived.title_zh_compact,
        "byline_tokens": derived.byline_tokens,
    }


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One thing a query asks for: a word, or the bigram phrase of a CJK run.

    ``prefix`` marks a term that also matches longer tokens: a single CJK character (any
    bigram starting with it) or the query's last Latin word of ``PREFIX_MIN_CHARS``+ letters.
    """

    tokens: tuple[str, ...]
    cjk: bool = False
    prefix: bool = False

    @property
    def text(self) -> str:
        """The term as typed (a CJK run is rebuilt from its bigrams)."""
        if self.cjk and len(self.tokens) > 1:
            return self.tokens[0] + "".join(t[1:] for t in self.tokens[1:])
        return self.tokens[0]


def clean_query(query: str, join_cjk: bool = True) -> str:
    """The folded query, markup and controls removed, cut to ``MAX_QUERY_CHARS``, spaces
    squeezed; ``join_cjk`` drops spaces between Chinese characters (``世界 模型`` →
    ``世界模型``). HTML tags and entities pasted with a title are noise: ``<b>genie</b>``
    is ``genie``, not the words ``b genie b``."""
    folded = fold(_MARKUP.sub(" ", query or ""))[: MAX_QUERY_CHARS * 2]
    if join_cjk:
        folded = _CJK_GAP.sub("", folded)
    return " ".join(folded.split())[:MAX_QUERY_CHARS]


# "-word" or '-"a phrase"' at the start of the query or after a space ("Llama-2" is no
# exclusion: the minus follows a letter)
_EXCLUDED = re.compile(r'(?:^|(?<=\s))[-−]("[^"]+"|[^\s"]+)')


def split_exclusions(query: str) -> tuple[str, list[str]]:
    """The query without its ``-word`` / ``-"phrase"`` parts, and those parts."""
    excluded = [m.group(1).strip('"').strip() for m in _EXCLUDED.finditer(query or "")]
    rest = _EXCLUDED.sub(" ", query or "")
    return " ".join(rest.split()), [e for e in excluded if e]


def has_cjk_gap(query: str) -> bool:
    """Whether the query has Chinese words separated by spaces (``推理 预训练``)."""
    return _CJK_GAP.search(fold(query or "")[: MAX_QUERY_CHARS * 2]) is not None


def query_terms(query: str, join_cjk: bool = True) -> list[QueryTerm]:
    """The terms of a query, de-duplicated, at most ``MAX_QUERY_TERMS``.

    Chinese words separated by a space become one phrase (``世界 模型`` = ``世界模型``), or
    with ``join_cjk=False`` separate terms that must all occur (``推理 预训练``). The last
    Latin word of 4+ letters also matches longer words, as typed so far
    (``language model`` → "Models").
    """
    terms: list[QueryTerm] = []
    seen: set[tuple[str, ...]] = set()
    for token, _sep in _split(clean_query(query, join_cjk)):
        if is_cjk_token(token):
            term = QueryTerm(tuple(bigrams(token)), cjk=True, prefix=len(token) == 1)
        else:
            term = QueryTerm((token,))
        if term.tokens not in seen:
            seen.add(term.tokens)
            terms.append(term)
        if len(terms) >= MAX_QUERY_TERMS:
            break
    last = terms[-1] if terms else None
    if (
        last
        and not last.cjk
        and len(last.tokens[0]) >= PREFIX_MIN_CHARS
        and last.tokens[0].isalpha()
    ):
        terms[-1] = QueryTerm(last.tokens, prefix=True)
    return terms


def term_in_tokens(term: QueryTerm, tokens: list[str], token_set: frozenset[str]) -> bool:
    """Whether a document with these index tokens contains ``term`` (as the index would)."""
    if term.prefix:
        return any(t.startswith(term.tokens[0]) for t in tokens)
    if len(term.tokens) == 1:
        return term.tokens[0] in token_set
    if not all(t in token_set for t in term.tokens):
        return False
    width = len(term.tokens)
    first = term.tokens[0]
    return any(
        tokens[i] == first and tuple(tokens[i : i + width]) == term.tokens
        for i in range(len(tokens) - width + 1)
    )


def arxiv_ids(query: str) -> list[str]:
    """arXiv ids (without version) in a query: ``2405.11157``, an abs/pdf URL, ``arXiv:…``."""
    text = strip_controls(query or "")[:MAX_QUERY_CHARS]
    found = [m.group(1) for m in _ARXIV_NEW.finditer(text)]
    found += [m.group(1).lower() for m in _ARXIV_OLD.finditer(text)]
    return list(dict.fromkeys(found))[:5]


def transpositions(word: str) -> list[str]:
    """The word with two neighbouring letters swapped, each way (``gneie`` → ``ngeie``,
    ``genie``, …): a swap is one typo (Damerau–Levenshtein), but it breaks up to three of
    a short word's trigrams, so the trigram channels alone miss it."""
    swapped = (word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1))
    return [w for w in dict.fromkeys(swapped) if w != word]


def trigrams(word: str) -> list[str]:
    """Distinct three-character substrings of a word, in order."""
    return list(dict.fromkeys(word[i : i + 3] for i in range(len(word) - 2)))


def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal-string-alignment distance (a swap of two neighbours costs 1), capped at
    ``cap + 1`` (rapidfuzz's C++ implementation: ranking runs it thousands of times)."""
    return int(OSA.distance(a, b, score_cutoff=cap))


def word_similarity(a: str, b: str) -> float:
    """1 for equal words, ~0.9 for one typo in a long word, 0 for unrelated ones."""
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    if min(len(a), len(b)) < 3:
        return 0.0
    distance = edit_distance(a, b, cap=max(1, longest // 3))
    if distance > max(1, longest // 3):
        return 0.0
    return 1.0 - distance / longest


def fuzzy_title_score(words: list[str], title_token_list: list[str]) -> float:
    """Mean over query words of the best similarity to a title word (0 … 1)."""
    if not words:
        return 0.0
    candidates = {t for t in title_token_list if not is_cjk_token(t)}
    total = 0.0
    for word in words:
        if word in candidates:
            total += 1.0
        elif candidates:
            total += max(word_similarity(word, t) for t in candidates)
    return total / len(words)
