"""The relevance model's pure parts: our TF-IDF equals scikit-learn's, profiles, reasons."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.domain.relevance import ChatModel, PaperSpace, Vectorizer, document
from bot.domain.search_tokens import index_tokens
from tests.seed_papers import SEED_PAPERS

DOCS = [index_tokens(f"{p[1]} {p[2] or ''} {p[5]}") for p in SEED_PAPERS]


def test_our_tfidf_is_scikit_learns():
    ours, matrix = Vectorizer.fit(DOCS)
    theirs = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, max_df=0.5)
    reference = theirs.fit_transform(DOCS)
    assert set(ours.vocabulary) == set(theirs.vocabulary_)
    columns = [theirs.vocabulary_[t] for t in sorted(ours.vocabulary, key=ours.vocabulary.get)]
    assert np.abs(reference[:, columns].toarray() - matrix.toarray()).max() < 1e-6
    query = ["genie 世界 界模 模型 unknownword"]
    got = ours.transform(query).toarray()
    assert np.abs(theirs.transform(query)[:, columns].toarray() - got).max() < 1e-6


def _space() -> PaperSpace:
    docs = {
        1: document("world model genie", "视频 世界", ["video"]),
        2: document("world model video", "视频", ["video"]),
        3: document("quantization bits llm", "量化", ["efficiency"]),
        4: document("bits quantization kernel", "量化 内核", ["efficiency"]),
        5: document("world model agents", "智能", ["agents"]),
        6: document("speech music", "音乐", ["audio"]),
    }
    return PaperSpace.build(list(docs), docs.values())


def test_profile_ranks_what_the_liked_papers_share_and_leaves_them_out():
    space = _space()
    model = ChatModel.train(space, [1, 2], ())
    recommended = [pid for pid, _s in model.recommend(3)]
    assert recommended[0] == 5 and not {1, 2} & set(recommended)
    assert model.order([6, 3, 5, 1], 2) == [5]  # liked 1 left out; no share: not "for you"
    assert model.reason(5).paper_id in (1, 2)


def test_a_watch_is_a_signal_and_a_reason():
    space = _space()
    model = ChatModel.train(space, [], ["quantization"])
    assert [pid for pid, _s in model.recommend(2)] and model.signals == 1
    assert model.reason(3).watch == "quantization"
    assert ChatModel.train(space, [], ()).recommend(3) == []


def test_similar_papers_share_words_and_topics():
    space = _space()
    assert [pid for pid, _s in space.similar(3, 1)] == [4]
    assert space.similar(99) == []
