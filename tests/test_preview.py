"""The admin's preview of a digest: the pure formatting (plain text and Telegram HTML), and
``python -m bot check [--show [ID|FILE]]`` run as a subprocess."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.preview import SUMMARY_CHARS, DigestPreview, preview_messages, preview_text
from bot.domain.render import MESSAGE_LIMIT, utf16_len
from bot.sandbox.fake_telegram.html_check import check_telegram_html
from tests.authored import HINTON_AUTHORS, HINTON_TITLE, HINTON_VENUE, byline_papers
from tests.conftest import ROOT
from tests.seed_papers import SEED_PAPERS


def preview(**changes: object) -> DigestPreview:
    base: dict[str, object] = {
        "id": "byline-w1",
        "file": "content/byline.md",
        "title": "Classics <with> authors",
        "week_start": date(2024, 6, 3),
        "week_end": date(2024, 6, 9),
        "papers": byline_papers(),
        "warnings": ("content/byline.md:7: 'A Survey of Credit Assignment' has no summary",),
    }
    base.update(changes)
    return DigestPreview(**base)  # type: ignore[arg-type]


def test_text_preview_shows_every_field_of_every_paper() -> None:
    lines = preview_text(preview())
    assert lines[:4] == [
        "digest byline-w1 · week 2024-06-03 – 2024-06-09 · 3 papers",
        "title: Classics <with> authors",
        "file: content/byline.md",
        "warning: content/byline.md:7: 'A Survey of Credit Assignment' has no summary",
    ]
    first = lines[lines.index(f"1. {HINTON_TITLE}") :][:8]
    assert first == [
        f"1. {HINTON_TITLE}",
        "   zh: 通过反向传播误差学习表示",
        "   arXiv: 8606.00001",
        f"   authors: {HINTON_AUTHORS}",
        f"   venue: {HINTON_VENUE}",
        "   summary: 我们描述了一种新的学习过程：反向传播。",  # full-width colon kept
        "   topics: general",
        "",
    ]
    third = lines[lines.index("3. A Survey of Credit Assignment") :]
    assert third[1:3] == ["   zh: —", "   arXiv: —"]  # missing values are visible
    assert not any(line.startswith("   authors") for line in third)  # absent: no line
    summary = third[3].removeprefix("   summary: ")
    assert summary.endswith("…") and len(summary) <= SUMMARY_CHARS


def test_unlisted_file_without_week_and_empty_summary() -> None:
    empty = dataclasses.replace(byline_papers()[0], abstract="  ", topics=())
    lines = preview_text(preview(id=None, week_start=None, week_end=None, papers=(empty,)))
    assert lines[0] == "digest (not listed in digests.yaml) · no week · 1 paper"
    assert "   summary: —" in lines and "   topics: —" in lines


def test_html_preview_is_escaped_valid_and_the_same_text() -> None:
    [message] = preview_messages(preview())
    assert message.startswith("<b>digest byline-w1 · week 2024-06-03 – 2024-06-09 · 3 papers</b>")
    assert "title: Classics &lt;with&gt; authors" in message
    assert f"<b>1. {HINTON_TITLE}</b>" in message
    assert check_telegram_html(message) == "\n".join(preview_text(preview()))


def test_a_big_digest_is_split_between_papers_under_the_limit() -> None:
    papers = tuple(
        dataclasses.replace(byline_papers()[0], title_en=f"{en} <{i}>", abstract=abstract)
        for i, (_w, en, _zh, _ax, _s, abstract) in enumerate(SEED_PAPERS * 3)
    )
    messages = preview_messages(preview(papers=papers), papers=len(papers))  # uncapped
    assert len(messages) > 1
    for message in messages:
        assert utf16_len(message) <= MESSAGE_LIMIT
        check_telegram_html(message)
    numbers = [int(n) for n in re.findall(r"^<b>(\d+)\. ", "\n".join(messages), re.M)]
    assert numbers == list(range(1, len(papers) + 1))  # every paper once, in order, whole
    joined = "\n\n".join(check_telegram_html(m) for m in messages)
    assert joined == "\n".join(preview_text(preview(papers=papers)))


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=400),
    zh=st.none() | st.text(max_size=400),
    authors=st.none() | st.text(max_size=2000),
    abstract=st.text(max_size=600),
)
def test_any_paper_text_gives_valid_messages(
    title: str, zh: str | None, authors: str | None, abstract: str
) -> None:
    paper = dataclasses.replace(
        byline_papers()[0], title_en=title, title_zh=zh, authors=authors, abstract=abstract
    )
    for message in preview_messages(preview(papers=(paper,) * 12, title=title)):
        assert utf16_len(message) <= MESSAGE_LIMIT
        check_telegram_html(message)


# ------------------------------------------------------------------ CLI

NEW_DIGEST = """# Warning week

1. **Tiny Paper One**
一段摘要，写得很好（真的）。
[arXiv](https://arxiv.org/abs/2503.00001)

2. **Tiny Paper Two**
另一段摘要。
[arXiv](https://arxiv.org/abs/2503.00002)

3. **Tiny Paper One**
一段摘要，写得很好（真的）。
[arXiv](https://arxiv.org/abs/2503.00001)
"""


def cli(*args: str, config_dir: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{config_dir.parent / 'cli.sqlite3'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--config", str(config_dir / "bot.yaml")],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        timeout=120,
    )


def papers_shown(stdout: str) -> list[str]:
    return re.findall(r"^\d+\. (.+)$", stdout, re.M)


def test_check_show_a_listed_id(config_dir: Path):
    result = cli("check", "--show", "2024-W09", config_dir=config_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "digest 2024-w09 · week 2024-02-26 – 2024-03-01 · 15 papers"
    assert papers_shown(result.stdout) == [p[1] for p in SEED_PAPERS if p[0] == "2024-02-26"]
    genie = lines.index("2. Genie: Generative Interactive Environments")
    assert lines[genie + 1] == "   zh: Genie: 生成式互动环境"
    assert lines[genie + 3].startswith("   summary: 我们介绍Genie")
    assert lines[genie + 4] == "   topics: Video generation"


def test_check_show_a_file_not_listed_yet_relative_to_the_working_folder(config_dir: Path):
    content = config_dir.parent / "content"
    (content / "new.md").write_text(NEW_DIGEST, encoding="utf-8")
    result = cli("check", "--show", "content/new.md", config_dir=config_dir, cwd=content.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("digest (not listed in digests.yaml) · ")
    assert papers_shown(result.stdout) == ["Tiny Paper One", "Tiny Paper Two"]
    assert "   arXiv: 2503.00002" in result.stdout
    assert re.search(r"^warning: .*new\.md:\d+: ", result.stdout, re.M), result.stdout
    assert "new.md" not in (config_dir / "digests.yaml").read_text(encoding="utf-8")


def test_check_show_without_argument_shows_every_listed_digest(config_dir: Path):
    result = cli("check", "--show", config_dir=config_dir)
    assert result.returncode == 0, result.stderr
    headers = re.findall(r"^digest (\S+) · ", result.stdout, re.M)
    assert headers == ["2024-w09", "2024-w16", "2024-w21"]
    assert len(papers_shown(result.stdout)) == len(SEED_PAPERS)


def test_check_show_unknown_and_refused(config_dir: Path):
    unknown = cli("check", "--show", "no-such-digest", config_dir=config_dir)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip().count("\n") == 0 and "'no-such-digest'" in unknown.stderr
    broken = config_dir.parent / "content" / "2024-04-15_ai-papers.txt"
    broken.write_bytes(b"\xff\xfe garbage \x00\x01")
    refused = cli("check", "--show", "2024-w16", config_dir=config_dir)
    assert refused.returncode == 1
    assert refused.stdout.startswith(f"problem: {broken}:1: ")
    everything = cli("check", "--show", config_dir=config_dir)
    assert everything.returncode == 1 and "2024-w16 refused" in everything.stdout
    assert re.findall(r"^digest (\S+) · ", everything.stdout, re.M) == ["2024-w09", "2024-w21"]


def test_check_prints_warnings_with_file_and_line_and_warnings_alone_exit_0(config_dir: Path):
    content = config_dir.parent / "content"
    (content / "new.md").write_text(NEW_DIGEST, encoding="utf-8")
    with (config_dir / "digests.yaml").open("a", encoding="utf-8") as fh:
        fh.write("- id: new\n  file: ../content/new.md\n  week: 2025-03-03\n")
    result = cli("check", config_dir=config_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(
        rf"^    warning: {re.escape(str(content / 'new.md'))}:\d+: ", result.stdout, re.M
    )
    assert re.search(r"4 digests, \d+ papers, 0 problems, [1-9]\d* warnings?", result.stdout)
    shown = cli("check", "--show", "new", config_dir=config_dir)
    assert shown.stdout.startswith("digest new · week 2025-03-03 – 2025-03-09 · ")
    assert "一段摘要" in shown.stdout
