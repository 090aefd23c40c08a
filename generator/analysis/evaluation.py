"""Scores for change-point detectors, as TCPDBench defines them (van den Burg & Williams, 2020).

- F1 with a margin: index 0 counts as a change point in every set. Precision is
  against the union of all annotators; recall is averaged over annotators. A
  prediction can match at most one annotation.
- Segmentation covering: each annotator's partition is covered by the predicted one,
  weighted by segment length, with Jaccard overlap; averaged over annotators.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

MARGIN = 5


def true_positives(truth: Iterable[int], predicted: Iterable[int], margin: int = MARGIN) -> set[int]:
    remaining = set(predicted)
    hits = set()
    for tau in sorted(truth):
        close = sorted((abs(tau - x), x) for x in remaining if abs(tau - x) <= margin)
        if close:
            hits.add(tau)
            remaining.remove(close[0][1])
    return hits


def f1_score(annotations: Mapping[str, Iterable[int]], predicted: Iterable[int], margin: int = MARGIN) -> float:
    truths = [set(a) | {0} for a in annotations.values()]
    guesses = set(predicted) | {0}
    precision = len(true_positives(set().union(*truths), guesses, margin)) / len(guesses)
    recall = sum(len(true_positives(t, guesses, margin)) / len(t) for t in truths) / len(truths)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _partition(points: Iterable[int], n: int) -> list[range]:
    bounds = sorted({0, n} | {p for p in points if 0 < p < n})
    return [range(a, b) for a, b in itertools.pairwise(bounds)]


def _overlap(a: range, b: range) -> float:
    inter = max(0, min(a.stop, b.stop) - max(a.start, b.start))
    return inter / (len(a) + len(b) - inter)


def covering(annotations: Mapping[str, Iterable[int]], predicted: Iterable[int], n: int) -> float:
    guess = _partition(predicted, n)
    scores = []
    for annotated in annotations.values():
        truth = _partition(annotated, n)
        scores.append(sum(len(seg) * max(_overlap(seg, g) for g in guess) for seg in truth) / n)
    return sum(scores) / len(scores)
