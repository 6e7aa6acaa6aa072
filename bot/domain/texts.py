"""Every user-facing sentence, in English and Chinese, in one place.

Templates are HTML; values passed to :func:`t` are escaped here, so a caller can never
forget it. Pass ``Raw`` for a value that is already safe HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.domain.texts_polls import POLL_TEXTS
from bot.domain.texts_reading import READING_TEXTS
from bot.domain.texts_watches import WATCH_TEXTS
from bot.domain.texts_webapp import WEBAPP_TEXTS

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
            "/subscribe poll — a weekly poll: which paper do we read? · /poll close\n"
            "/watch &lt;query&gt; — papers matching it first, 🔔 · /watches · /foryou — "
            "papers like the ones this chat saves\n"
            "Inline: type <code>@{username} genie</code> in any chat."
        ),
        "zh": (
            "/paper &lt;关键词&gt; — 查找论文（标题、中文标题、arXiv 编号、关键词）\n"
            "/topic &lt;主题&gt; — 某主题的论文 · /topics — 全部主题\n"
            "/digest [latest|编号|YYYY-MM-DD] — 某期速递 · /digests — 往期速递\n"
            "/subscribe [主题…] — 在此接收每周推送 · /unsubscribe · /settings\n"
            "/reading — 本聊天的阅读清单（📌 收藏） · /bib [关键词] — BibTeX · "
            "/top [week|month|all] — 收藏最多\n"
            "/subscribe poll — 每周“读哪篇”投票 · /poll close\n"
            "/watch &lt;关键词&gt; — 匹配的论文排在最前 🔔 · /watches · /foryou — "
            "与本聊天收藏相似的论文\n"
            "行内模式：在任意聊天输入 <code>@{username} genie</code>。"
        ),
    },
    "admin_commands": {
        "en": (
            "\n\nAdmin: /reload · /preview [id] · /stats · /postnow [id] · /top global · "
            "/queue · /add &lt;text&gt; (or send a .md/.txt file)"
        ),
        "zh": (
            "\n\n管理员：/reload · /preview [编号] · /stats · /postnow [编号] · /top global · "
            "/queue · /add &lt;文本&gt;（或发送 .md/.txt 文件）"
        ),
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
    "card_also_in": {"en": "Also in: {digests}", "zh": "另见于：{digests}"},
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
        "en": "Sorry, this command is for the bot's admins. Your user id is {user_id}: an "
        "admin can add it to admins: in config/bot.yaml.",
        "zh": "抱歉，该命令仅限机器人管理员使用。你的用户 ID 是 {user_id}：管理员可以把它加到 "
        "config/bot.yaml 的 admins: 中。",
    },
    "settings": {
        "en": (
            "<b>Settings of this chat</b>\nWeekly digest: {status}\nNext post: {next_post}\n"
            "Watches: {watches}\nReading poll: {poll}"
        ),
        "zh": (
            "<b>本聊天的设置</b>\n每周速递：{status}\n下次推送：{next_post}\n关注：{watches}\n"
            "阅读投票：{poll}"
        ),
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
            "Parts resent after a crash: {resent}\nLast post: {last_post}\nNext post: {next_post}\n"
            "Unreadable updates skipped: {unreadable}"
        ),
        "zh": (
            "<b>统计</b>\n速递：{digests}（已下线 {retired}）\n论文：{papers}\n"
            "订阅的聊天：{subscribers}\n已发布：{published} · 待发布：{queued}\n"
            "崩溃后重发的消息：{resent}\n上次推送：{last_post}\n下次推送：{next_post}\n"
            "无法读取而跳过的更新：{unreadable}"
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
            "The digest queue is empty: send a digest file here (bot admins), or add it to "
            "content/ and config/digests.yaml, then /reload."
        ),
        "zh": (
            "待发布队列为空：请在此发送速递文件（机器人管理员），或把它放入 content/ "
            "并登记到 config/digests.yaml，然后 /reload。"
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
    # --- adding a digest from the chat (bot/handlers/uploads.py) ---------------------
    "upload_header": {
        "en": (
            "📥 <b>{name}</b> will be added as <b>{id}</b> ({week}), file {file}.\n"
            "Preview below, {n} {n:message|messages}; the buttons are under the last one."
        ),
        "zh": (
            "📥 <b>{name}</b> 将作为 <b>{id}</b>（{week}）加入，文件 {file}。\n"
            "预览如下，共 {n} 条消息；按钮在最后一条下面。"
        ),
    },
    "upload_same_content": {
        "en": "⛔ The same text is listed already as <b>{id}</b>: there is nothing to add.",
        "zh": "⛔ 相同的文本已登记为 <b>{id}</b>：无需再次加入。",
    },
    "upload_same_week": {
        "en": (
            "⚠️ <b>{id}</b> covers the same week already: “✅ Add anyway” adds a second "
            "digest for that week, 🗓 sets another week."
        ),
        "zh": "⚠️ <b>{id}</b> 已覆盖同一周：“✅ 仍然加入”会为该周再加一期，🗓 可改为其他周。",
    },
    "upload_id_taken": {
        "en": "⚠️ The id <b>{id}</b> is taken: 🆔 sets another one.",
        "zh": "⚠️ 编号 <b>{id}</b> 已被占用：请用 🆔 另设一个。",
    },
    "btn_add": {"en": "✅ Add", "zh": "✅ 加入"},
    "btn_add_anyway": {"en": "✅ Add anyway", "zh": "✅ 仍然加入"},
    "btn_week": {"en": "🗓 Week", "zh": "🗓 周"},
    "btn_reading": {"en": "📖 Read as {layout}", "zh": "📖 按 {layout} 读取"},
    "reading_set": {"en": "📖 Read as {layout}.", "zh": "📖 已按 {layout} 读取。"},
    "btn_id": {"en": "🆔 Id", "zh": "🆔 编号"},
    "btn_discard": {"en": "❌ Discard", "zh": "❌ 放弃"},
    "upload_refused": {
        "en": "⚠️ Not a digest I can add: {problem}",
        "zh": "⚠️ 无法作为速递加入：{problem}",
    },
    "upload_too_big": {
        "en": ("⚠️ {name} is {size} MB: a digest file may be at most 1 MB. Send one week per file."),
        "zh": "⚠️ {name} 有 {size} MB：速递文件最大 1 MB。请每周一个文件发送。",
    },
    "upload_not_text": {
        "en": "⚠️ {name} is not a text digest: send a .md or .txt file (UTF-8 text, up to 1 MB).",
        "zh": "⚠️ {name} 不是文本速递：请发送 .md 或 .txt 文件（UTF-8 文本，最大 1 MB）。",
    },
    "usage_add": {
        "en": (
            "Usage: /add followed by the digest's text in the same message. A message holds "
            "at most 4096 characters: send a longer digest as a .md or .txt file (up to 1 MB)."
        ),
        "zh": (
            "用法：/add 后面接速递全文，写在同一条消息里。一条消息最多 4096 个字符："
            "更长的速递请以 .md 或 .txt 文件发送（最大 1 MB）。"
        ),
    },
    "add_in_private": {
        "en": "Send digests to me in a private chat: the preview and its buttons are for you only.",
        "zh": "请在与我的私聊中发送速递：预览和按钮只给你看。",
    },
    "add_one_message": {
        "en": (
            "ℹ️ Only this message's text was taken ({n} characters). Telegram splits a long "
            "paste into several messages: send a longer digest as a .md or .txt file."
        ),
        "zh": (
            "ℹ️ 只读取了这一条消息的文本（{n} 个字符）。Telegram 会把长文本拆成多条消息："
            "更长的速递请以 .md 或 .txt 文件发送。"
        ),
    },
    "ask_week": {
        "en": (
            "🗓 Send the week of <b>{id}</b>: any date in it (2025-05-21) or its ISO week "
            "(2025-W21)."
        ),
        "zh": "🗓 请发送 <b>{id}</b> 的周：该周任意一天（2025-05-21）或 ISO 周（2025-W21）。",
    },
    "ask_id": {
        "en": (
            "🆔 Send the id for this digest (now <b>{id}</b>): 1-40 lowercase letters, "
            "digits, '.', '_' or '-'."
        ),
        "zh": "🆔 请发送这期速递的编号（当前 <b>{id}</b>）：1-40 个小写字母、数字、“.”、“_”或“-”。",
    },
    "bad_week": {
        "en": "⚠️ {text} is not a week. Send a date like 2025-05-21 or an ISO week like 2025-W21.",
        "zh": "⚠️ {text} 不是有效的周。请发送日期（如 2025-05-21）或 ISO 周（如 2025-W21）。",
    },
    "bad_week_range": {
        "en": "⚠️ Not a usable week: {problem}. Send another one.",
        "zh": "⚠️ 周不可用：{problem}。请另发一个。",
    },
    "bad_id": {
        "en": "⚠️ Not a usable id: {problem}. Send another one.",
        "zh": "⚠️ 编号不可用：{problem}。请另发一个。",
    },
    "upload_gone": {
        "en": "This upload was added or discarded already.",
        "zh": "该上传已加入或已放弃。",
    },
    "upload_discarded": {
        "en": "❌ Discarded {name}: nothing was written.",
        "zh": "❌ 已放弃 {name}：没有写入任何内容。",
    },
    "upload_added": {
        "en": (
            "✅ Added <b>{id}</b> ({papers} {papers:paper|papers}): {file} and its entry in "
            "{digests}; every instance follows.\n"
            "Place in the publishing queue: {place} of {total}, posted {post_time}.\n"
            "Next post: {next_post}."
        ),
        "zh": (
            "✅ 已加入 <b>{id}</b>（{papers} 篇）：{file} 及 {digests} 中的条目；"
            "所有实例都会跟进。\n"
            "发布队列中的位置：第 {place} / {total} 期，将于 {post_time} 推送。\n"
            "下次推送：{next_post}。"
        ),
    },
    "upload_added_unqueued": {
        "en": (
            "✅ Added <b>{id}</b> ({papers} {papers:paper|papers}): {file} and its entry in "
            "{digests}. It is not in the publishing queue. Next post: {next_post}."
        ),
        "zh": (
            "✅ 已加入 <b>{id}</b>（{papers} 篇）：{file} 及 {digests} 中的条目。"
            "它不在发布队列中。下次推送：{next_post}。"
        ),
    },
    "upload_read_only": {
        "en": (
            "⚠️ The config folder is read-only here ({folder}): nothing was written. "
            "Commit these two, then deploy and /reload:\n"
            "1. the file above as content/{file}\n"
            "2. this entry appended to {digests}:\n<pre>{entry}</pre>"
        ),
        "zh": (
            "⚠️ 此处的配置目录只读（{folder}）：没有写入任何内容。"
            "请提交以下两项，然后部署并 /reload：\n"
            "1. 上面的文件，存为 content/{file}\n"
            "2. 把这个条目追加到 {digests}：\n<pre>{entry}</pre>"
        ),
    },
    "upload_not_added": {
        "en": "⚠️ Not added: {problem}",
        "zh": "⚠️ 未加入：{problem}",
    },
    # --- /queue (bot/handlers/uploads.py) ----------------------------------------------
    "queue": {
        "en": (
            "<b>Publishing queue</b>, in the order the weekly job posts "
            "(next post {next_post}):\n{lines}"
        ),
        "zh": "<b>发布队列</b>，按每周任务的推送顺序（下次推送 {next_post}）：\n{lines}",
    },
    "queue_line": {"en": "{n}. <b>{id}</b> · {week}", "zh": "{n}. <b>{id}</b> · {week}"},
    "queue_line_skipped": {
        "en": "{n}. <s>{id}</s> · {week} · skipped",
        "zh": "{n}. <s>{id}</s> · {week} · 已跳过",
    },
    "queue_more": {"en": "… and {count} more", "zh": "……还有 {count} 期"},
    "queue_no_week": {"en": "no week", "zh": "无周次"},
    "queue_read_only": {
        "en": "The config folder is read-only: change the order in digests.yaml and deploy.",
        "zh": "配置目录只读：请在 digests.yaml 中修改顺序并部署。",
    },
    "queue_edge": {"en": "It is at the end of the queue already.", "zh": "已在队列末端。"},
    "queue_gone": {
        "en": "That digest is no longer upcoming.",
        "zh": "该速递已不在待发布队列中。",
    },
    "queue_changed": {"en": "Saved to digests.yaml.", "zh": "已写入 digests.yaml。"},
    "queue_stale": {
        "en": "The queue changed since this list was drawn: nothing moved. Here it is now.",
        "zh": "此列表显示后队列已有变动：未作更改。以下是当前队列。",
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
    **POLL_TEXTS,
    **WEBAPP_TEXTS,
    **WATCH_TEXTS,
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
