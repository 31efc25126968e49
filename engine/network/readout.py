"""The classifier's last step with its working shown: softmax of one logit vector, term by term.

``softmax(z)_i = exp(z_i - max z) / sum_j exp(z_j - max z)``: the shift by the largest logit
changes nothing mathematically and keeps every exponent at most 0 (the largest term is exactly 1),
so a page can show each exponential, their sum and the ratios that are the probabilities.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from engine._checks import Array
from engine.classifier.softmax import softmax


class SoftmaxWorking(NamedTuple):
    """``exponentials``: exp(logit - max) per class; ``total``: their sum; ``probabilities``:
    :func:`engine.softmax` of the logits (each exponential over the sum); ``prediction``: the
    index of the largest probability (the first one on a tie)."""

    exponentials: Array
    total: float
    probabilities: Array
    prediction: int


def softmax_working(logits: Any) -> SoftmaxWorking:
    """The softmax of a 1-D logit vector (classes,) with its exponentials and their sum."""
    values = np.asarray(logits, dtype=np.float64).reshape(-1)
    exponentials = np.exp(values - values.max())
    probabilities = softmax(values)
    return SoftmaxWorking(exponentials, float(exponentials.sum()), probabilities, int(probabilities.argmax()))
