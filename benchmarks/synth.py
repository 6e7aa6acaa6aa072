"""Deterministic synthetic archive: weekly digests of bilingual paper entries.

Titles and abstracts are drawn from word lists shaped like the real seeds: model names
built like the real ones ("MobileLLM", "ChatMusician", "FuseChat-7B"), titles such as
"MobileLLM: Optimizing Sparse Language Models for On-Device Inference", "Towards …",
"… Technical Report", Chinese titles and Chinese abstracts of several sentences with the
English terms real abstracts carry (LLMs, GPT-4, MMLU), and an arXiv id per paper. Same
seed, same archive; exact English titles are unique within one archive or paper list.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.domain.searchtext import compact


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    """A word list written as one string (easier to read and extend)."""
    return tuple(text.split(sep))


# name = head + tail + version: "Mobile" + "LLM" + "" → "MobileLLM" (~16,000 names)
HEADS = _words(
    "Mobile Genie Griffin Sora Megalodon Nemotron Fuse Struct Star Chat Llama Mistral Phi "
    "Orca Falcon Gemma Qwen Baichuan Intern Vicuna Alpaca Koala Dolly Pythia Bloom Mamba "
    "Hyena Retro Atlas Titan Aurora Nova Vega Lyra Orion Helix Prism Quartz Zephyr Echo "
    "Mega Video Code Open Deep Meta Hyper Omni Any Long Tiny Self Mini Auto Flash Infini"
)
TAILS = _words(
    "LLM LM GPT Coder Chat Musician Scale Net Former Mamba Bench Agent Diff Vision Gen "
    "Mind Logic Math Voice Sketch World RAG Tune Fusion Quant Sparse Flow Dream Reason"
)
VERSIONS = ("", "", "", "", "-2", "-3", "-7B", "-13B", "-1.5", "-4 15B", "-X", "v2")
ADJ = _words(
    "Efficient Scalable Robust Interactive Generative Multimodal Sparse Dense Linear Adaptive "
    "Unified Lightweight Transparent Hierarchical Recurrent Contrastive Causal Structured "
    "Sub-billion Open-Source Long-Context Low-Rank"
)
NOUNS = _words(
    "Language Models|Transformers|Agents|Reasoning|Quantization|Alignment|Retrieval|Diffusion|"
    "Video Generation|Speech|Music|Code|Benchmarks|Datasets|Attention|Inference|Training|"
    "Pretraining|Fine-Tuning|Distillation|Segmentation|Planning|Memory|Context|Tokenizers|"
    "World Models|Mixture of Experts|KV Cache|Instruction Tuning|Image Editing",
    sep="|",
)
USES = _words(
    "On-Device Use Cases|Long Documents|Code Generation|Scientific Discovery|Mathematical "
    "Reasoning|Video Understanding|Edge Devices|Multilingual Tasks|Robotics|Open-Domain QA",
    sep="|",
)
VERBS = _words(
    "Optimizing Scaling Understanding Generating Rethinking Improving Accelerating Aligning "
    "Compressing Evaluating Distilling Unlocking Teaching Grounding Benchmarking"
)
PATTERNS = (
    "{name}: {verb} {adj} {n1} for {use}",
    "{name}: {verb} and {verb2} {n1} with {n2}",
    "{name}: {adj} {n1} for {n2}",
    "{name}: {verb} {n1} to {n2}",
    "Towards {adj} {n1} with {n2}",
    "{name} Technical Report",
    "{verb} {adj} {n1} via {adj2} {n2}",
    "Beyond {n1}: {adj} {n2} at Scale",
    "On the {adj} {n1} of {n2}",
    "{name}: Knowledge Fusion of {n1}",
)
ZH_TERMS = _words(
    "大型语言模型 多模态 量化 推理 对齐 视频生成 世界模型 智能体 代码生成 音乐 语音 "
    "数据集 基准测试 注意力机制 稀疏 蒸馏 微调 预训练 检索增强 长上下文 图像分割 强化学习"
)
ZH_TITLES = (
    "{name}:面向{t1}的{t2}方法",
    "{name}: 针对{t1}优化的{t2}",
    "{name}:{t1}与{t2}的统一框架",
)
ZH_TITLES_NAMELESS = ("通过{t1}实现高效的{t2}", "迈向{t1}的{t2}", "超越{t1}:大规模{t2}")
ZH_TEMPLATES = (
    "本文提出了{name},一种面向{t1}的新方法。",
    "尽管大型语言模型(LLMs)在{t1}领域取得了令人印象深刻的成就,{t2}仍有待拓展。",
    "我们研究了{t1}与{t2}之间的关系,并在多个{t3}上进行了评估。",
    "实验结果表明,{name}在{t2}任务上显著优于现有方法,性能超越GPT-4基线。",
    "在MMLU和GSM8K基准测试中,{name}以更少的参数达到了与LLaMA-2 7B接近的性能。",
    "此外,我们发布了代码和模型,以促进{t3}领域的研究。",
    "该方法无需额外训练,即可提升{t1}的效率,并将推理延迟降低了2.7倍。",
    "我们还分析了{t2}的局限性,并讨论了未来方向。",
    "通过采用深而窄的架构,结合{t1}与分组查询注意力,我们构建了一个强大的基准网络。",
)


@dataclass(frozen=True, slots=True)
class SynthPaper:
    """One synthetic paper."""

    title_en: str
    title_zh: str
    abstract: str
    arxiv_id: str | None = None
    name: str = ""  # the model name in the title (what people type: /paper mobilellm)

    @property
    def url(self) -> str | None:
        """The arXiv abstract page."""
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else None


def model_name(rng: random.Random) -> str:
    """A model name like the real ones: MobileLLM, ChatMusician, FuseChat-7B."""
    return rng.choice(HEADS) + rng.choice(TAILS) + rng.choice(VERSIONS)


def arxiv_id(serial: int) -> str:
    """A unique new-style arXiv id for ``serial`` (2301.00001 … 2912.99999)."""
    month = serial // 99_999
    return f"{23 + month // 12:02d}{month % 12 + 1:02d}.{serial % 99_999 + 1:05d}"


def make_paper(rng: random.Random, serial: int) -> SynthPaper:
    """A paper with a realistic title; ``serial`` gives it a unique arXiv id."""
    name = model_name(rng)
    verb, verb2 = rng.sample(VERBS, 2)
    adj, adj2 = rng.sample(ADJ, 2)
    n1, n2 = rng.sample(NOUNS, 2)
    title_pattern = rng.choice(PATTERNS)
    title = title_pattern.format(
        name=name, verb=verb, verb2=verb2, adj=adj, adj2=adj2, n1=n1, n2=n2, use=rng.choice(USES)
    )
    t1, t2, t3 = rng.sample(ZH_TERMS, 3)
    # a Chinese title translates the English one: it names the model only when that does
    if title_pattern == "{name} Technical Report":
        zh_title = f"{name}技术报告"
    else:
        named = "{name}" in title_pattern
        zh_title = rng.choice(ZH_TITLES if named else ZH_TITLES_NAMELESS).format(
            name=name, t1=t1, t2=t2
        )
    sentences = [
        tpl.format(name=name, t1=t1, t2=t2, t3=t3)
        for tpl in rng.sample(ZH_TEMPLATES, rng.randint(5, 8))
    ]
    return SynthPaper(title, zh_title, "".join(sentences), arxiv_id(serial), name)


def unique_papers(rng: random.Random, start: int = 1) -> Iterator[SynthPaper]:
    """Endless papers with distinct titles (a title seen before is drawn again)."""
    seen: set[str] = set()
    serial = start
    while True:
        paper = make_paper(rng, serial)
        key = compact(paper.title_en)
        if key in seen:
            continue  # same serial again: arXiv ids stay dense and unique
        seen.add(key)
        serial += 1
        yield paper


def digest_text(week: date, papers: list[SynthPaper], links: bool = True) -> str:
    """A digest in the blank-line block format of the first seed.

    With ``links`` each abstract ends with its arXiv link on a line of its own (as in the
    third seed), so ingestion sees arXiv ids.
    """
    end = week + timedelta(days=4)
    lines = [f"每周AI论文速递({week:%y%m%d}-{end:%y%m%d})", ""]
    for paper in papers:
        lines += [paper.title_en, "", paper.title_zh, "", paper.abstract]
        if links and paper.url:
            lines.append(paper.url)
        lines.append("")
    return "\n".join(lines)


def archive_weeks(
    digests: int, papers_per_digest: int = 20, seed: int = 7
) -> list[list[SynthPaper]]:
    """The papers of each week of an archive, without writing anything."""
    source = unique_papers(random.Random(seed))
    return [[next(source) for _ in range(papers_per_digest)] for _ in range(digests)]


def week_of(index: int) -> date:
    """The Monday of the ``index``-th synthetic week."""
    return date(2005, 1, 3) + timedelta(weeks=index)


def listing_entry(index: int, file_name: str) -> str:
    """One ``digests.yaml`` entry."""
    return f"- id: w{index:05d}\n  file: {file_name}\n  week: {week_of(index).isoformat()}\n"


def write_archive(
    folder: Path, digests: int, papers_per_digest: int = 20, seed: int = 7, links: bool = True
) -> Path:
    """Write ``digests`` weekly files and a ``digests.yaml`` listing them; returns the yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for index, week_papers in enumerate(archive_weeks(digests, papers_per_digest, seed)):
        week = week_of(index)
        path = folder / f"{week.isoformat()}.txt"
        path.write_text(digest_text(week, week_papers, links), encoding="utf-8")
        entries.append(listing_entry(index, path.name))
    listing = folder / "digests.yaml"
    listing.write_text("".join(entries), encoding="utf-8")
    return listing


def papers(count: int, seed: int = 11) -> list[SynthPaper]:
    """``count`` synthetic papers with distinct titles, for loading the store directly."""
    source = unique_papers(random.Random(seed))
    return [next(source) for _ in range(count)]
