"""Every user-facing sentence, in English and Chinese, in one place.

Templates are HTML; values passed to :func:`t` are escaped here, so a caller can never
forget it. Pass ``Raw`` for a value that is already safe HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.domain.texts_reading import READING_TEXTS

LANGS = ("en", "zh")


@dataclass(frozen=True, slots=True)
class Raw:
    """Already-escaped HTML to interpolate as is."""

    html: str


def lang_of(language_code: str | None) -> str:
    """Chinese for users whose Telegram language starts with ``zh``, English otherwise."""
    return "zh" if (language_code or "").lower().startswith("zh") else "en"


TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "en": (
            "<b>Paper Digest</b> brings a weekly digest of notable AI papers into this chat "
            "and lets you look papers up at any time.\n\n"
            "{commands}\n\nNext weekly post: <b>{next_post}</b>\nThis chat: {status}"
        ),
        "zh": (
            "<b>论文速递</b>每周把值得关注的 AI 论文推送到本聊天，并可随时查询论文。\n\n"
            "{commands}\n\n下次每周推送：<b>{next_post}</b>\n本聊天：{status}"
        ),
    },
    "commands": {
        "en": (
            "/paper &lt;query&gt; — find a paper (title, 中文标题, arXiv id, words)\n"
            "/topic &lt;name&gt; — papers of a topic · /topics — all topics\n"
            "/digest [latest|id|YYYY-MM-DD] — a weekly digest · /digests — the archive\n"
            "/subscribe [topics…] — get the weekly post here · /unsubscribe · /settings\n"
            "/reading — this chat's reading list (📌 saves) · /bib [query] — BibTeX · "
            "/top [week|month|all] — most saved\n"
            "Inline: type <code>@{username} genie</code> in any chat."
        ),
        "zh": (
            "/paper &lt;关键词&gt; — 查找论文（标题、中文标题、arXiv 编号、关键词）\n"
            "/topic &lt;主题&gt; — 某主题的论文 · /topics — 全部主题\n"
            "/digest [latest|编号|YYYY-MM-DD] — 某期速递 · /digests — 往期速递\n"
            "/subscribe [主题…] — 在此接收每周推送 · /unsubscribe · /settings\n"
            "/reading — 本聊天的阅读清单（📌 收藏） · /bib [关键词] — BibTeX · "
            "/top [week|month|all] — 收藏最多\n"
            "行内模式：在任意聊天输入 <code>@{username} genie</code>。"
        ),
    },
    "admin_commands": {
        "en": "\n\nAdmin: /reload · /preview [id] · /stats · /postnow [id] · /top global",
        "zh": "\n\n管理员：/reload · /preview [编号] · /stats · /postnow [编号] · /top global",
    },
    "status_subscribed": {"en": "subscribed ✅", "zh": "已订阅 ✅"},
    "status_subscribed_topics": {
        "en": "subscribed ✅ (only: {topics})",
        "zh": "已订阅 ✅（仅：{topics}）",
    },
    "status_not_subscribed": {
        "en": "not subscribed — /subscribe",
        "zh": "未订阅 — /subscribe",
    },
    "no_schedule": {"en": "not scheduled", "zh": "未安排"},
    "usage_paper": {
        "en": (
            "Usage: /paper &lt;title, 中文标题, arXiv id or words&gt;\n"
            "Example: <code>/paper genie</code>"
        ),
        "zh": (
            "用法：/paper &lt;标题、中文标题、arXiv 编号或关键词&gt;\n"
            "例如：<code>/paper 世界模型</code>"
        ),
    },
    "usage_topic": {
        "en": "Usage: /topic &lt;name&gt;, e.g. <code>/topic quantization</code>. Topics:",
        "zh": "用法：/topic &lt;主题&gt;，例如 <code>/topic 量化</code>。全部主题：",
    },
    "usage_digest": {
        "en": "Usage: /digest [latest | &lt;id&gt; | YYYY-MM-DD], e.g. <code>/digest latest</code>",
        "zh": (
            "用法：/digest [latest | &lt;编号&gt; | YYYY-MM-DD]，例如 <code>/digest latest</code>"
        ),
    },
    "no_match": {
        "en": "No paper matches <b>{query}</b>.",
        "zh": "没有找到与 <b>{query}</b> 匹配的论文。",
    },
    "arxiv_not_in_digests": {
        "en": (
            "arXiv:{arxiv_id} is not in our digests yet: "
            '<a href="https://arxiv.org/abs/{arxiv_id}">open it on arxiv.org</a>'
        ),
        "zh": (
            "arXiv:{arxiv_id} 还没有收录在我们的周报里："
            '<a href="https://arxiv.org/abs/{arxiv_id}">在 arxiv.org 上查看</a>'
        ),
    },
    "did_you_mean": {"en": "Did you mean:", "zh": "您是不是要找："},
    "try_topics": {
        "en": "Or browse by topic: /topics",
        "zh": "也可以按主题浏览：/topics",
    },
    "topic_hint": {
        "en": "It is also a topic: <b>{topic}</b> — tap below for its papers.",
        "zh": "这也是一个主题：<b>{topic}</b> — 点击下方查看相关论文。",
    },
    "results_header": {
        "en": (
            "<b>{total}</b> {total:paper matches|papers match} <b>{query}</b> "
            "(page {page}/{pages}):"
        ),
        "zh": "与 <b>{query}</b> 匹配的论文共 <b>{total}</b> 篇（第 {page}/{pages} 页）：",
    },
    "results_more": {
        "en": "Showing the best {shown}; refine the query to narrow it down.",
        "zh": "仅显示最相关的 {shown} 篇，可换更具体的关键词。",
    },
    "topic_header": {
        "en": "<b>{topic}</b> — {total} {total:paper|papers}, newest first (page {page}/{pages}):",
        "zh": "<b>{topic}</b> — 共 {total} 篇，最新在前（第 {page}/{pages} 页）：",
    },
    "topic_empty": {
        "en": "No papers in <b>{topic}</b> yet.",
        "zh": "<b>{topic}</b> 下暂无论文。",
    },
    "unknown_topic": {
        "en": "Unknown topic <b>{query}</b>. Topics:",
        "zh": "没有名为 <b>{query}</b> 的主题。全部主题：",
    },
    "topics_header": {
        "en": "<b>Topics</b> (papers per topic) — tap one:",
        "zh": "<b>主题</b>（每个主题的论文数）— 点击查看：",
    },
    "digest_header": {
        "en": "<b>{title}</b>\n{week} · {count} {count:paper|papers}",
        "zh": "<b>{title}</b>\n{week} · 共 {count} 篇",
    },
    "digest_not_found": {
        "en": "No digest <b>{query}</b>. See /digests for the archive.",
        "zh": "没有找到速递 <b>{query}</b>。往期速递见 /digests。",
    },
    "no_digests": {
        "en": "No digests have been loaded yet.",
        "zh": "还没有任何速递。",
    },
    "digests_header": {
        "en": "<b>Digest archive</b>, newest first (page {page}/{pages}):",
        "zh": "<b>往期速递</b>，最新在前（第 {page}/{pages} 页）：",
    },
    "week_of": {"en": "week of {start}", "zh": "{start} 当周"},
    "week_range": {"en": "{start} – {end}", "zh": "{start} 至 {end}"},
    "card_from": {"en": "From: {digest}", "zh": "来自：{digest}"},
    "card_topics": {"en": "Topics: {topics}", "zh": "主题：{topics}"},
    "card_authors": {"en": "Authors: {authors}", "zh": "作者：{authors}"},
    "card_venue": {"en": "Venue: {venue}", "zh": "发表于：{venue}"},
    "more": {"en": "More ▾", "zh": "展开 ▾"},
    "less": {"en": "Less ▴", "zh": "收起 ▴"},
    "prev": {"en": "◀ Prev", "zh": "◀ 上一页"},
    "next": {"en": "Next ▶", "zh": "下一页 ▶"},
    "open_digest": {"en": "📰 Digest", "zh": "📰 本期速递"},
    "paper_gone": {
        "en": "That paper is no longer in the archive.",
        "zh": "这篇论文已不在存档中。",
    },
    "expired": {
        "en": "This list has expired — please search again.",
        "zh": "该列表已过期，请重新搜索。",
    },
    "stale_button": {"en": "This button is out of date.", "zh": "此按钮已过期。"},
    "subscribed": {
        "en": "✅ This chat now receives the weekly digest ({when}).",
        "zh": "✅ 本聊天将接收每周速递（{when}）。",
    },
    "subscribed_topics": {
        "en": "✅ This chat now receives the weekly digest ({when}), only papers on: {topics}.",
        "zh": "✅ 本聊天将接收每周速递（{when}），仅限主题：{topics}。",
    },
    "already_subscribed": {
        "en": "This chat is already subscribed ({when}).",
        "zh": "本聊天已订阅（{when}）。",
    },
    "unsubscribed": {
        "en": "This chat will no longer receive the weekly digest.",
        "zh": "本聊天将不再接收每周速递。",
    },
    "not_subscribed": {
        "en": "This chat is not subscribed. /subscribe to get the weekly digest.",
        "zh": "本聊天尚未订阅。发送 /subscribe 即可接收每周速递。",
    },
    "need_chat_admin": {
        "en": "Sorry, only the chat's administrators can change its subscription.",
        "zh": "抱歉，只有群管理员可以更改订阅。",
    },
    "admins_only": {
        "en": "Sorry, this command is for the bot's admins.",
        "zh": "抱歉，该命令仅限机器人管理员使用。",
    },
    "settings": {
        "en": "<b>Settings of this chat</b>\nWeekly digest: {status}\nNext post: {next_post}",
        "zh": "<b>本聊天的设置</b>\n每周速递：{status}\n下次推送：{next_post}",
    },
    "error": {
        "en": "Sorry, something went wrong on our side. Please try again in a moment.",
        "zh": "抱歉，处理时出了问题，请稍后再试。",
    },
    "post_header": {
        "en": "📚 <b>{title}</b>\n{week} · {count} {count:paper|papers}",
        "zh": "📚 <b>{title}</b>\n{week} · 共 {count} 篇",
    },
    "post_header_filtered": {
        "en": "📚 <b>{title}</b>\n{week} · {count} of {total} {total:paper|papers}, on: {topics}",
        "zh": "📚 <b>{title}</b>\n{week} · {total} 篇中的 {count} 篇，主题：{topics}",
    },
    "post_none_for_filter": {
        "en": (
            "📚 <b>{title}</b> ({week}): no papers on {topics} this week. /digest {id} shows all."
        ),
        "zh": "📚 <b>{title}</b>（{week}）：本周没有关于 {topics} 的论文。/digest {id} 查看全部。",
    },
    "post_more": {
        "en": "… and {count} more — /digest {id}",
        "zh": "……还有 {count} 篇 — /digest {id}",
    },
    "reload_done": {"en": "<b>Reloaded.</b>\n{lines}", "zh": "<b>已重新加载。</b>\n{lines}"},
    "stats": {
        "en": (
            "<b>Stats</b>\nDigests: {digests} ({retired} retired)\nPapers: {papers}\n"
            "Subscribed chats: {subscribers}\nPublished: {published} · queued: {queued}\n"
            "Parts resent after a crash: {resent}\nLast post: {last_post}\nNext post: {next_post}"
        ),
        "zh": (
            "<b>统计</b>\n速递：{digests}（已下线 {retired}）\n论文：{papers}\n"
            "订阅的聊天：{subscribers}\n已发布：{published} · 待发布：{queued}\n"
            "崩溃后重发的消息：{resent}\n上次推送：{last_post}\n下次推送：{next_post}"
        ),
    },
    "never": {"en": "never", "zh": "尚无"},
    "preview_header": {
        "en": "👀 Preview of the next weekly post ({id}), {n} {n:message|messages}:",
        "zh": "👀 下一次每周推送预览（{id}），共 {n} 条消息：",
    },
    "preview_digest_header": {
        "en": (
            "👀 <b>{id}</b> as it will be stored and posted (read from its file), "
            "{n} {n:message|messages}:"
        ),
        "zh": "👀 <b>{id}</b> 将如何存储和推送（读自其文件），共 {n} 条消息：",
    },
    "usage_preview": {
        "en": (
            "No digest <b>{id}</b> in digests.yaml.\n"
            "Usage: /preview — the next weekly post; /preview &lt;id&gt; — every paper of a "
            "listed digest as it will be stored and posted. Ids: {ids}"
        ),
        "zh": (
            "digests.yaml 中没有速递 <b>{id}</b>。\n"
            "用法：/preview — 预览下一次每周推送；/preview &lt;编号&gt; — 查看已登记速递的每篇论文"
            "将如何存储和推送。编号：{ids}"
        ),
    },
    "preview_refused": {
        "en": "⚠️ Digest <b>{id}</b> would be refused: {problem}",
        "zh": "⚠️ 速递 <b>{id}</b> 将被拒绝：{problem}",
    },
    "queue_empty": {
        "en": (
            "The digest queue is empty: add a digest to content/ and config/digests.yaml, "
            "then /reload."
        ),
        "zh": (
            "待发布队列为空：请把新速递放入 content/ 并登记到 config/digests.yaml，然后 /reload。"
        ),
    },
    "postnow_done": {
        "en": (
            "Published <b>{id}</b>: {sent} {sent:chat|chats} sent, {failed} failed, "
            "{skipped} already had it."
        ),
        "zh": "已发布 <b>{id}</b>：成功 {sent} 个聊天，失败 {failed} 个，{skipped} 个已收到过。",
    },
    "postnow_unknown": {
        "en": "No digest <b>{id}</b>. See /digests.",
        "zh": "没有速递 <b>{id}</b>。见 /digests。",
    },
    "unknown_command": {
        "en": "I don't know {command}. /help lists what I can do.",
        "zh": "没有 {command} 这个命令。发送 /help 查看全部命令。",
    },
    "plain_text": {
        "en": "To find a paper, send <code>/paper {query}</code>. /help lists what I can do.",
        "zh": "查找论文请发送 <code>/paper {query}</code>。发送 /help 查看全部命令。",
    },
    "inline_empty": {"en": "No matching paper", "zh": "没有匹配的论文"},
    **READING_TEXTS,
}


class _Count(str):
    """A number in a template; ``{n:paper|papers}`` picks the English noun for it."""

    number: int

    def __new__(cls, number: int) -> _Count:
        text = super().__new__(cls, str(number))
        text.number = number
        return text

    def __format__(self, spec: str) -> str:
        if "|" in spec:
            one, many = spec.split("|", 1)
            return one if self.number == 1 else many
        return format(str(self), spec)


def plural(count: int, one: str, many: str) -> str:
    """``1 paper``, ``2 papers`` (English; Chinese texts use counters: ``1 篇``)."""
    return f"{count} {one if count == 1 else many}"


def t(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` with ``values`` HTML-escaped into it.

    Whole numbers may choose a noun: ``{count} {count:paper|papers}``.
    """
    entry = TEXTS[key]
    template = entry.get(lang) or entry["en"]
    safe = {
        k: v.html
        if isinstance(v, Raw)
        else _Count(v)
        if isinstance(v, int) and not isinstance(v, bool)
        else html.escape(str(v), quote=False)
        for k, v in values.items()
    }
    return template.format(**safe)
