"""Telegram handlers (thin: parse, call a service, reply) and their registration."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot.domain.callbacks import (
    DigestPage,
    DigestsPage,
    ForYouPage,
    OpenDigest,
    OpenPaper,
    OpenTopic,
    PageLabel,
    PaperCard,
    QueueAction,
    ReadingMark,
    ReadingPage,
    ReadingRemove,
    ResultsPage,
    SavePaper,
    SimilarPapers,
    TopicFocusPage,
    TopicPage,
    Unwatch,
    UploadAction,
)
from bot.handlers import admin, browse, chat, papers, polls, reading, uploads, watches
from bot.handlers.buttons import button_handler, stale_button_callback
from bot.handlers.errors import error_handler
from bot.handlers.menu import ADMIN_COMMANDS, USER_COMMANDS

__all__ = ["ADMIN_COMMANDS", "USER_COMMANDS", "register"]


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Attach every handler to the application."""
    commands = {
        ("start", "help"): chat.start_command,
        ("settings",): chat.settings_command,
        ("subscribe",): chat.subscribe_command,
        ("unsubscribe",): chat.unsubscribe_command,
        ("poll",): polls.poll_command,
        ("paper", "papers", "search"): papers.paper_command,
        ("topic",): browse.topic_command,
        ("topics",): browse.topics_command,
        ("digest",): browse.digest_command,
        ("digests",): browse.digests_command,
        ("reading",): reading.reading_command,
        ("bib",): reading.bib_command,
        ("top",): reading.top_command,
        ("watch",): watches.watch_command,
        ("watches",): watches.watches_command,
        ("unwatch",): watches.unwatch_command,
        ("foryou",): watches.foryou_command,
        ("reload",): admin.reload_command,
        ("preview",): admin.preview_command,
        ("stats",): admin.stats_command,
        ("postnow",): admin.postnow_command,
        ("queue",): uploads.queue_command,
        ("add",): uploads.add_command,
    }
    # an edited old message must not run its command again (an edited /postnow would
    # publish the next digest): commands answer new messages only
    new_messages_only = ~filters.UpdateType.EDITED
    for names, callback in commands.items():
        application.add_handler(CommandHandler(list(names), callback, filters=new_messages_only))
    for button in (
        button_handler(OpenPaper, papers.paper_button_callback),
        button_handler(PaperCard, papers.paper_button_callback),
        button_handler(ResultsPage, papers.results_page_callback),
        button_handler(OpenTopic, browse.open_topic_callback),
        button_handler(TopicPage, browse.topic_page_callback),
        button_handler(TopicFocusPage, browse.topic_page_callback),
        button_handler(OpenDigest, browse.digest_callback),
        button_handler(DigestPage, browse.digest_page_callback),
        button_handler(DigestsPage, browse.digests_callback),
        button_handler(PageLabel, browse.noop_callback),
        button_handler(UploadAction, uploads.upload_button),
        button_handler(QueueAction, uploads.queue_button),
        button_handler(SavePaper, reading.save_callback),
        button_handler(ReadingPage, reading.reading_page_callback),
        button_handler(ReadingMark, reading.reading_mark_callback),
        button_handler(ReadingRemove, reading.reading_remove_callback),
        button_handler(SimilarPapers, watches.similar_callback),
        button_handler(Unwatch, watches.unwatch_callback),
        button_handler(ForYouPage, watches.foryou_page_callback),
    ):
        application.add_handler(button)
    # last of the buttons: old, made-up or empty data still gets an answer
    application.add_handler(CallbackQueryHandler(stale_button_callback))
    # after every command: the ones nobody handled, and plain text, in private chats only
    private = filters.ChatType.PRIVATE & ~filters.VIA_BOT & ~filters.UpdateType.EDITED
    application.add_handler(MessageHandler(private & filters.COMMAND, chat.unknown_command))
    # an admin's answer to 🗓/🆔 of an upload, else the search hint
    application.add_handler(MessageHandler(private & filters.TEXT, uploads.text_message))
    # a digest sent as a file (admins only; anyone else's documents are ignored)
    application.add_handler(
        MessageHandler(private & filters.Document.ALL, uploads.document_message)
    )
    application.add_handler(InlineQueryHandler(papers.inline_query))
    application.add_handler(PollAnswerHandler(polls.poll_answer))
    application.add_handler(PollHandler(polls.poll_state))
    application.add_handler(
        ChatMemberHandler(chat.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(error_handler)
