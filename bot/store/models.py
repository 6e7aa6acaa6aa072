"""ORM models (SQLAlchemy 2.0 typed declarative). The schema itself is owned by Alembic."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.domain.delivery import DeliveryStatus

# SQLite only auto-increments INTEGER PRIMARY KEY, PostgreSQL wants BIGINT for chat ids
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Digest(Base):
    """A weekly digest as listed in ``digests.yaml``; retired when removed from it."""

    __tablename__ = "digests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    week_start: Mapped[date | None] = mapped_column(Date)
    week_end: Mapped[date | None] = mapped_column(Date)
    source_url: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(200))
    file: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    config_hash: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)  # ``skip: true``
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    papers: Mapped[list[Paper]] = relationship(
        back_populates="digest", order_by="Paper.position", cascade="all, delete-orphan"
    )


class Paper(Base):
    """One paper of a digest. Its id stays stable across re-ingestion of the same paper."""

    __tablename__ = "papers"
    __table_args__ = (Index("ix_papers_digest_position", "digest_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    digest_id: Mapped[str] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title_en: Mapped[str] = mapped_column(String(500))
    title_zh: Mapped[str | None] = mapped_column(String(500))
    abstract: Mapped[str] = mapped_column(Text)
    arxiv_id: Mapped[str | None] = mapped_column(String(40), index=True)
    url: Mapped[str | None] = mapped_column(String(500))
    links: Mapped[str] = mapped_column(Text, default="")  # newline-separated
    section: Mapped[str | None] = mapped_column(String(300))
    authors: Mapped[str | None] = mapped_column(Text)  # as the digest writes them
    venue: Mapped[str | None] = mapped_column(Text)  # journal or conference
    # normalised title forms used by search ranking (see bot.domain.searchtext)
    title_norm: Mapped[str] = mapped_column(String(1000), default="")
    title_compact: Mapped[str] = mapped_column(String(1000), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")

    # search index tokens (bot.domain.search_tokens), filled by ingestion
    title_tokens: Mapped[str] = mapped_column(Text, default="", server_default="")
    abstract_tokens: Mapped[str] = mapped_column(Text, default="", server_default="")
    title_zh_compact: Mapped[str] = mapped_column(
        String(1000), default="", server_default="", index=True
    )
    byline_tokens: Mapped[str] = mapped_column(Text, default="", server_default="")

    digest: Mapped[Digest] = relationship(back_populates="papers")
    topic_links: Mapped[list[PaperTopic]] = relationship(
        cascade="all, delete-orphan", order_by="PaperTopic.rank"
    )

    @property
    def topic_ids(self) -> list[str]:
        """Topic ids, best first."""
        return [link.topic_id for link in self.topic_links]


class Topic(Base):
    """A topic of the taxonomy, mirrored from ``topics.yaml`` for joins and counts."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class PaperTopic(Base):
    """Which topics a paper carries; ``rank`` 0 is its main topic."""

    __tablename__ = "paper_topics"
    __table_args__ = (Index("ix_paper_topics_topic", "topic_id", "paper_id"),)

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, default=0)


class Subscription(Base):
    """A chat (or forum topic) that receives the weekly post.

    ``thread_id`` 0 means the chat itself (not NULL, so the unique key works everywhere).
    ``topics`` is a space-separated filter of topic ids; empty means everything.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "thread_id", name="uq_subscription_chat"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0)
    chat_type: Mapped[str] = mapped_column(String(20), default="private")
    title: Mapped[str | None] = mapped_column(String(300))
    topics: Mapped[str] = mapped_column(String(1000), default="")
    language: Mapped[str] = mapped_column(String(10), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    subscribed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(300))
    # a weekly reading poll after each post (``/subscribe poll``)
    poll: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # only the papers the chat's watches match (``/subscribe watches``)
    watches_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Publication(Base):
    """One publishing of a digest (scheduled run, catch-up or /postnow)."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    digest_id: Mapped[str] = mapped_column(ForeignKey("digests.id"))
    trigger: Mapped[str] = mapped_column(String(20))  # a PublishTrigger
    # the schedule slot this run belongs to; unique so two processes cannot both run it
    slot: Mapped[str | None] = mapped_column(String(40), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PublicationPost(Base):
    """The messages of a publication's post for one (language, topic filter), as rendered
    when the publication opened: a resumed delivery sends these, not a fresh render."""

    __tablename__ = "publication_posts"
    __table_args__ = (UniqueConstraint("publication_id", "post_key", name="uq_publication_post"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    post_key: Mapped[str] = mapped_column(String(1100))  # see ``ledger.post_key``
    parts: Mapped[list[str]] = mapped_column(JSON)


class Delivery(Base):
    """The ledger row that makes a chat receive a digest at most once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("digest_id", "chat_id", "thread_id", name="uq_delivery_once"),
        Index("ix_deliveries_publication_status", "publication_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    digest_id: Mapped[str] = mapped_column(ForeignKey("digests.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0)
    # the chat's topic filter and language when the publication started
    topics: Mapped[str] = mapped_column(String(1000), default="")
    language: Mapped[str] = mapped_column(String(10), default="en")
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # parts are the messages of one post; "attempted" is written before a send, "sent"
    # after it, so a crash leaves at most one part whose fate is unknown (never resent)
    parts_attempted: Mapped[int] = mapped_column(Integer, default=0)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    # parts skipped after a crash because they may have arrived (``delivery.in_doubt: skip``)
    parts_unconfirmed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # parts sent again after a crash because they may not have arrived (the default)
    parts_resent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(500))
    # the chat's own rendering of the post (watches, what it saves first): see post_key
    post_tag: Mapped[str] = mapped_column(String(40), default="", server_default="")


class ReadingPoll(Base):
    """A weekly reading poll sent to one chat after one publication (at most one each)."""

    __tablename__ = "reading_polls"
    __table_args__ = (
        UniqueConstraint("publication_id", "chat_id", "thread_id", name="uq_reading_poll_once"),
        Index("ix_reading_polls_chat", "chat_id", "thread_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"))
    digest_id: Mapped[str] = mapped_column(String(40))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(BigInteger, default=0)
    language: Mapped[str] = mapped_column(String(10), default="en")
    # None until Telegram accepted the poll (a reservation that never got sent stays so)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    poll_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    paper_ids: Mapped[list[int]] = mapped_column(JSON)  # option i is paper_ids[i]
    counts: Mapped[list[int] | None] = mapped_column(JSON)  # from ``poll`` updates
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    winner_paper_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))


class ReadingPollVote(Base):
    """One voter's current choice in a reading poll (deleted when the vote is retracted)."""

    __tablename__ = "reading_poll_votes"

    poll_row_id: Mapped[int] = mapped_column(
        ForeignKey("reading_polls.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    option_ids: Mapped[list[int]] = mapped_column(JSON)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KeyValue(Base):
    """Small bot state that must survive restarts (e.g. "admins told the queue is empty")."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PendingUpload(Base):
    """A digest an admin sent in the chat, previewed and waiting for ✅ / 🗓 / 🆔 / ❌.

    Kept here, not in memory, so a restart or another instance can finish it.
    """

    __tablename__ = "pending_uploads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    admin_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(200))  # as sent: shown, never used as a path
    suffix: Mapped[str] = mapped_column(String(8))  # ".md" or ".txt"
    content: Mapped[bytes] = mapped_column(LargeBinary)
    digest_id: Mapped[str] = mapped_column(String(40))
    week: Mapped[date | None] = mapped_column(Date)
    awaiting: Mapped[str | None] = mapped_column(String(8))  # "week" / "id": a reply is due
    format: Mapped[str | None] = mapped_column(String(16))  # the reading the admin picked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReadingEntry(Base):
    """A paper on a chat's reading list (a group's list is shared, a private chat's personal).

    ``saved_by`` is the user who saved it (None when the bot did, e.g. a poll's winner);
    the name is kept as it was then, so the list reads well without asking Telegram.
    """

    __tablename__ = "reading_entries"
    __table_args__ = (
        UniqueConstraint("chat_id", "paper_id", name="uq_reading_chat_paper"),
        Index("ix_reading_chat_saved", "chat_id", "saved_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # a paper that leaves the archive leaves every list with it
    paper_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("papers.id", ondelete="CASCADE"), index=True
    )
    saved_by: Mapped[int | None] = mapped_column(BigInteger)
    saved_by_name: Mapped[str] = mapped_column(String(200), default="")
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_by: Mapped[int | None] = mapped_column(BigInteger)


class Watch(Base):
    """A saved query of a chat (``/watch``): new papers matching it are put first."""

    __tablename__ = "watches"
    __table_args__ = (UniqueConstraint("chat_id", "query", name="uq_watch_chat_query"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    query: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
