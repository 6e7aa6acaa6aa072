"""Telegram handlers (thin: parse, call a service, reply) and their registration."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
)

from bot.handlers import admin, browse, chat, papers
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
        ("paper", "papers", "search"): papers.paper_command,
        ("topic",): browse.topic_command,
        ("topics",): browse.topics_command,
        ("digest",): browse.digest_command,
        ("digests",): browse.digests_command,
        ("reload",): admin.reload_command,
        ("preview",): admin.preview_command,
        ("stats",): admin.stats_command,
        ("postnow",): admin.postnow_command,
    }
    for names, callback in commands.items():
        application.add_handler(CommandHandler(list(names), callback))
    callbacks = {
        r"^p:\d+$": papers.open_paper_callback,
        r"^p[fs]:\d+$": papers.toggle_card_callback,
        r"^sp:[\w-]+:\d+$": papers.results_page_callback,
        r"^t:[\w.-]+$": browse.topic_callback,
        r"^tp:[\w.-]+:\d+$": browse.topic_callback,
        r"^d:[\w.-]+$": browse.digest_callback,
        r"^dl:\d+$": browse.digests_callback,
        r"^noop$": browse.noop_callback,
    }
    for pattern, callback in callbacks.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(InlineQueryHandler(papers.inline_query))
    application.add_handler(
        ChatMemberHandler(chat.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(error_handler)
