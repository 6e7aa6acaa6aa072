"""The archive's papers as the relevance model reads them: index tokens and topics.

One read of every paper of an active digest (the search columns ingestion derived, so
Chinese text is tokenised exactly as the search index does), for building the TF-IDF
space of ``bot.services.relevance``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Digest, Paper, PaperTopic


@dataclass(frozen=True, slots=True)
class PaperText:
    """One paper's tokens (space-separated index tokens) and topic ids."""

    id: int
    title_tokens: str
    abstract_tokens: str
    topics: tuple[str, ...]


def paper_texts(factory: sessionmaker[Session]) -> list[PaperText]:
    """Every paper of an active digest, oldest first."""
    with factory() as session:
        topics: dict[int, list[str]] = {}
        for paper_id, topic_id in session.execute(
            select(PaperTopic.paper_id, PaperTopic.topic_id).order_by(
                PaperTopic.paper_id, PaperTopic.rank
            )
        ):
            topics.setdefault(paper_id, []).append(topic_id)
        rows = session.execute(
            select(Paper.id, Paper.title_tokens, Paper.abstract_tokens)
            .join(Digest, Digest.id == Paper.digest_id)
            .where(Digest.retired.is_(False))
            .order_by(Paper.id)
        )
        return [
            PaperText(pid, title or "", abstract or "", tuple(topics.get(pid, ())))
            for pid, title, abstract in rows
        ]
