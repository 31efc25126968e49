"""A network's accuracy and mean loss on a labelled set, in batches, in evaluation mode."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from engine import cross_entropy
from engine.network import Sequential


class Evaluation(NamedTuple):
    """``correct`` of ``total`` digits right; the mean cross-entropy; every logit and prediction."""

    correct: int
    total: int
    loss: float
    logits: NDArray[np.floating]
    predictions: NDArray[np.int64]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total


def evaluate(
    network: Sequential, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000
) -> Evaluation:
    """Run ``images`` (N, C, H, W) through ``network`` ``batch_size`` at a time, keeping nothing.

    The batch size is part of the result's exact arithmetic (BLAS sums in blocks), so a check
    that must reproduce a count digit for digit uses the same one. The network's mode is restored.
    """
    was_training = network.training
    network.eval()
    try:
        logits = np.concatenate(
            [network(images[start : start + batch_size]) for start in range(0, len(labels), batch_size)]
        )
    finally:
        network.train(was_training)
    predictions = logits.argmax(axis=1).astype(np.int64)
    loss = float(cross_entropy(logits, labels, reduction="sum")) / len(labels)
    return Evaluation(int((predictions == labels).sum()), len(labels), loss, logits, predictions)
