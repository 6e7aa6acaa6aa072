"""Topic tagging and topic look-up by name (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_topics
from bot.domain.topics import Taxonomy, Topic

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_topics(ROOT / "config" / "topics.yaml")


def test_every_paper_gets_at_least_one_topic(taxonomy: Taxonomy) -> None:
    assert taxonomy.tag("Dynamic Typography: Bringing Words to Life", None, None, "文本动画") != []
    assert taxonomy.tag("Zzz", None, None, "nothing relevant here") == [taxonomy.fallback_id]


def test_title_beats_a_passing_abstract_mention(taxonomy: Taxonomy) -> None:
    tags = taxonomy.tag(
        "The Era of 1-bit LLMs: All Large Language Models are in 1.58 Bits",
        "1-bit 大语言模型的时代",
        None,
        "1.58 位 LLM 为培养既高性能又经济的新一代 LLMs 提供了新的扩展规律",
    )
    assert "efficiency" in tags
    assert "language-models" in tags


def test_section_heading_tags(taxonomy: Taxonomy) -> None:
    tags = taxonomy.tag("Distributed Speculative Inference", None, "LLM量化与校准", "加速推理")
    assert "efficiency" in tags


def test_chinese_keywords_match_without_spaces(taxonomy: Taxonomy) -> None:
    assert "audio-music" in taxonomy.tag("X", "利用LLM理解和创作音乐", None, "音乐理解 音频")


def test_resolve_by_id_names_aliases_and_prefix(taxonomy: Taxonomy) -> None:
    assert [t.id for t in taxonomy.resolve("quantization")] == ["efficiency"]
    assert [t.id for t in taxonomy.resolve("量化")] == ["efficiency"]
    assert [t.id for t in taxonomy.resolve("VIDEO GENERATION")] == ["video-generation"]
    assert [t.id for t in taxonomy.resolve("视频生成")] == ["video-generation"]
    assert "efficiency" in [t.id for t in taxonomy.resolve("quant")]
    assert taxonomy.resolve("") == []
    assert taxonomy.resolve("no such topic at all") == []


def test_word_boundaries_for_english_keywords() -> None:
    taxonomy = Taxonomy(
        topics=(Topic("code", "Code", "代码", keywords=("code",)), Topic("x", "X", "其他")),
        fallback_id="x",
    )
    assert taxonomy.tag("Decoder only", None, None, "") == ["x"]  # "code" inside "decoder"
    assert taxonomy.tag("Code models", None, None, "") == ["code"]
