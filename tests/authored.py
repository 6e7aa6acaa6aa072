"""A small digest whose papers carry authors and venue, built directly (not parsed), so
store, render and search tests do not depend on what the parser fills in."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from bot.config import DigestEntry
from bot.content import LoadedDigest, TaggedPaper

BYLINE_DIGEST_ID = "byline-w1"
HINTON_TITLE = "Learning Representations by Back-propagating Errors"
HINTON_AUTHORS = "David E. Rumelhart, Geoffrey E. Hinton, Ronald J. Williams"
HINTON_VENUE = "Nature 323"
LI_TITLE = "ImageNet: A Large-Scale Hierarchical Image Database"
LI_AUTHORS = "Jia Deng, Wei Dong, Richard Socher, 李飞飞 (Fei-Fei Li)"
LI_VENUE = "CVPR 2009"
MENTION_TITLE = "A Survey of Credit Assignment"
# mentions the name only in its summary: ranks below the paper Hinton wrote
MENTION_ABSTRACT = (
    "We survey credit assignment in deep networks, from the back-propagation paper of "
    "Rumelhart and Hinton to modern alternatives, and compare their cost on large models. "
    "The comparison covers twelve methods and four benchmark families."
)


def byline_papers() -> tuple[TaggedPaper, ...]:
    """Three papers: two with authors and venue, one naming an author only in its summary."""
    hinton_zh = ("通过反向传播误差学习表示", "我们描述了一种新的学习过程：反向传播。")
    li_zh = ("ImageNet：大规模层次化图像数据库", "一个按 WordNet 组织的图像数据库。")
    rows = [
        (HINTON_TITLE, *hinton_zh, "8606.00001", HINTON_AUTHORS, HINTON_VENUE),
        (LI_TITLE, *li_zh, None, LI_AUTHORS, LI_VENUE),
        (MENTION_TITLE, None, MENTION_ABSTRACT, None, None, None),
    ]
    return tuple(
        TaggedPaper(
            title_en=title_en,
            title_zh=title_zh,
            abstract=abstract,
            arxiv_id=arxiv_id,
            url=None,
            links=(),
            section=None,
            position=position,
            topics=("general",),
            authors=authors,
            venue=venue,
        )
        for position, (title_en, title_zh, abstract, arxiv_id, authors, venue) in enumerate(rows)
    )


def byline_digest(folder: Path, papers: tuple[TaggedPaper, ...] | None = None) -> LoadedDigest:
    """The digest as ingestion receives it; ``papers`` replaces the default three."""
    papers = byline_papers() if papers is None else papers
    return LoadedDigest(
        entry=DigestEntry(id=BYLINE_DIGEST_ID, file=folder / "byline.md", position=99),
        title="Classics with authors",
        week_start=date(2024, 6, 3),
        week_end=date(2024, 6, 9),
        source_url=None,
        author=None,
        content_hash=hashlib.sha256(repr(papers).encode()).hexdigest(),
        config_hash="config",
        papers=papers,
    )
