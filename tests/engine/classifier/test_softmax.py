"""softmax and log_softmax, forward and backward, against torch, including huge logits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.classifier import log_softmax, log_softmax_backward, softmax, softmax_backward
from tests.engine.classifier.op_check import check_op, logits_like, random_shape
from tests.engine.oracle import assert_close

PAIRS = {
    "softmax": (softmax, softmax_backward, F.softmax),
    "log_softmax": (log_softmax, log_softmax_backward, F.log_softmax),
}


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("name", list(PAIRS))
def test_matches_torch_along_any_axis(name: str, seed: int) -> None:
    ours, ours_backward, theirs = PAIRS[name]
    rng = np.random.default_rng([3, seed])
    x = logits_like(rng, random_shape(rng, 0, 4))
    axis = int(rng.integers(-max(x.ndim, 1), max(x.ndim, 1)))
    check_op(
        [x],
        lambda x: ours(x, axis=axis),
        lambda t: theirs(t, dim=axis),
        lambda g, x: [ours_backward(g, x, axis=axis)],
        seed,
    )


@pytest.mark.parametrize("scale", [1e4, 1e6, 1e12, 1e300])
@pytest.mark.parametrize("name", list(PAIRS))
def test_huge_logits_stay_finite_and_exact(name: str, scale: float) -> None:
    """e^10000 overflows float64: only the shift by the maximum keeps these finite."""
    ours, ours_backward, theirs = PAIRS[name]
    rng = np.random.default_rng(int(np.log10(scale)))
    x = np.concatenate([rng.uniform(-1, 1, (4, 6)) * scale, [[scale, scale, -scale, 0.0, 1.0, -1.0]]])
    expected = theirs(torch.tensor(x), dim=1)
    output = ours(x, axis=1)
    assert np.all(np.isfinite(output))
    assert_close(output, expected)
    assert np.all(np.isfinite(ours_backward(np.ones_like(x), x, axis=1)))


def test_probabilities_sum_to_one() -> None:
    x = np.random.default_rng(5).standard_normal((3, 4, 5)) * 50
    np.testing.assert_allclose(softmax(x, axis=1).sum(axis=1), 1.0, rtol=1e-12)


def test_float32_stays_float32() -> None:
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    assert softmax(x).dtype == log_softmax(x).dtype == np.float32
