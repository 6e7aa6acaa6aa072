"""The Mini App's words, English and Chinese: the chat's 🔎 Browse buttons and admin notes
(HTML, merged into :data:`bot.domain.texts.TEXTS`), and the page's own strings (plain text:
the page puts them in with ``textContent``, never as HTML)."""

from __future__ import annotations

WEBAPP_TEXTS: dict[str, dict[str, str]] = {
    "browse_button": {"en": "🔎 Browse", "zh": "🔎 浏览"},
    "browse_paper_button": {"en": "🔎 Open in app", "zh": "🔎 在应用中打开"},
    "browse_reading_button": {"en": "🔎 Open the list in the app", "zh": "🔎 在应用中打开清单"},
    "webapp_on_admin": {
        "en": "\n\nMini App: on ({url}).",
        "zh": "\n\n小程序：已开启（{url}）。",
    },
    "webapp_off_admin": {
        "en": "\n\nMini App: off (set WEBAPP_URL to turn it on).",
        "zh": "\n\n小程序：未开启（设置 WEBAPP_URL 即可开启）。",
    },
}

# The page's strings, sent to it as JSON; keys are what app.js asks for.
PAGE_TEXTS: dict[str, dict[str, str]] = {
    "title": {"en": "Paper Digest", "zh": "论文速递"},
    "tab_search": {"en": "Search", "zh": "搜索"},
    "tab_weeks": {"en": "Weeks", "zh": "每周"},
    "tab_topics": {"en": "Topics", "zh": "主题"},
    "tab_reading": {"en": "Reading list", "zh": "阅读清单"},
    "search_placeholder": {
        "en": "Title, 中文标题, arXiv id, author…",
        "zh": "标题、英文标题、arXiv 编号、作者…",
    },
    "all_topics": {"en": "All topics", "zh": "全部主题"},
    "all_weeks": {"en": "All weeks", "zh": "全部周"},
    "results": {"en": "{count} papers", "zh": "{count} 篇论文"},
    "results_one": {"en": "1 paper", "zh": "1 篇论文"},
    "no_results": {"en": "No paper matches.", "zh": "没有匹配的论文。"},
    "latest": {"en": "Latest digest", "zh": "最新一期"},
    "papers_count": {"en": "{count} papers", "zh": "{count} 篇"},
    "authors": {"en": "Authors", "zh": "作者"},
    "venue": {"en": "Venue", "zh": "发表于"},
    "summary": {"en": "Summary", "zh": "摘要"},
    "topics": {"en": "Topics", "zh": "主题"},
    "digests": {"en": "In the digests", "zh": "所在速递"},
    "links": {"en": "Links", "zh": "链接"},
    "arxiv": {"en": "arXiv", "zh": "arXiv"},
    "pdf": {"en": "PDF", "zh": "PDF"},
    "code": {"en": "Code", "zh": "代码"},
    "bibtex": {"en": "BibTeX", "zh": "BibTeX"},
    "copy": {"en": "Copy", "zh": "复制"},
    "copied": {"en": "Copied", "zh": "已复制"},
    "save": {"en": "📌 Save", "zh": "📌 收藏"},
    "saved": {"en": "✓ Saved — remove", "zh": "✓ 已收藏 — 移除"},
    "reading_empty": {
        "en": "Nothing saved yet: press 📌 Save on a paper.",
        "zh": "清单还是空的：在论文上点 📌 收藏。",
    },
    "reading_of": {"en": "Reading list of {chat}", "zh": "{chat} 的阅读清单"},
    "this_chat": {"en": "this chat", "zh": "本聊天"},
    "saved_by": {"en": "saved by {name}, {date}", "zh": "{name} 收藏于 {date}"},
    "saved_by_bot": {"en": "the weekly poll", "zh": "每周投票"},
    "mark_read": {"en": "Mark read", "zh": "标为已读"},
    "mark_unread": {"en": "Mark unread", "zh": "标为未读"},
    "read": {"en": "read", "zh": "已读"},
    "remove": {"en": "Remove", "zh": "移除"},
    "download_bib": {"en": "Download .bib", "zh": "下载 .bib"},
    "language": {"en": "中文", "zh": "English"},
    "theme_dark": {"en": "Dark", "zh": "深色"},
    "theme_light": {"en": "Light", "zh": "浅色"},
    "back": {"en": "← Back", "zh": "← 返回"},
    "more": {"en": "More", "zh": "更多"},
    "error_auth": {
        "en": "Open this page from the bot in Telegram (🔎 Browse).",
        "zh": "请在 Telegram 中从机器人打开本页（🔎 浏览）。",
    },
    "error_member": {
        "en": "Only members of that chat can see its reading list.",
        "zh": "只有该聊天的成员可以查看它的阅读清单。",
    },
    "error_rate": {"en": "Too many requests; wait a moment.", "zh": "请求太频繁，请稍候。"},
    "error_gone": {"en": "Not found.", "zh": "没有找到。"},
    "error_refused": {
        "en": "Only the one who saved it or a chat admin may remove it.",
        "zh": "只有收藏者或群管理员可以移除。",
    },
    "error_other": {"en": "Something went wrong; try again.", "zh": "出错了，请重试。"},
}


def page_texts(lang: str) -> dict[str, str]:
    """The page's strings in ``lang`` (``en`` or ``zh``)."""
    return {key: texts[lang] for key, texts in PAGE_TEXTS.items()}
