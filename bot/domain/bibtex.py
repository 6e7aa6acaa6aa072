"""BibTeX entries for papers: citation keys, protected titles, years, written by bibtexparser.

An entry looks like what arXiv's own export gives::

    @misc{bruce2024genie,
        title = {{Genie}: Generative Interactive Environments},
        author = {Jake Bruce and Michael Dennis and others},
        year = {2024},
        eprint = {2402.15391},
        archivePrefix = {arXiv},
        primaryClass = {cs.CV},
        url = {https://arxiv.org/abs/2402.15391},
    }

* keys are ``<first author's last name><year><first significant title word>``, ASCII
  lower case (``bruce2024genie``); without authors ``anon`` stands in for the name. Keys
  that collide within one file all get a letter: ``…a``, ``…b`` in paper-id order, so a
  file's keys are the same each time it is exported;
* titles keep BibTeX styles from lower-casing names: words with a capital after their first
  letter (``{LLaMA}``, ``{GPT-4}``, ``{AI}``) and a system's name before the title's colon
  (``{Genie}: …``) are braced; LaTeX's special characters are escaped;
* the year comes from the arXiv id (``2402.…`` → 2024, ``hep-th/9901001`` → 1999), else
  from the digest's week;
* ``primaryClass`` is a best guess from the paper's first topic (the digests do not carry
  arXiv categories): language → cs.CL, vision/multimodal/video → cs.CV, else cs.LG.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field

from bot.domain.views import PaperView

ANONYMOUS = "anon"
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "on",
        "of",
        "for",
        "in",
        "into",
        "to",
        "from",
        "with",
        "without",
        "via",
        "and",
        "or",
        "is",
        "are",
        "be",
        "do",
        "does",
        "can",
        "how",
        "what",
        "why",
        "when",
        "which",
        "who",
        "we",
        "our",
        "your",
        "you",
        "all",
        "toward",
        "towards",
        "at",
        "by",
        "as",
        "its",
        "it",
        "not",
        "no",
        "more",
        "less",
        "than",
        "beyond",
        "through",
    }
)
_TOPIC_CLASSES = {
    "language-models": "cs.CL",
    "multimodal": "cs.CV",
    "vision": "cs.CV",
    "video-generation": "cs.CV",
}
_DEFAULT_CLASS = "cs.LG"
_NEW_ARXIV = re.compile(r"(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?")
_OLD_ARXIV = re.compile(r"[a-z-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}(?:v\d+)?")
_LATEX_SPECIAL = re.compile(r"([&%$#_\\~^])")
_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\^{}"}
_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;，；、]|\band\b|&)\s*")
_ET_AL = re.compile(r"(?i)\s*(?:,\s*)?(?:et\s+al\.?|等人?|and\s+others)\s*$")
_WORD = re.compile(r"[^\s]+")


def arxiv_year(arxiv_id: str | None) -> int | None:
    """The year an arXiv id was issued in: ``2402.15391`` → 2024, ``hep-th/9901001`` → 1999."""
    if not arxiv_id:
        return None
    match = _NEW_ARXIV.fullmatch(arxiv_id) or _OLD_ARXIV.fullmatch(arxiv_id)
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    if match.re is _OLD_ARXIV:  # old-style ids ran from 1991 to March 2007
        return 1900 + year if year >= 91 else 2000 + year
    # new-style ids began in April 2007, and none is from a year still to come
    if (year, month) < (7, 4) or 2000 + year > datetime.now(UTC).year + 1:
        return None
    return 2000 + year


def paper_year(paper: PaperView) -> int | None:
    """From the arXiv id, else from the digest's week; None when neither is known."""
    year = arxiv_year(paper.arxiv_id)
    if year is not None:
        return year
    week = paper.digest.week_start or paper.digest.week_end
    return week.year if week else None


def split_authors(authors: str | None) -> tuple[list[str], bool]:
    """The names of a byline as the digest wrote it, and whether it ended with "et al."."""
    text = " ".join((authors or "").split())
    more = bool(_ET_AL.search(text))
    text = _ET_AL.sub("", text)
    names = [name.strip(" .") for name in _AUTHOR_SPLIT.split(text)]
    return [name for name in names if name], more


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only: ``Müller`` → ``muller``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _last_name(name: str) -> str:
    """``Jake Bruce`` → ``bruce``; ``Bruce, Jake`` never reaches here (commas split)."""
    words = name.split()
    for word in reversed(words):
        folded = _ascii(word)
        if folded:
            return folded
    return ""


def _title_word(title: str) -> str:
    """The first word of the title that is not a stop word, folded to ASCII."""
    for raw in re.split(r"[\s:;,.!?()\[\]{}\"'/-]+", title):
        word = _ascii(raw)
        if word and word not in _STOPWORDS and not word.isdigit():
            return word
    return ""


def base_key(paper: PaperView) -> str:
    """The citation key before collisions: ``bruce2024genie``."""
    names, _ = split_authors(paper.authors)
    author = _last_name(names[0]) if names else ""
    year = paper_year(paper)
    return f"{author or ANONYMOUS}{year or ''}{_title_word(paper.title_en)}"


def citation_keys(papers: Sequence[PaperView]) -> dict[int, str]:
    """Unique keys by paper id; colliding keys all get ``a``, ``b``, … in paper-id order."""
    ordered = sorted(papers, key=lambda p: p.id)
    bases = {paper.id: base_key(paper) for paper in ordered}
    counts = Counter(bases.values())
    seen: Counter[str] = Counter()
    keys: dict[int, str] = {}
    taken = {key for key, count in counts.items() if count == 1}
    for paper in ordered:
        key = bases[paper.id]
        if counts[key] > 1:
            while True:
                suffix = _letters(seen[key])
                seen[key] += 1
                if key + suffix not in taken:
                    break
            key += suffix
            taken.add(key)
        keys[paper.id] = key
    return keys


def _letters(index: int) -> str:
    """0 → a, 25 → z, 26 → aa …"""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def latex_escape(text: str) -> str:
    """Text with LaTeX's special characters escaped (``&`` → ``\\&``); braces are dropped
    (BibTeX counts them even after a backslash, so a stray one would break the file)."""
    text = text.replace("{", "").replace("}", "")
    return _LATEX_SPECIAL.sub(lambda m: _LATEX_ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def _needs_braces(word: str) -> bool:
    """A word BibTeX must not lower-case: a capital after its first letter (LLaMA, GPT-4)."""
    return any(c.isupper() for c in word[1:])


def braced_title(title: str) -> str:
    """The title with names protected and LaTeX escaped: ``{LLaMA}: Open …``."""
    title = " ".join(title.split())
    head, colon, _ = title.partition(":")
    name_before_colon = bool(colon) and len(head.split()) == 1 and head[:1].isupper()
    out: list[str] = []
    position = 0
    for index, match in enumerate(_WORD.finditer(title)):
        out.append(latex_escape(title[position : match.start()]))
        word = match.group(0)
        core = word.rstrip(":;,.!?")
        tail = word[len(core) :]
        protect = _needs_braces(core) or (index == 0 and name_before_colon)
        escaped = latex_escape(core)
        out.append((f"{{{escaped}}}" if protect and core else escaped) + latex_escape(tail))
        position = match.end()
    return "".join(out)


def primary_class(paper: PaperView) -> str:
    """A best guess at the arXiv category from the paper's first topic."""
    for topic in paper.topics:
        if topic.id in _TOPIC_CLASSES:
            return _TOPIC_CLASSES[topic.id]
    return _DEFAULT_CLASS


def bib_entry(paper: PaperView, key: str) -> Entry:
    """The ``@misc`` entry of one paper under ``key``."""
    fields = [Field("title", braced_title(paper.title_en))]
    names, more = split_authors(paper.authors)
    if names:
        shown = [latex_escape(name) for name in names] + (["others"] if more else [])
        fields.append(Field("author", " and ".join(shown)))
    year = paper_year(paper)
    if year is not None:
        fields.append(Field("year", str(year)))
    if paper.arxiv_id:
        fields.extend(
            [
                Field("eprint", paper.arxiv_id),
                Field("archivePrefix", "arXiv"),
                Field("primaryClass", primary_class(paper)),
            ]
        )
    if paper.link:
        fields.append(Field("url", paper.link))
    return Entry("misc", key, fields)


def bib_library(papers: Sequence[PaperView]) -> Library:
    """Every paper's entry, in the order given, under unique keys."""
    keys = citation_keys(papers)
    return Library([bib_entry(paper, keys[paper.id]) for paper in papers])


def bibtex(papers: Sequence[PaperView]) -> str:
    """The papers as BibTeX text (a ``.bib`` file's content)."""
    return write_string(bib_library(papers))
