"""Relevance: /foryou, "For this chat" and 🔗 Similar measured against hidden interests.

A 9,000-paper synthetic archive (``benchmarks.synth``, topics tagged from title and
summary as ingestion does). 100 simulated chats each get a hidden interest — a topic of
the taxonomy, or a term (an English title phrase such as "World Models", or a Chinese
summary term such as 强化学习) — and 📌 save 10 random papers of that interest, none among
the newest 100 (the "week" to be posted). Then, against the hidden interest:

* ``/foryou`` precision@5: of the 5 unsaved papers it offers first, how many have the
  interest; baselines: the 5 newest unsaved papers (newest first), and plain keyword
  search on the saved titles (each saved title searched with ``/paper``'s search, hits
  scored by rank, saved papers left out); and arxiv-sanity-lite's per-chat linear SVM
  (scikit-learn ``LinearSVC`` on the same TF-IDF rows) for the choice of model;
* "For this chat" precision@5: the 5 papers of the week put first for the chat, against
  the week in digest order (newest first) — both capped by how many the week has;
* 🔗 Similar precision@5: for 300 papers with a topic, how many of the 5 most similar
  share its first topic.

Speed and memory run in a child process (``python -m benchmarks.bench_relevance child``)
that is the bot's storage layer on the store: ``/foryou`` and 🔗 Similar as the handlers
call them (``bot.services.watching``, store reads included), after the model is built;
its peak RSS (``VmHWM``) is reported. Last, the real bot publishes a 20-paper digest to
1,000 subscribed chats each with its own saves (10) and a watch, so every chat gets its
own order, side by side with the same broadcast unpersonalised (``bench_broadcast``'s
floor: messages ÷ 30/s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks import synth
from benchmarks.common import (
    ROOT,
    BenchResult,
    config_dir,
    fill_store,
    latency_summary,
    sqlite_url,
)

PAPERS = 9000
CHATS = 100
SAVES = 10
WEEK = 100  # the newest papers: the week whose order is personalised
TARGET_P5 = 0.8
TARGET_SIMILAR = 0.7
TARGET_MS = 50.0
TARGET_MB = 250.0
BROADCAST_CHATS = 1000
RATE = 30


# --------------------------------------------------------------------------- the archive


def _build(folder: Path, taxonomy: Any, count: int) -> str:
    from bot.store.db import make_engine, migrate

    url = sqlite_url(folder / f"relevance-{count}.sqlite3")
    engine = make_engine(url)
    migrate(engine)
    fill_store(engine, synth.papers(count, seed=21), taxonomy, tag_abstracts=True)
    engine.dispose()
    return url


def _interests(texts: list[Any], taxonomy: Any) -> list[tuple[str, set[int]]]:
    """Candidate hidden interests with the ids of their papers (enough of them to save 10
    and to fill the week)."""
    topics: dict[str, set[int]] = defaultdict(set)
    for paper in texts:
        for topic in paper.topics:
            if topic != taxonomy.fallback_id:
                topics[f"topic:{topic}"].add(paper.id)
    terms: dict[str, set[int]] = {}
    for noun in synth.NOUNS:
        key = noun.casefold()
        terms[f"term:{noun}"] = {p.id for p in texts if key in p.title_en.casefold()}
    for term in synth.ZH_TERMS:
        terms[f"term:{term}"] = {p.id for p in texts if term in p.zh_text}
    found = [(k, v) for k, v in {**topics, **terms}.items() if 60 <= len(v) <= len(texts) // 3]
    return sorted(found)


# --------------------------------------------------------------------------- the child


def _child(database_url: str, config_path: str) -> dict[str, Any]:
    """Quality, speed and memory, in a process of its own (its peak RSS is the bot's)."""
    import numpy as np

    from bot.app import build_services
    from bot.config import Environment, load_config
    from bot.domain.relevance import ChatModel
    from bot.services.watching import for_you, similar_papers
    from bot.store.models import Paper
    from bot.store.paper_texts import paper_texts

    config = load_config(Path(config_path), Environment(database_url=database_url))
    services = build_services(config, Environment(database_url=database_url))
    rng = random.Random(24)
    texts = paper_texts(services.factory)
    with services.factory() as session:
        rows = session.query(Paper.id, Paper.title_en, Paper.title_zh, Paper.abstract).all()
    extra = {pid: (en, f"{zh or ''} {abstract}") for pid, en, zh, abstract in rows}

    class Text:  # a paper with the text the hidden interests are looked for in
        def __init__(self, base: Any) -> None:
            self.id, self.topics = base.id, base.topics
            self.title_en, self.zh_text = extra[base.id]

    papers = [Text(p) for p in texts]
    all_ids = [p.id for p in papers]
    week = set(sorted(all_ids)[-WEEK:])
    week_order = sorted(week)  # digest order of the synthetic week: by position (= id)
    interests = [(k, v) for k, v in _interests(papers, config.taxonomy) if len(v - week) >= SAVES]
    relevance = services.relevance
    space_seconds = time.perf_counter()
    space = relevance.space()
    space_seconds = time.perf_counter() - space_seconds

    chats = []
    for index in range(CHATS):
        name, ids = interests[index % len(interests)]
        saved = rng.sample(sorted(ids - week), SAVES)
        chat_id = 900_000 + index
        for pid in saved:
            services.reading.save(chat_id, pid, chat_id, "bench")
        chats.append((chat_id, name, ids, saved))

    # speed after the model is built: as the handlers call them
    for chat_id, *_rest in chats:
        relevance.model(chat_id)
    foryou_s, similar_s = [], []
    for _round in range(3):
        for chat_id, *_rest in chats:
            start = time.perf_counter()
            for_you(services, chat_id, 0, 5)
            foryou_s.append(time.perf_counter() - start)
    for pid in rng.sample(all_ids, 300):
        start = time.perf_counter()
        similar_papers(services, pid)
        similar_s.append(time.perf_counter() - start)
    peak_kb = 0  # the bot's high-water mark: before the SVM and keyword baselines
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak_kb = int(line.split()[1])

    # the baselines after the bot's figures: scikit-learn alone is ~70 MB
    from sklearn.svm import LinearSVC

    def p_at_5(shown: list[int], ids: set[int], cap: int = 5) -> float:
        return sum(1 for p in shown[:5] if p in ids) / max(1, min(5, cap))

    foryou, newest, keyword, svm, order, order_base = [], [], [], [], [], []
    svm_ms, centroid_ms = [], []
    newest_unsaved = sorted(all_ids, reverse=True)
    for _chat_id, _name, ids, saved in chats:
        start = time.perf_counter()
        model = ChatModel.train(space, saved, ())
        centroid_ms.append((time.perf_counter() - start) * 1000)
        recommended = [pid for pid, _s in model.recommend(5)]
        foryou.append(p_at_5(recommended, ids))
        newest.append(p_at_5([p for p in newest_unsaved if p not in saved][:5], ids))
        scores: dict[int, float] = defaultdict(float)
        for pid in saved:
            # the title's words (a whole title finds only itself): "MobileLLM: Optimizing
            # Sparse Language Models for …" → "Optimizing Sparse Language Models for …"
            title = extra[pid][0].split(": ", 1)[-1]
            for rank, hit in enumerate(services.library.search(title, 20)):
                if hit.paper_id not in saved:
                    scores[hit.paper_id] += 1.0 / (rank + 1)
        keyword.append(p_at_5(sorted(scores, key=lambda p: -scores[p])[:5], ids))
        # arxiv-sanity-lite: a linear SVM per tag on the TF-IDF rows
        start = time.perf_counter()
        labels = np.zeros(len(space), dtype=np.int8)
        labels[space.rows(saved)] = 1
        classifier = LinearSVC(class_weight="balanced", C=0.01, tol=1e-6, max_iter=10000)
        classifier.fit(space.matrix, labels)
        decision = classifier.decision_function(space.matrix)
        svm_ms.append((time.perf_counter() - start) * 1000)
        best = [pid for pid, _s in space.top(decision, 5, space.rows(saved))]
        svm.append(p_at_5(best, ids))
        relevant_in_week = len(ids & week)
        order.append(p_at_5(model.order(week_order, 5), ids, relevant_in_week))
        order_base.append(p_at_5(week_order, ids, relevant_in_week))

    services.engine.dispose()
    # 🔗 Similar: papers with a topic, their 5 neighbours sharing its first topic
    with_topic = [p for p in texts if p.topics and p.topics[0] != config.taxonomy.fallback_id]
    similar = []
    for paper in rng.sample(with_topic, min(300, len(with_topic))):
        found = relevance.similar(paper.id)
        topics_of = {p.id: p.topics for p in texts}
        similar.append(sum(paper.topics[0] in topics_of[f] for f in found) / 5)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    return {
        "papers": len(texts),
        "chats": len(chats),
        "interests": len(interests),
        "space_seconds": space_seconds,
        "vocabulary": int(space.matrix.shape[1]),
        "foryou_p5": mean(foryou),
        "newest_p5": mean(newest),
        "keyword_p5": mean(keyword),
        "svm_p5": mean(svm),
        "svm_train_ms": mean(svm_ms),
        "centroid_train_ms": mean(centroid_ms),
        "order_p5": mean(order),
        "order_newest_p5": mean(order_base),
        "similar_p5": mean(similar),
        "foryou_ms": latency_summary(foryou_s),
        "similar_ms": latency_summary(similar_s),
        "peak_kb": peak_kb,
    }


def _quality(folder: Path, url: str) -> dict[str, Any]:
    config = config_dir(folder / "relevance-config")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_relevance", "child", url, str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"relevance child failed: {out.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return report


# --------------------------------------------------------------------------- broadcast


async def _broadcast(config: Any, chats: list[tuple[int, str]], personal: bool) -> dict[str, Any]:
    from bot.domain.delivery import PublishTrigger
    from bot.sandbox.fake_telegram import FakeBotApi
    from bot.sandbox.runner import running_bot

    rng = random.Random(7)
    async with FakeBotApi() as api:
        for chat_id, kind in chats:
            api.add_chat(chat_id, kind, title=f"Team {abs(chat_id)}" if kind != "private" else None)
        async with running_bot(config, api, token="123456:BENCH", ingest=False) as application:
            services = application.bot_data.services
            archive = [p.id for p in services.library.digest_papers("w00001")]
            for chat_id, kind in chats:
                services.subscriptions.subscribe(chat_id, chat_type=kind)
                if personal:
                    for pid in rng.sample(archive, SAVES):
                        services.reading.save(chat_id, pid, None, "bench")
                    services.watches.add(chat_id, rng.choice(synth.ZH_TERMS), None)
            if personal:
                services.relevance.space()  # built when the archive changed, not now
            api.reset()
            api.flood_limits(RATE, 20)
            start = time.perf_counter()
            summary = await services.publisher.publish_next(PublishTrigger.POSTNOW)
            seconds = time.perf_counter() - start
            counts = [len(api.messages_to(c, method="sendMessage")) for c, _k in chats]
            firsts = {api.messages_to(c, method="sendMessage")[0].text for c, _k in chats}
            return {
                "seconds": seconds,
                "messages": sum(counts),
                "chats_served": sum(1 for n in counts if n),
                "distinct_posts": len(firsts),
                "failed": getattr(summary, "failed", None),
                "flood_rejections": api.flood_rejections,
            }


def _broadcasts(ctx: Any, count: int) -> dict[str, dict[str, Any]]:
    from bot.config import Environment, load_config
    from bot.store.db import make_engine, migrate

    chats = [
        (-(710_000_000 + i), "group") if i % 10 == 9 else (610_000_000 + i, "private")
        for i in range(count)
    ]
    out = {}
    for personal in (False, True):
        path = ctx.folder / f"relevance-broadcast-{personal}.sqlite3"
        engine = make_engine(sqlite_url(path))
        migrate(engine)
        # the archive the saves come from (w00000, w00001), then the digest to post (w00002)
        papers = synth.papers(60, seed=5)
        fill_store(engine, papers, ctx.taxonomy, tag_abstracts=True)
        engine.dispose()
        listing = "".join(synth.listing_entry(i, f"{synth.week_of(i)}.txt") for i in range(3))
        folder = ctx.folder / f"relevance-broadcast-{personal}"
        config = load_config(
            config_dir(folder, listing), Environment(database_url=sqlite_url(path))
        )
        ledger_ready = _mark_published(sqlite_url(path), ["w00000", "w00001"])
        assert ledger_ready
        out["personal" if personal else "plain"] = asyncio.run(_broadcast(config, chats, personal))
    return out


def _mark_published(url: str, digest_ids: list[str]) -> bool:
    """The archive's older weeks count as published: the broadcast posts the newest."""
    from datetime import UTC, datetime

    from bot.store.db import make_engine
    from bot.store.models import Publication

    engine = make_engine(url)
    with engine.begin() as conn:
        for digest_id in digest_ids:
            conn.execute(
                Publication.__table__.insert().values(
                    digest_id=digest_id, trigger="postnow", started_at=datetime.now(UTC)
                )
            )
    engine.dispose()
    return True


# --------------------------------------------------------------------------- the run


def run(ctx: Any) -> BenchResult:
    """Quality, speed and memory on 9,000 papers; the personalised broadcast."""
    result = BenchResult("relevance")
    url = _build(ctx.folder, ctx.taxonomy, PAPERS)
    q = _quality(ctx.folder, url)
    result.details["quality"] = q
    newest = q["newest_p5"]
    result.add(
        "/foryou precision@5",
        q["foryou_p5"],
        "",
        baseline="newest first",
        baseline_value=newest,
        ratio=q["foryou_p5"] / newest if newest else float("inf"),
        target=f"≥ {TARGET_P5:g}, ≥ 2× newest",
        ok=q["foryou_p5"] >= TARGET_P5 and q["foryou_p5"] >= 2 * newest,
        notes=f"{q['chats']} chats, {SAVES} saves each, {q['interests']} interests",
    )
    result.add(
        "/foryou precision@5 vs keywords",
        q["foryou_p5"],
        "",
        baseline="keyword search on saved titles",
        baseline_value=q["keyword_p5"],
        ratio=q["foryou_p5"] / q["keyword_p5"] if q["keyword_p5"] else float("inf"),
    )
    result.add(
        "centroid vs arxiv-sanity SVM p@5",
        q["foryou_p5"],
        "",
        baseline="LinearSVC per chat",
        baseline_value=q["svm_p5"],
        ratio=q["foryou_p5"] / q["svm_p5"] if q["svm_p5"] else float("inf"),
        notes=f"training {q['centroid_train_ms']:.2f} ms vs {q['svm_train_ms']:.0f} ms a chat",
    )
    base = q["order_newest_p5"]
    result.add(
        '"For this chat" precision@5',
        q["order_p5"],
        "",
        baseline="digest order (newest first)",
        baseline_value=base,
        ratio=q["order_p5"] / base if base else float("inf"),
        target=f"≥ {TARGET_P5:g}, ≥ 2× newest",
        ok=q["order_p5"] >= TARGET_P5 and q["order_p5"] >= 2 * base,
        notes=f"a week of the {WEEK} newest papers",
    )
    result.add(
        "🔗 Similar precision@5 (same topic)",
        q["similar_p5"],
        "",
        target=f"≥ {TARGET_SIMILAR:g}",
        ok=q["similar_p5"] >= TARGET_SIMILAR,
        notes="300 papers with a topic",
    )
    for name, key in (("/foryou", "foryou_ms"), ("🔗 Similar", "similar_ms")):
        result.add(
            f"{name} p95 @{q['papers']:,}",
            q[key]["p95"],
            "ms",
            target=f"≤ {TARGET_MS:g} ms",
            ok=q[key]["p95"] <= TARGET_MS,
            notes=f"p50 {q[key]['p50']:.1f} ms, after the model is built "
            f"({q['space_seconds']:.1f} s, {q['vocabulary']:,} terms)",
        )
    peak = q["peak_kb"] / 1024
    result.add(
        f"peak RSS, relevance @{q['papers']:,}",
        peak,
        "MB",
        target=f"< {TARGET_MB:g} MB",
        ok=peak < TARGET_MB,
    )
    count = 100 if ctx.quick else BROADCAST_CHATS
    runs = _broadcasts(ctx, count)
    result.details["broadcast"] = runs
    plain, personal = runs["plain"], runs["personal"]
    minimum = personal["messages"] / RATE
    ratio = personal["seconds"] / minimum
    result.add(
        f"personalised broadcast to {count:,}",
        personal["seconds"],
        "s",
        baseline="messages ÷ 30/s",
        baseline_value=minimum,
        ratio=ratio,
        target="≤ 1.10× min",
        ok=ratio <= 1.10 and personal["failed"] == 0 and personal["chats_served"] == count,
        notes=f"{personal['distinct_posts']} distinct posts; unpersonalised "
        f"{plain['seconds']:.1f} s = {plain['seconds'] / (plain['messages'] / RATE):.2f}× min",
    )
    return result


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_relevance")
    parser.add_argument("role", choices=["child"])
    parser.add_argument("database_url")
    parser.add_argument("config")
    args = parser.parse_args(argv)
    print(json.dumps(_child(args.database_url, args.config)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
