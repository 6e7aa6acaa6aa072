"""What a chat likes, and papers like a paper: TF-IDF vectors and a per-chat profile.

Pure (numpy/scipy/scikit-learn, no store): :class:`PaperSpace` is the archive as TF-IDF
vectors — title tokens (English and Chinese, tokenised as the search index does) counted
twice, summary tokens, and each topic as a token of its own, sublinear term frequencies,
rows L2-normalised so a dot product is a cosine. :meth:`PaperSpace.similar` is "🔗 Similar".

:class:`ChatModel` is one chat's profile in that space: the mean of the vectors of the
papers it saved or voted for and of its watches' queries (a Rocchio centroid). Its
scores order the weekly post ("For this chat") and answer ``/foryou``; the "why" of a
recommendation is the saved paper (or watch) it is closest to. arxiv-sanity-lite trains a
linear SVM per tag instead; ``benchmarks/bench_relevance.py`` measures both on the same
simulated chats, and the centroid was as precise and ~100× cheaper to train (see the
benchmark table), so a chat's model is rebuilt on every change in well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.domain.search_tokens import index_tokens

MIN_SIGNALS = 5  # signals before a chat's post is reordered for it
TITLE_WEIGHT = 2  # title tokens count this many times


def document(title_tokens: str, abstract_tokens: str, topics: Sequence[str]) -> str:
    """A paper as the vectoriser reads it (space-separated tokens)."""
    topic_tokens = " ".join(f"topic:{t}" for t in topics)
    return " ".join((*(title_tokens,) * TITLE_WEIGHT, abstract_tokens, topic_tokens, topic_tokens))


def _split(text: str) -> list[str]:
    return text.split()


@dataclass
class PaperSpace:
    """The archive's papers as L2-normalised TF-IDF rows."""

    ids: np.ndarray  # paper id of each row
    matrix: sparse.csr_matrix
    vectorizer: TfidfVectorizer
    row_of: dict[int, int]

    @classmethod
    def build(cls, ids: Sequence[int], documents: Sequence[str]) -> PaperSpace:
        """Fit the vocabulary and IDF on the archive itself."""
        vectorizer = TfidfVectorizer(
            analyzer=_split, sublinear_tf=True, min_df=1, max_df=0.5, dtype=np.float32
        )
        if not documents:
            matrix = sparse.csr_matrix((0, 0), dtype=np.float32)
        else:
            try:
                matrix = vectorizer.fit_transform(documents).tocsr()
            except ValueError:  # every token in over half the papers (a tiny archive)
                vectorizer = TfidfVectorizer(analyzer=_split, sublinear_tf=True, dtype=np.float32)
                matrix = vectorizer.fit_transform(documents).tocsr()
        array = np.asarray(ids, dtype=np.int64)
        return cls(array, matrix, vectorizer, {int(pid): i for i, pid in enumerate(array)})

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, paper_ids: Sequence[int]) -> list[int]:
        """The rows of the papers that are in the space, in order."""
        return [r for pid in paper_ids if (r := self.row_of.get(pid)) is not None]

    def query_vector(self, text: str) -> sparse.csr_matrix:
        """A free text (a watch) as a row of this space (its words tokenised as indexed)."""
        if not len(self):
            return sparse.csr_matrix((1, 0), dtype=np.float32)
        tokens = index_tokens(text)
        return normalize(self.vectorizer.transform([f"{tokens} {tokens}"]))

    def similar(self, paper_id: int, count: int = 5) -> list[tuple[int, float]]:
        """The ``count`` papers closest to ``paper_id`` (cosine), best first."""
        row = self.row_of.get(paper_id)
        if row is None or len(self) < 2:
            return []
        scores = np.asarray((self.matrix @ self.matrix[row].T).todense()).ravel()
        scores[row] = -1.0
        return self.top(scores, count)

    def top(
        self, scores: np.ndarray, count: int, skip: Sequence[int] = ()
    ) -> list[tuple[int, float]]:
        """The ``count`` best rows of ``scores`` (rows in ``skip`` left out) as
        ``(paper id, score)``, best first; ties go to the newer paper."""
        if skip:
            scores = scores.copy()
            scores[list(skip)] = -np.inf
        count = min(count, len(scores))
        if count <= 0:
            return []
        best = np.argpartition(-scores, count - 1)[:count]
        order = sorted(best, key=lambda r: (-scores[r], -self.ids[r]))
        return [(int(self.ids[r]), float(scores[r])) for r in order if scores[r] > -np.inf]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a paper was recommended: the saved paper or the watch it resembles most."""

    paper_id: int | None = None
    watch: str | None = None


@dataclass
class ChatModel:
    """One chat's profile (see the module docstring)."""

    space: PaperSpace
    liked_rows: list[int]
    watches: tuple[str, ...]
    watch_vectors: sparse.csr_matrix | None
    profile: sparse.csr_matrix | None
    signals: int

    @classmethod
    def train(cls, space: PaperSpace, liked: Sequence[int], watches: Sequence[str]) -> ChatModel:
        """The profile of a chat that liked the papers ``liked`` and watches ``watches``."""
        rows = space.rows(liked)
        parts = []
        if rows:
            parts.append(space.matrix[rows])
        vectors = None
        if watches and len(space):
            vectors = sparse.vstack([space.query_vector(w) for w in watches]).tocsr()
            parts.append(vectors)
        profile = None
        if parts:
            stacked = sparse.vstack(parts).tocsr()
            profile = normalize(sparse.csr_matrix(stacked.mean(axis=0)))
        return cls(space, rows, tuple(watches), vectors, profile, len(rows) + len(watches))

    def scores(self, rows: Sequence[int] | None = None) -> np.ndarray:
        """Cosine of each row (all rows by default) to the chat's profile."""
        matrix = self.space.matrix if rows is None else self.space.matrix[list(rows)]
        if self.profile is None or matrix.shape[0] == 0:
            return np.zeros(matrix.shape[0], dtype=np.float32)
        return np.asarray((matrix @ self.profile.T).todense()).ravel()

    def recommend(self, count: int, skip_ids: Sequence[int] = ()) -> list[tuple[int, float]]:
        """The ``count`` papers of the archive closest to the profile, the chat's own
        liked papers (and ``skip_ids``) left out."""
        if self.profile is None:
            return []
        skip = [*self.liked_rows, *self.space.rows(skip_ids)]
        return [(pid, s) for pid, s in self.space.top(self.scores(), count, skip) if s > 0]

    def order(self, paper_ids: Sequence[int], count: int) -> list[int]:
        """Up to ``count`` of ``paper_ids`` this chat would like most, best first (papers
        it liked already and those sharing nothing with its profile left out)."""
        rows = self.space.rows(paper_ids)
        if self.profile is None or not rows:
            return []
        liked = set(self.liked_rows)
        scores = self.scores(rows)
        ranked = sorted(
            (i for i, r in enumerate(rows) if r not in liked and scores[i] > 0),
            key=lambda i: (-scores[i], i),
        )
        return [int(self.space.ids[rows[i]]) for i in ranked[:count]]

    def reason(self, paper_id: int) -> Reason:
        """The liked paper or watch ``paper_id`` is closest to."""
        row = self.space.row_of.get(paper_id)
        if row is None:
            return Reason()
        vector = self.space.matrix[row]
        best_paper, best_score = None, 0.0
        if self.liked_rows:
            sims = np.asarray((self.space.matrix[self.liked_rows] @ vector.T).todense()).ravel()
            index = int(np.argmax(sims))
            best_paper, best_score = int(self.space.ids[self.liked_rows[index]]), float(sims[index])
        if self.watch_vectors is not None:
            sims = np.asarray((self.watch_vectors @ vector.T).todense()).ravel()
            index = int(np.argmax(sims))
            if float(sims[index]) > best_score:
                return Reason(watch=self.watches[index])
        return Reason(paper_id=best_paper)
