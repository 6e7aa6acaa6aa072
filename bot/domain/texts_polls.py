"""The weekly reading poll's sentences in English and Chinese (``/subscribe poll``, the
poll itself, ``/poll close`` and the announcement of its winner).

Kept beside :mod:`bot.domain.texts`, which merges them into its ``TEXTS`` (read them with
``t(lang, key)`` like every other text).
"""

from __future__ import annotations

POLL_TEXTS: dict[str, dict[str, str]] = {
    "poll_setting_on": {
        "en": "on — closes after {hours} h · /unsubscribe poll turns it off",
        "zh": "已开启 — {hours} 小时后结束 · 发送 /unsubscribe poll 关闭",
    },
    "poll_setting_off": {
        "en": "off · /subscribe poll adds one after each weekly post",
        "zh": "未开启 · 发送 /subscribe poll 在每周推送后发起投票",
    },
    "poll_setting_channel": {
        "en": "not in channels (a channel's polls cannot show who voted)",
        "zh": "频道不支持（频道投票无法显示投票人）",
    },
    "poll_on": {
        "en": (
            "✅ After each weekly post this chat gets a poll: which paper do we read this "
            "week? It closes after {hours} h and the winner goes into the reading list. "
            "/unsubscribe poll turns it off."
        ),
        "zh": (
            "✅ 每次每周推送后，本聊天将发起投票：本周读哪篇论文？投票 {hours} 小时后结束，"
            "得票最多的论文加入阅读清单。发送 /unsubscribe poll 关闭。"
        ),
    },
    "poll_already_on": {
        "en": "The weekly reading poll is already on for this chat.",
        "zh": "本聊天已开启每周阅读投票。",
    },
    "poll_off": {
        "en": "The weekly reading poll is off for this chat. /subscribe poll turns it on.",
        "zh": "本聊天已关闭每周阅读投票。发送 /subscribe poll 重新开启。",
    },
    "poll_already_off": {
        "en": "The weekly reading poll is not on for this chat.",
        "zh": "本聊天未开启每周阅读投票。",
    },
    "poll_needs_subscription": {
        "en": "Subscribe first with /subscribe; then /subscribe poll adds the weekly poll.",
        "zh": "请先发送 /subscribe 订阅，然后发送 /subscribe poll 开启每周投票。",
    },
    "poll_alone": {
        "en": (
            "To switch the weekly reading poll, send /{command} poll with nothing after it; "
            "topics go in their own /{command} &lt;topic …&gt;."
        ),
        "zh": (
            "开关每周阅读投票请只发送 /{command} poll（后面不加其他内容）；"
            "主题请另发 /{command} &lt;主题 …&gt;。"
        ),
    },
    "poll_not_in_channels": {
        "en": (
            "Reading polls are for groups and private chats: a channel's polls cannot show "
            "who voted."
        ),
        "zh": "阅读投票仅用于群组和私聊：频道投票无法显示投票人。",
    },
    "poll_question": {
        "en": "Which paper should we read this week?",
        "zh": "本周我们读哪篇论文？",
    },
    "poll_close_usage": {
        "en": "Usage: /poll close — close this chat's reading poll now (chat admins).",
        "zh": "用法：/poll close — 立即结束本聊天的阅读投票（限群管理员）。",
    },
    "poll_none_open": {
        "en": "There is no open reading poll in this chat.",
        "zh": "本聊天没有进行中的阅读投票。",
    },
    "poll_need_admin": {
        "en": "Sorry, only the chat's administrators can close the reading poll.",
        "zh": "抱歉，只有群管理员可以结束阅读投票。",
    },
    "poll_winner": {
        "en": (
            "🏆 <b>The reading poll is closed.</b> This week we read this paper "
            "({count} {count:vote|votes}); it is in the reading list now.{tie}"
        ),
        "zh": "🏆 <b>阅读投票已结束。</b>本周我们读这篇论文（{count} 票），已加入阅读清单。{tie}",
    },
    "poll_tie": {
        "en": "\nA tie: the earliest option among the most voted wins.",
        "zh": "\n票数相同：得票最多的选项中排在最前的胜出。",
    },
    "poll_saved_by": {"en": "the weekly poll", "zh": "每周投票"},
    "poll_no_votes": {
        "en": "The reading poll is closed with no votes, so nothing was added to the reading list.",
        "zh": "阅读投票已结束，没有人投票，因此未向阅读清单添加论文。",
    },
}
