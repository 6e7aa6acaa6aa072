"""The sentences of watches, /foryou and similar papers, in English and Chinese.

Kept beside :mod:`bot.domain.texts`, which merges them into its ``TEXTS`` (read them with
``t(lang, key)`` like every other text).
"""

from __future__ import annotations

WATCH_TEXTS: dict[str, dict[str, str]] = {
    "usage_watch": {
        "en": (
            "Usage: /watch &lt;query&gt; — e.g. <code>/watch world model -video</code>, "
            '<code>/watch "speculative decoding"</code>, <code>/watch 量化</code>. Papers '
            "matching it come first in this chat's weekly post, marked 🔔. /watches lists them."
        ),
        "zh": (
            "用法：/watch &lt;关键词&gt; — 例如 <code>/watch world model -video</code>、"
            '<code>/watch "speculative decoding"</code>、<code>/watch 量化</code>。'
            "匹配的论文会在本聊天的每周推送中排在最前，并标记 🔔。/watches 查看全部。"
        ),
    },
    "watch_added": {
        "en": "🔔 Watching <b>{query}</b> in this chat.",
        "zh": "🔔 本聊天已关注 <b>{query}</b>。",
    },
    "watch_exists": {
        "en": "🔔 This chat already watches <b>{query}</b>.",
        "zh": "🔔 本聊天已经在关注 <b>{query}</b>。",
    },
    "watch_matches": {
        "en": "The archive's best matches so far:",
        "zh": "存档中目前最匹配的论文：",
    },
    "watch_no_matches": {
        "en": "Nothing in the archive matches it yet; new papers that do will come first.",
        "zh": "存档中暂时没有匹配的论文；之后匹配的新论文会排在最前。",
    },
    "watch_full": {
        "en": (
            "This chat has {limit} watches already, the most it can have. /watches to remove one."
        ),
        "zh": "本聊天已有 {limit} 个关注，已达上限。发送 /watches 移除一个。",
    },
    "watch_meaningless": {
        "en": "That watch asks for nothing (only punctuation or -exclusions). /watch genie",
        "zh": "这个关注没有要查找的内容（只有标点或排除词）。例如 /watch genie",
    },
    "watches_header": {
        "en": "🔔 <b>This chat's watches</b> ({count} of {limit}) — ❌ to stop one:",
        "zh": "🔔 <b>本聊天的关注</b>（{count}/{limit}）— 点 ❌ 取消：",
    },
    "watches_empty": {
        "en": "This chat watches nothing yet. /watch &lt;query&gt; adds one.",
        "zh": "本聊天还没有关注。发送 /watch &lt;关键词&gt; 添加。",
    },
    "watches_only_note": {
        "en": "Weekly: only the papers these match (/subscribe watches).",
        "zh": "每周：仅推送匹配的论文（/subscribe watches）。",
    },
    "unwatched": {
        "en": "Stopped watching <b>{query}</b>.",
        "zh": "已取消关注 <b>{query}</b>。",
    },
    "unwatched_all": {
        "en": "Stopped all {count} watches of this chat.",
        "zh": "已取消本聊天的全部 {count} 个关注。",
    },
    "unwatch_unknown": {
        "en": "This chat does not watch <b>{query}</b>. /watches lists its watches.",
        "zh": "本聊天没有关注 <b>{query}</b>。发送 /watches 查看。",
    },
    "usage_unwatch": {
        "en": "Usage: /unwatch &lt;query&gt; (as in /watches), or /unwatch all.",
        "zh": "用法：/unwatch &lt;关键词&gt;（与 /watches 中相同），或 /unwatch all。",
    },
    "need_chat_admin_watch": {
        "en": "Sorry, only the chat's administrators can change its watches.",
        "zh": "抱歉，只有群管理员可以更改本聊天的关注。",
    },
    "subscribed_watches": {
        "en": (
            "✅ This chat now gets, at the weekly post time ({when}), only the papers its "
            "watches match — nothing in a week when none do."
        ),
        "zh": "✅ 本聊天将在每周推送时（{when}）只收到关注匹配的论文——没有匹配时不推送。",
    },
    "subscribed_watches_none": {
        "en": (
            "✅ This chat now gets only the papers its watches match ({when}); it watches "
            "nothing yet: /watch &lt;query&gt;."
        ),
        "zh": "✅ 本聊天将只收到关注匹配的论文（{when}）；还没有关注：/watch &lt;关键词&gt;。",
    },
    "status_watches_only": {
        "en": "only papers its watches match 🔔 ({count} {count:watch|watches})",
        "zh": "仅推送关注匹配的论文 🔔（{count} 个关注）",
    },
    "settings_watches": {
        "en": "{count} — /watches · /subscribe watches: only the papers they match",
        "zh": "{count} 个 — /watches · /subscribe watches：只推送匹配的论文",
    },
    "post_header_watches": {
        "en": (
            "🔔 <b>{title}</b>\n{week} · {count} of {total} {total:paper|papers} "
            "match this chat's watches"
        ),
        "zh": "🔔 <b>{title}</b>\n{week} · {total} 篇中有 {count} 篇匹配本聊天的关注",
    },
    "post_watch_mark": {"en": "🔔 <i>{query}</i>", "zh": "🔔 <i>{query}</i>"},
    "post_for_chat": {"en": "▎<b>For this chat</b>", "zh": "▎<b>为本聊天推荐</b>"},
    "post_the_rest": {"en": "▎<b>The rest of the digest</b>", "zh": "▎<b>本期其余论文</b>"},
    "foryou_header": {
        "en": (
            "✨ <b>For this chat</b> — unsaved papers like the ones it saves (page {page}/{pages}):"
        ),
        "zh": "✨ <b>为本聊天推荐</b>——与已收藏论文相似的未收藏论文（第 {page}/{pages} 页）：",
    },
    "foryou_because_paper": {"en": "   ↳ like: {title}", "zh": "   ↳ 相似于：{title}"},
    "foryou_because_watch": {"en": "   ↳ 🔔 {query}", "zh": "   ↳ 🔔 {query}"},
    "foryou_cold": {
        "en": (
            "Not enough to go on yet: {count} of {needed} signals. Press 📌 Save under papers "
            "you like, vote in the reading poll, or /watch a query."
        ),
        "zh": (
            "信息还不够：{count}/{needed} 个信号。在喜欢的论文下点 📌 收藏、参与阅读投票，"
            "或用 /watch 关注关键词。"
        ),
    },
    "foryou_empty": {
        "en": "Nothing in the archive resembles this chat's saves yet.",
        "zh": "存档中暂时没有与本聊天收藏相似的论文。",
    },
    "similar_button": {"en": "🔗 Similar", "zh": "🔗 相似论文"},
    "similar_header": {
        "en": "🔗 <b>Papers like</b> {title}:",
        "zh": "🔗 <b>与之相似的论文</b>：{title}",
    },
    "similar_none": {
        "en": "No paper in the archive is much like this one.",
        "zh": "存档中没有与之相似的论文。",
    },
    "preview_watch_reach": {
        "en": "🔔 Matches the watches of {count} {count:chat|chats}.",
        "zh": "🔔 匹配 {count} 个聊天的关注。",
    },
}
