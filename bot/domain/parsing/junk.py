"""Page junk: the one table of phrases that mark web-page furniture, never paper content.

Digests are pasted from blogs, newsletters and saved web pages, so comment widgets,
share/subscribe links, navigation, copyright lines and editor help come along. Every
phrase the parser treats as junk is listed here, by kind, so adding one is a data change.
A phrase is a regular-expression fragment matched at the start of a short line (after
markdown bullets and emphasis), or anywhere for :data:`EDITOR_HELP`. The digest's
sign-off (:data:`CLOSING_PHRASES`) is no junk line but ends the papers: nothing after it
belongs to the last one.
"""

from __future__ import annotations

import re

# kind → fragments matched at the start of a whole short line
JUNK_PHRASES: dict[str, tuple[str, ...]] = {
    "attribution": (r"(?:source|来源|出处|转载自?)\s*[:：]",),
    "copyright": (r"copyright\b", "©", r"\(c\)\s*\d{4}", "版权所有", "all rights reserved"),
    "navigation": (
        "上一篇",
        "下一篇",
        "上一页",
        "下一页",
        r"previous (?:post|article|week)",
        r"next (?:post|article|week)",
        r"(?:previous|next|prev|older|newer)\s*(?:$|[:：»›→←«‹]|posts?\b)",
    ),
    "sharing": (
        r"(?:share(?: this| on| to| via)?|分享(?:到)?|subscribe|订阅|follow us"
        r"|关注(?:我们|公众号)|扫码|点赞|收藏|打赏|赞赏)\b",
    ),
    "related": (
        r"related (?:posts|articles|reading)",
        r"you (?:may|might) also like",
        r"相关(?:文章|阅读|推荐)",
        "推荐阅读",
        "read more",
        r"阅读(?:全文|原文|更多)",
    ),
    "comments": (
        r"(?:暂无评论|发送评论|发表评论|编辑评论|查看评论|评论区|评论|comments?"
        r"|leave a (?:comment|reply)|no comments|\d+\s*(?:条评论|comments?)"
        r"|登录|sign in|log in)\b",
    ),
    "taxonomy": (r"(?:tags?|标签|分类|categories)\s*[:：]", "颜文字", "emoji$"),
    # a generator's placeholder where a summary or field would be
    "placeholder": (
        r"(?:no (?:abstract|summary|description|tl;?dr) (?:available|provided|given)"
        r"|(?:abstract|summary) not available|暂无(?:摘要|简介|总结)|n/?a|none|无|xxx等?)[.。]?$",
    ),
    # vote and comment counters under a paper (``👍 123 · 💬 4``, ``57 upvotes``)
    "reactions": (
        r"(?:[\u2190-\u21ff\u2600-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff]\ufe0f?\s*"
        r"\d[\d,.]*\s*[kKmM万]?\s*(?:upvotes?|votes?|likes?|stars?|comments?|条评论)?"
        r"\s*(?:[·|•,/]\s*)?)+$",
        r"(?:upvotes?|votes?|likes?|stars?)\s*[:：]?\s*\d[\d,.]*\s*[kKmM]?$",
        r"\d[\d,.]*\s*[kKmM]?\s*(?:upvotes?|votes?|likes?|stars?)$",
    ),
}
# names of a digest's own sections: a heading or title line that is exactly one of these
# (after numbering and emphasis) introduces or closes the week, it is never a paper
SECTION_TITLES: tuple[str, ...] = (
    r"(?:closing|final|last|concluding) (?:thoughts|words|notes|remarks)",
    r"conclusions?",
    r"(?:in )?summary",
    r"wrap[- ]?up",
    r"(?:the )?bottom line",
    r"introduction|intro|overview|preface|foreword",
    r"(?:this week'?s )?(?:highlights|trends|takeaways|key takeaways)",
    r"table of contents|contents|toc",
    r"tl;?dr",
    r"(?:editor'?s )?note",
    r"about(?: us| this (?:digest|newsletter))?",
    "总结|小结|结语|结束语|写在最后|最后|前言|引言|导读|序言|目录|本周总结|本期总结|编者按|概述|简介",
)
# sign-offs: a paragraph opening with one of these ends the digest's papers, whatever its
# length ("That's all for this week! If you enjoyed …")
CLOSING_PHRASES: tuple[str, ...] = (
    r"that(?:'|’| i)s (?:all|it) for (?:this|today|now|the week)",
    r"that(?:'|’| i)s a wrap",
    r"(?:thanks|thank you) for reading",
    r"see you next (?:week|time|friday|monday|issue)",
    r"until next (?:week|time)",
    "本周就到这里",
    "本期就到这里",
    "今天就到这里",
    "以上就是(?:本周|本期|今天|今日)",
    "我们下(?:周|期|次)再见",
    "(?:感谢|谢谢)(?:您的)?阅读",
)
# editor help text of a comment box: junk wherever it appears in a line
EDITOR_HELP: tuple[str, ...] = (
    r"\*\*粗体\*\*",
    "_斜体_",
    "你还可以使用@",
    r"支持\s*markdown",
    r"markdown\s*语法",
)
MAX_JUNK_CHARS = 80  # longer lines are prose that may mention these words

_LINE = re.compile(
    r"^[«‹<←]?\s*(?:" + "|".join(f for group in JUNK_PHRASES.values() for f in group) + ")",
    re.IGNORECASE,
)
_ANYWHERE = re.compile("|".join(EDITOR_HELP), re.IGNORECASE)
_SECTION = re.compile("(?:" + "|".join(SECTION_TITLES) + ")", re.IGNORECASE)
# numbering, emphasis and heading marks around a section name: "## 1. **Conclusion**:"
_SECTION_DRESSING = re.compile(r"^[\s#*_>•\-\[(]*(?:\d+[.)、]\s*)?[*_\s]*|[\s*_\]):：]+$")
_CLOSING = re.compile("(?:" + "|".join(CLOSING_PHRASES) + ")", re.IGNORECASE)


def is_junk(text: str) -> bool:
    """Comment widgets, share/subscribe/navigation links, copyright, editor help."""
    if _ANYWHERE.search(text):
        return True
    plain = text.replace("**", "").lstrip("#*_>-•[ ").strip()
    return len(plain) <= MAX_JUNK_CHARS and bool(_LINE.match(plain))


def is_section_title(text: str) -> bool:
    """A heading that names a part of the digest itself (``Closing Thoughts``, ``总结``)."""
    return bool(_SECTION.fullmatch(_SECTION_DRESSING.sub("", text)))


def is_closing(text: str) -> bool:
    """The digest's sign-off (``That's all for this week``, ``本周就到这里``): no paper text."""
    return bool(_CLOSING.match(text.replace("**", "").lstrip("#*_>-•[ ").strip()))
