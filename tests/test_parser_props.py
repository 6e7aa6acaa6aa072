"""Properties of the digest parser on arbitrary and on generated well-formed digests."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.models import DigestParseError, ParsedDigest
from bot.domain.parsing import parse_digest

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOURCE = "prop/digest.txt"

NAMES = ("MobileLLM", "Genie", "ChatMusician", "Nemotron-4", "FuseChat", "StarCoder2", "xLSTM")
WORDS = (
    "Optimizing Scaling Generative Interactive Environments Language Models Knowledge Fusion",
    "Sparse Attention Efficient Inference Video Diffusion Agents Benchmark Reasoning Memory",
    "Quantization Alignment Retrieval Multimodal Transformers Recurrent Byte Simulators",
)
WORDS = tuple(word for group in WORDS for word in group.split(" "))
HAN = (
    "模型语言数据训练推理视频图像生成方法研究提出我们实验结果"
    "表明性能学习网络结构任务基准多态规高效对齐"
)
JUNK_LINES = (
    "暂无评论",
    "发送评论 编辑评论",
    "上一篇",
    "下一篇",
    "Source: github.com/k4yt3x/flowerhd",
    "Share this",
    "Subscribe",
    "Related posts",
    "© 2024 Blog",
    "Previous",
    "Next",
    "(☆ω☆)",
    "😂",
    "😀",
    "(╯‵□′)╯︵┴─┴",
    "**粗体** _斜体_ [链接](http://example.com) `代码` - 列表 > 引用",
)
FRAGMENTS = (
    "",
    "   ",
    "\t",
    "---",
    "1.",
    "2、",
    "1) ",
    "### ",
    "## Section",
    "# Title",
    "**Bold Title**",
    "**",
    "| Title | 中文标题 | Link |",
    "|---|---|---|",
    "| A Paper Title | 论文 | https://arxiv.org/abs/2402.15391 |",
    "|  |  | https://a.org |",
    "| |",
    "https://arxiv.org/abs/2402.15391",
    "arXiv:2402.15391v2",
    "[paper](https://example.org/x)",
    "作者: 张三",
    "Authors: A, B",
    "原文链接: https://a.org/p",
    "每周AI论文速递(240226-240301)",
    "Title / 中文标题",
    "\ufeff",
    "\u200b",
    "\r",
    "\x85",
    "\u2028",
    "》《",
    '""',
    "“”",
    "()",
    "- bullet",
    "• 要点",
)

title_words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8)
en_titles = st.builds(
    lambda name, words, number: f"{name}: {' '.join(words)} {number}",
    st.sampled_from(NAMES),
    title_words,
    st.integers(min_value=1, max_value=999),
)
han = st.text(alphabet=HAN, min_size=2, max_size=24)
sentences = st.builds(lambda text: text + "。", st.text(alphabet=HAN, min_size=4, max_size=60))
abstracts = st.lists(sentences, min_size=1, max_size=3)
any_line = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(JUNK_LINES),
    en_titles,
    han,
    sentences,
    st.text(max_size=40),
    st.builds(lambda n, t: f"{n}. {t}", st.integers(0, 30), en_titles),
)


def check_shape(digest: ParsedDigest, text: str) -> None:
    """What every parsed digest promises, whatever the input."""
    assert digest.papers, "a digest without papers must be refused"
    line_count = text.count("\n") + text.count("\r") + 1
    for position, paper in enumerate(digest.papers):
        assert paper.title_en and paper.title_en == paper.title_en.strip()
        assert not any(ch in paper.title_en for ch in "\n\r\x85\u2028\u2029")
        assert paper.title_zh is None or (paper.title_zh and "\n" not in paper.title_zh)
        assert paper.abstract == paper.abstract.strip()
        assert paper.position == position
        assert 1 <= paper.line <= line_count
        assert (paper.url is None) == (paper.arxiv_id is None)


def parse_or_error(text: str) -> ParsedDigest | DigestParseError:
    try:
        return parse_digest(text, SOURCE)
    except DigestParseError as error:
        assert error.file == SOURCE and error.line >= 1 and error.problem
        assert str(error).startswith(f"{SOURCE}:{error.line}: ")
        return error


def same_outcome(first: ParsedDigest | DigestParseError, second: object) -> bool:
    if isinstance(first, DigestParseError):
        return isinstance(second, DigestParseError) and str(first) == str(second)
    return first == second


@SETTINGS
@given(st.text())
def test_arbitrary_text_parses_or_is_refused(text: str) -> None:
    outcome = parse_or_error(text)
    if isinstance(outcome, ParsedDigest):
        check_shape(outcome, text)
    assert same_outcome(outcome, parse_or_error(text))  # deterministic


@SETTINGS
@given(st.lists(any_line, max_size=40), st.sampled_from(["\n", "\r\n", "\r"]))
def test_mixed_lines_parse_or_are_refused(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    outcome = parse_or_error(text)
    if isinstance(outcome, ParsedDigest):
        check_shape(outcome, text)
    assert same_outcome(outcome, parse_or_error(text))


# ------------------------------------------------------------------ well-formed digests


@st.composite
def paper_entries(draw: st.DrawFn) -> tuple[str, str | None, list[str]]:
    """(English title, Chinese title or None, summary lines), shaped like the seeds'."""
    name = draw(st.sampled_from(NAMES))
    number = draw(st.integers(min_value=1, max_value=999))
    words = " ".join(draw(title_words))
    title = draw(st.sampled_from([f"{name}: {words} {number}", f"{name} {words} Report {number}"]))
    zh_text = draw(han)
    zh = draw(st.sampled_from([None, zh_text, f"{name}{zh_text[:4]}", f"{name}: {zh_text}"]))
    return title, zh, draw(abstracts)


papers_st = st.lists(
    paper_entries(),
    min_size=1,
    max_size=8,
    unique_by=lambda paper: paper[0].casefold(),
)
LAYOUTS = ("blocks", "dense", "numbered", "markdown")
HEADERS = ("", "每周AI论文速递(240226-240301)", "Weekly AI Papers", "# 本周论文")


def render(papers: list[tuple], layout: str, header: str, links: bool) -> str:
    """A digest in one of the layouts the seeds use."""
    gap = "" if layout == "dense" else "\n"
    out = [header + "\n" + gap] if header else []
    for number, (title, zh, abstract) in enumerate(papers, 1):
        head = {"numbered": f"{number}、{title}", "markdown": f"### {number}. {title}"}
        lines = [head.get(layout, title)] + ([zh] if zh else []) + abstract
        if links:
            lines.append(f"https://arxiv.org/abs/2402.{15000 + number:05d}")
        out.append("\n".join(line + "\n" + gap for line in lines))
    return "".join(out)


def facts(digest: ParsedDigest) -> list[tuple]:
    return [(p.title_en, p.title_zh, p.abstract, p.arxiv_id, p.links) for p in digest.papers]


@SETTINGS
@given(papers_st, st.sampled_from(LAYOUTS), st.sampled_from(HEADERS), st.booleans())
def test_generated_digest_parses_back(papers: list[tuple], layout: str, header: str, links: bool):
    digest = parse_digest(render(papers, layout, header, links), SOURCE)
    assert [(p.title_en, p.title_zh, p.abstract) for p in digest.papers] == [
        (title, zh, "\n".join(abstract)) for title, zh, abstract in papers
    ]
    assert [p.arxiv_id is not None for p in digest.papers] == [links] * len(papers)
    assert [p.position for p in digest.papers] == list(range(len(papers)))


@SETTINGS
@given(
    papers_st,
    st.sampled_from(LAYOUTS),
    st.sampled_from(HEADERS),
    st.booleans(),
    st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(["", " ", "\t", "\u3000 "]))),
)
def test_blank_lines_and_line_endings_change_nothing(
    papers: list[tuple], layout: str, header: str, links: bool, blanks: list[tuple[int, str]]
):
    text = render(papers, layout, header, links)
    original = parse_digest(text, SOURCE)
    lines = text.split("\n")
    for at, blank in blanks:
        lines.insert(at % (len(lines) + 1), blank)
    spaced = "\n".join(lines)
    assert facts(parse_digest(spaced, SOURCE)) == facts(original)
    for newline in ("\r\n", "\r"):
        converted = parse_digest(text.replace("\n", newline), SOURCE)
        assert converted == original  # line numbers included


# ------------------------------------------------------------------ markdown digests

MdPaper = tuple[str, str | None, list[str]]  # English title, Chinese title, summary lines
ZH_PUNCTUATION = "，（）：；“”"
md_en_titles = st.builds(
    lambda name, words, tail: f"{name}: {' '.join(words)}{tail}",
    st.sampled_from(NAMES),
    title_words,
    st.sampled_from(["", " (Extended)", ": A Survey", " for On-Device Use"]),
)
# Chinese titles keep full-width punctuation inside; they never end like a sentence
md_zh_titles = st.builds(
    lambda first, middle, last: first + middle + last,
    st.text(alphabet=HAN, min_size=2, max_size=2),
    st.text(alphabet=HAN + ZH_PUNCTUATION, max_size=16),
    st.sampled_from(HAN + "）”"),
)
# summary sentences: Chinese with full-width punctuation, or English with colons; short
# enough (< 40 characters) that no two of them read as stray copies of each other
md_sentences = st.one_of(
    st.builds(
        lambda first, body: first + body + "。",
        st.sampled_from(HAN),
        st.text(alphabet=HAN + ZH_PUNCTUATION, min_size=2, max_size=30),
    ),
    st.builds(
        lambda name, word: f"{name} ({word.lower()}): it works.",
        st.sampled_from(NAMES),
        st.sampled_from(WORDS),
    ),
)


@st.composite
def md_papers(draw: st.DrawFn, with_zh: bool) -> list[MdPaper]:
    titles = draw(st.lists(md_en_titles, min_size=1, max_size=6, unique_by=lambda t: t.casefold()))
    seen: set[str] = set()  # a sentence twice in a digest is a stray copy: dropped
    papers = []
    for title in titles:
        fresh = md_sentences.filter(lambda sentence: sentence not in seen)
        summary = draw(st.lists(fresh, min_size=1, max_size=3, unique=True))
        seen.update(summary)
        papers.append((title, draw(st.none() | md_zh_titles) if with_zh else None, summary))
    return papers


def arxiv_url(number: int) -> str:
    return f"https://arxiv.org/abs/2402.{15000 + number:05d}"


def render_markdown(papers: list[MdPaper], layout: str) -> str:
    """A markdown digest in one of the layouts real digest sources use."""
    out = ["# Weekly AI Papers (Feb 26 - Mar 1, 2024)", ""]
    if layout == "table":
        out += ["| Title | 中文标题 | Summary | Links |", "|---|---|---|---|"]
    for number, (title, zh, summary) in enumerate(papers, 1):
        url = arxiv_url(number)
        if layout == "heading":
            link = f"[{zh}]({url})" if zh else url
            out += [f"## {title}", link, ""] + [line for s in summary for line in (s, "")]
        elif layout == "table":
            out.append(f"| **{title}** | {zh or ''} | {' '.join(summary)} | [Paper]({url}) |")
        elif layout == "list":
            code = f"https://github.com/example/p{number}"
            out.append(
                f"{number}. **{title}** — {' '.join(summary)} ([paper]({url}), [code]({code}))"
            )
        else:  # bold-titled paragraphs
            out += [f"**{title}**", *summary, f"arXiv: {url}", ""]
    return "\n".join(out) + "\n"


def expected_summary(summary: list[str], layout: str) -> str:
    return (" " if layout in ("table", "list") else "\n").join(summary)


@SETTINGS
@given(st.sampled_from(["heading", "table", "list", "bold"]), st.data())
def test_markdown_digests_keep_titles_and_punctuation_as_written(
    layout: str, data: st.DataObject
) -> None:
    papers = data.draw(md_papers(with_zh=layout in ("heading", "table")))
    text = render_markdown(papers, layout)
    digest = parse_digest(text, "prop/digest.md")
    check_shape(digest, text)
    assert [(p.title_en, p.title_zh) for p in digest.papers] == [(t, zh) for t, zh, _ in papers]
    assert [p.abstract for p in digest.papers] == [
        expected_summary(summary, layout) for _, _, summary in papers
    ]  # full-width punctuation and colons stored exactly as written
    assert [p.arxiv_id for p in digest.papers] == [
        arxiv_url(n).rsplit("/", 1)[1] for n in range(1, len(papers) + 1)
    ]
    if layout == "list":
        assert [p.links for p in digest.papers] == [
            (f"https://github.com/example/p{n}",) for n in range(1, len(papers) + 1)
        ]


markdown_line = st.one_of(
    any_line,
    st.builds(lambda t: f"## {t}", md_en_titles),
    st.builds(lambda t, n: f"{n}. **{t}** — 摘要", md_en_titles, st.integers(0, 12)),
    st.builds(lambda t: f"| **{t}** | [Paper]({arxiv_url(1)}) |", md_en_titles),
    st.builds(lambda t: f"[{t}]({arxiv_url(2)})", md_zh_titles),
    st.sampled_from(["👍 12", "That's all for this week!", "本周就到这里", "<div>", "</p>"]),
    md_sentences,
)


@SETTINGS
@given(st.lists(markdown_line, max_size=30))
def test_markdown_fragments_parse_or_are_refused(lines: list[str]) -> None:
    text = "\n".join(lines)
    outcome = parse_or_error(text)  # only DigestParseError may come out
    if isinstance(outcome, ParsedDigest):
        check_shape(outcome, text)


MARKUP = "#*_|[]()<>!-:：、。，\n `>0123456789abcdehlprtv" + HAN[:6]


@SETTINGS
@given(st.text(alphabet=MARKUP, max_size=300))
def test_markup_soup_parses_or_is_refused(text: str) -> None:
    """Markdown and HTML punctuation in any order: parsed or refused, never a crash."""
    outcome = parse_or_error(text)
    if isinstance(outcome, ParsedDigest):
        check_shape(outcome, text)


# ------------------------------------------------------------------ labelled fields

# (label as written, role): both languages, as digests write them
FIELD_LINES = (
    ("作者", "authors"),
    ("Authors", "authors"),
    ("机构", "drop"),
    ("Affiliation", "drop"),
    ("发表刊物/会议", "venue"),
    ("Venue", "venue"),
    ("发表年份", "drop"),
    ("Year", "drop"),
    ("代码", "links"),
    ("Code", "links"),
    ("主页", "links"),
)
SUMMARY_LABELS = ("摘要", "Abstract", "TL;DR", "要点", "Key point")
LABEL_WORDS = tuple(label for label, _ in FIELD_LINES) + SUMMARY_LABELS


@st.composite
def labelled_entries(draw: st.DrawFn) -> tuple[str, str, list[tuple[str, str]], str]:
    """(English title, Chinese title, other field lines in any order, summary)."""
    title = draw(md_en_titles)
    zh = draw(md_zh_titles)
    others = draw(st.lists(st.sampled_from(FIELD_LINES), max_size=5, unique=True))
    values = {
        "authors": "Lin Wei, Sara Holt",
        "venue": "ICLR 2025",
        "drop": draw(st.sampled_from(["2024", "北方大学", "South Lake Institute"])),
        "links": "https://github.com/example/code",
    }
    lines = [(label, values[role]) for label, role in others]
    summary = draw(md_sentences)
    return title, zh, lines, summary


@SETTINGS
@given(
    st.lists(labelled_entries(), min_size=2, max_size=5, unique_by=lambda e: e[0].casefold()),
    st.sampled_from(["：", ": ", "： "]),
    st.sampled_from(SUMMARY_LABELS),
    st.booleans(),
)
def test_labelled_fields_never_become_titles_or_summary_text(
    entries: list[tuple[str, str, list[tuple[str, str]], str]],
    colon: str,
    summary_label: str,
    english_labels: bool,
) -> None:
    title_label, zh_label = ("Title", "Chinese title") if english_labels else ("标题", "中文标题")
    out = ["# Weekly list", ""]
    for number, (title, zh, lines, summary) in enumerate(entries, 1):
        out += [f"## {number}", "", f"{title_label}{colon}{title}", f"{zh_label}{colon}{zh}"]
        out += [f"{label}{colon}{value}" for label, value in lines]
        out += [f"{summary_label}{colon}{summary}", f"Paper{colon}{arxiv_url(number)}", ""]
    text = "\n".join(out)
    digest = parse_digest(text, "prop/fields.md")
    check_shape(digest, text)
    assert [(p.title_en, p.title_zh) for p in digest.papers] == [(e[0], e[1]) for e in entries]
    assert [p.abstract for p in digest.papers] == [e[3] for e in entries]  # punctuation kept
    for paper in digest.papers:
        for text_field in (paper.title_en, paper.title_zh or "", paper.abstract):
            assert not any(text_field.startswith(label) for label in LABEL_WORDS)
