"""The reading list's, /bib's and /top's sentences in English and Chinese.

Kept beside :mod:`bot.domain.texts`, which merges them into its ``TEXTS`` (read them with
``t(lang, key)`` like every other text).
"""

from __future__ import annotations

READING_TEXTS: dict[str, dict[str, str]] = {
    "save_button": {"en": "📌 Save", "zh": "📌 收藏"},
    "saved_button": {"en": "✓ Saved — remove", "zh": "✓ 已收藏 — 移除"},
    "saved_toast": {
        "en": "📌 Saved to this chat's reading list (/reading).",
        "zh": "📌 已加入本聊天的阅读清单（/reading）。",
    },
    "removed_toast": {
        "en": "Removed from this chat's reading list.",
        "zh": "已从本聊天的阅读清单移除。",
    },
    "remove_refused": {
        "en": "Only {name} (who saved it) or a chat admin can remove this paper.",
        "zh": "只有收藏者 {name} 或群管理员可以移除这篇论文。",
    },
    "not_on_list": {
        "en": "That paper is no longer on the reading list.",
        "zh": "这篇论文已不在阅读清单中。",
    },
    "marked_read": {"en": "✓ Marked read.", "zh": "✓ 已标记为已读。"},
    "marked_unread": {"en": "Marked unread.", "zh": "已标记为未读。"},
    "mark_read": {"en": "✓ Read", "zh": "✓ 已读"},
    "mark_unread": {"en": "↩ Unread", "zh": "↩ 未读"},
    "remove": {"en": "🗑 Remove", "zh": "🗑 移除"},
    "reading_empty": {
        "en": (
            "This chat's reading list is empty. Press 📌 Save under a paper "
            "(/paper, /digest, the weekly post) to add it."
        ),
        "zh": (
            "本聊天的阅读清单是空的。在论文下方点 📌 收藏（/paper、/digest、每周推送）即可加入。"
        ),
    },
    "reading_header": {
        "en": (
            "📚 <b>Reading list</b> of this chat · {total} {total:paper|papers}, newest first "
            "(page {page}/{pages}):"
        ),
        "zh": "📚 本聊天的<b>阅读清单</b> · 共 {total} 篇，最新在前（第 {page}/{pages} 页）：",
    },
    "saved_by": {"en": "📌 {name} · {date}", "zh": "📌 {name} · {date}"},
    "saved_by_bot": {"en": "the bot", "zh": "机器人"},
    "bib_empty": {
        "en": (
            "This chat's reading list is empty, so there is nothing to export. Save papers "
            "with 📌, or send <code>/bib genie</code> for one paper's entry."
        ),
        "zh": (
            "本聊天的阅读清单是空的，没有可导出的条目。"
            "用 📌 收藏论文，或发送 <code>/bib genie</code> 获取单篇条目。"
        ),
    },
    "bib_caption": {
        "en": "📚 The reading list of this chat: {count} BibTeX {count:entry|entries}.",
        "zh": "📚 本聊天的阅读清单：共 {count} 条 BibTeX 条目。",
    },
    "bib_no_match": {
        "en": (
            "No paper matches “{query}”. Usage: /bib — the reading list as a .bib file; "
            "/bib &lt;title words or arXiv id&gt; — one paper's entry."
        ),
        "zh": (
            "没有与“{query}”匹配的论文。用法：/bib — 以 .bib 文件导出阅读清单；"
            "/bib &lt;标题关键词或 arXiv 编号&gt; — 单篇论文的条目。"
        ),
    },
    "top_header": {
        "en": "🏆 <b>Top papers</b> of this chat — {period}:",
        "zh": "🏆 本聊天的<b>热门论文</b> — {period}：",
    },
    "top_header_global": {
        "en": "🏆 <b>Top papers</b> across all chats — {period}:",
        "zh": "🏆 所有聊天的<b>热门论文</b> — {period}：",
    },
    "top_empty": {
        "en": "No papers were saved here in {period}. Press 📌 Save under a paper to add it.",
        "zh": "{period}本聊天没有收藏论文。在论文下方点 📌 收藏即可加入。",
    },
    "top_empty_global": {
        "en": "No chat saved a paper in {period}.",
        "zh": "{period}没有任何聊天收藏论文。",
    },
    "period_week": {"en": "the last 7 days", "zh": "最近 7 天"},
    "period_month": {"en": "the last 30 days", "zh": "最近 30 天"},
    "period_all": {"en": "all time", "zh": "全部时间"},
    "usage_top": {
        "en": "Usage: /top [week|month|all] — the papers this chat saved most.",
        "zh": "用法：/top [week|month|all] — 本聊天收藏最多的论文。",
    },
    "usage_top_admin": {
        "en": "\nAdmins: /top global [week|month|all] — counts across all chats.",
        "zh": "\n管理员：/top global [week|month|all] — 所有聊天的统计。",
    },
}
