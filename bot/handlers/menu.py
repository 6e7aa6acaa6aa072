"""The command menu Telegram shows (``setMyCommands``), in English and Chinese.

Admin commands appear only in the admins' private chats. Telegram refuses a chat scope
for a user who has never opened the bot, so an admin's menu is (re)set on their /start too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import TelegramError

from bot.domain.texts_webapp import WEBAPP_TEXTS

log = logging.getLogger(__name__)
MENU_LANGUAGES = {"en": None, "zh": "zh"}  # None: the default for every other language

USER_COMMANDS: dict[str, dict[str, str]] = {
    "paper": {"en": "Find a paper", "zh": "查找论文"},
    "topic": {"en": "Papers of a topic", "zh": "某主题的论文"},
    "topics": {"en": "All topics", "zh": "全部主题"},
    "digest": {"en": "A weekly digest (latest, id or date)", "zh": "某期速递（最新、编号或日期）"},
    "digests": {"en": "The digest archive", "zh": "往期速递"},
    "reading": {"en": "This chat's reading list", "zh": "本聊天的阅读清单"},
    "bib": {"en": "BibTeX of the list or a paper", "zh": "导出 BibTeX（清单或单篇）"},
    "top": {"en": "Most saved papers", "zh": "收藏最多的论文"},
    "watch": {"en": "Watch a query: its papers first 🔔", "zh": "关注关键词：匹配的论文优先 🔔"},
    "watches": {"en": "This chat's watches", "zh": "本聊天的关注"},
    "foryou": {"en": "Papers like the ones this chat saves", "zh": "与本聊天收藏相似的论文"},
    "subscribe": {"en": "Get the weekly post here", "zh": "在此接收每周推送"},
    "unsubscribe": {"en": "Stop the weekly post", "zh": "停止每周推送"},
    "settings": {"en": "This chat's subscription", "zh": "本聊天的订阅设置"},
    "help": {"en": "What this bot does", "zh": "使用帮助"},
}
ADMIN_COMMANDS: dict[str, dict[str, str]] = {
    "reload": {"en": "Reload config and content", "zh": "重新加载配置和内容"},
    "preview": {
        "en": "Preview the next post, or a digest by id",
        "zh": "预览下一次推送，或按编号预览某期",
    },
    "stats": {"en": "Bot statistics", "zh": "统计信息"},
    "postnow": {"en": "Publish the next digest now", "zh": "立即发布下一期"},
    "queue": {"en": "The publishing queue: reorder, skip", "zh": "发布队列：调整顺序、跳过"},
    "add": {
        "en": "Add a digest: /add <text> or send a file",
        "zh": "加入速递：/add <文本> 或发送文件",
    },
}


def _commands(table: dict[str, dict[str, str]], lang: str) -> list[BotCommand]:
    return [BotCommand(name, texts[lang]) for name, texts in table.items()]


async def set_admin_menu(bot: Bot, admin_id: int) -> bool:
    """User and admin commands in one admin's private chat; False if Telegram refused."""
    try:
        for lang, code in MENU_LANGUAGES.items():
            commands = _commands(USER_COMMANDS, lang) + _commands(ADMIN_COMMANDS, lang)
            await bot.set_my_commands(commands, BotCommandScopeChat(admin_id), code)
    except TelegramError as exc:  # the admin has not opened the bot yet
        log.info("admin menu for %s not set yet: %s", admin_id, exc)
        return False
    return True


async def set_menus(bot: Bot, admins: Iterable[int]) -> None:
    """The menu for everyone, then the admins' menus."""
    for lang, code in MENU_LANGUAGES.items():
        await bot.set_my_commands(_commands(USER_COMMANDS, lang), BotCommandScopeDefault(), code)
    for admin in sorted(admins):
        await set_admin_menu(bot, admin)


async def set_browse_menu(bot: Bot, url: str) -> None:
    """🔎 Browse as the menu button of every private chat: it opens the Mini App."""
    button = MenuButtonWebApp(WEBAPP_TEXTS["browse_button"]["en"], WebAppInfo(url))
    try:
        await bot.set_chat_menu_button(menu_button=button)
    except TelegramError as exc:  # the bot works without it; say why it is missing
        log.warning("could not set the Mini App menu button: %s", exc)
