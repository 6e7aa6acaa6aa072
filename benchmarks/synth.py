"""Deterministic synthetic archive: weekly digests of bilingual paper entries.

Titles and abstracts are drawn from word lists shaped like the real seeds (model names,
"Towards …", "…: … for …", Chinese abstracts of several sentences), so parsing, tagging
and search see realistic text. Same seed, same archive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

NAMES = (
    "Mobile Genie Griffin Sora Megalodon Nemotron Fuse Struct Star Coder Llama Mistral Phi "
    "Orca Falcon Gemma Qwen Yi Baichuan Intern Vicuna Alpaca Koala Dolly Pythia Bloom Mamba "
    "Hyena Retro Atlas Titan Aurora Nova Vega Lyra Orion Helix Prism Quartz Zephyr Echo"
).split()
SUFFIXES = ["", "LM", "LLM", "-2", "-3B", "-7B", "Net", "Former", "GPT", "-X", "Chat", "Vision"]
ADJ = (
    "Efficient Scalable Robust Interactive Generative Multimodal Sparse Dense Linear Adaptive "
    "Unified Lightweight Transparent Hierarchical Recurrent Contrastive Causal Structured"
).split()
NOUNS = (
    "Language Models Transformers Agents Reasoning Quantization Alignment Retrieval Diffusion "
    "Video Generation Speech Music Code Benchmarks Datasets Attention Inference Training "
    "Pretraining Fine-Tuning Distillation Segmentation Planning Memory Context Tokenizers"
).split()
PATTERNS = (
    "{name}: {adj} {n1} for {n2}",
    "Towards {adj} {n1} with {n2}",
    "{name}: Scaling {n1} to {n2}",
    "{adj} {n1} via {adj2} {n2}",
    "{name} Technical Report",
    "Beyond {n1}: {adj} {n2} at Scale",
    "On the {adj} {n1} of {n2}",
)
ZH_TERMS = (
    "大型语言模型 多模态 量化 推理 对齐 视频生成 世界模型 智能体 代码生成 音乐 语音 "
    "数据集 基准测试 注意力机制 稀疏 蒸馏 微调 预训练 检索增强 长上下文 图像分割 强化学习"
).split()
ZH_TEMPLATES = (
    "本文提出了{name},一种面向{t1}的新方法。",
    "我们研究了{t1}与{t2}之间的关系,并在多个{t3}上进行了评估。",
    "实验结果表明,{name}在{t2}任务上显著优于现有方法。",
    "此外,我们发布了代码和模型,以促进{t3}领域的研究。",
    "该方法无需额外训练,即可提升{t1}的效率。",
    "我们还分析了{t2}的局限性,并讨论了未来方向。",
)


@dataclass(frozen=True, slots=True)
class SynthPaper:
    """One synthetic paper."""

    title_en: str
    title_zh: str
    abstract: str


def make_paper(rng: random.Random, serial: int) -> SynthPaper:
    """A paper with a unique, realistic title (the serial keeps titles distinct)."""
    name = rng.choice(NAMES) + rng.choice(SUFFIXES) + (str(serial) if serial else "")
    title = rng.choice(PATTERNS).format(
        name=name,
        adj=rng.choice(ADJ),
        adj2=rng.choice(ADJ),
        n1=rng.choice(NOUNS),
        n2=rng.choice(NOUNS),
    )
    t1, t2, t3 = rng.sample(ZH_TERMS, 3)
    zh_title = f"{name}:面向{t1}的{t2}方法"
    sentences = [
        tpl.format(name=name, t1=t1, t2=t2, t3=t3)
        for tpl in rng.sample(ZH_TEMPLATES, rng.randint(3, 6))
    ]
    return SynthPaper(title, zh_title, "".join(sentences))


def digest_text(week: date, papers: list[SynthPaper]) -> str:
    """A digest in the blank-line block format of the first seed."""
    end = week + timedelta(days=4)
    lines = [f"每周AI论文速递({week:%y%m%d}-{end:%y%m%d})", ""]
    for paper in papers:
        lines += [paper.title_en, "", paper.title_zh, "", paper.abstract, ""]
    return "\n".join(lines)


def write_archive(folder: Path, digests: int, papers_per_digest: int = 20, seed: int = 7) -> Path:
    """Write ``digests`` weekly files and a ``digests.yaml`` listing them; returns the yaml."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    first_monday = date(2005, 1, 3)
    entries = []
    serial = 0
    for index in range(digests):
        week = first_monday + timedelta(weeks=index)
        papers = []
        for _ in range(papers_per_digest):
            serial += 1
            papers.append(make_paper(rng, serial))
        path = folder / f"{week.isoformat()}.txt"
        path.write_text(digest_text(week, papers), encoding="utf-8")
        entries.append(f"- id: w{index:05d}\n  file: {path.name}\n  week: {week.isoformat()}\n")
    listing = folder / "digests.yaml"
    listing.write_text("".join(entries), encoding="utf-8")
    return listing


def papers(count: int, seed: int = 11) -> list[SynthPaper]:
    """``count`` synthetic papers, for loading the search benchmark directly."""
    rng = random.Random(seed)
    return [make_paper(rng, i + 1) for i in range(count)]
