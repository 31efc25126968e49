"""cross_entropy and cross_entropy_backward against F.cross_entropy and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.classifier import cross_entropy, cross_entropy_backward, log_softmax, softmax
from tests.engine.classifier.op_check import check_op, logits_like
from tests.engine.oracle import assert_close, numerical_gradient

REDUCTIONS = ("mean", "sum", "none")


def draw_batch(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    samples, classes = int(rng.integers(1, 7)), int(rng.integers(1, 8))
    return logits_like(rng, (samples, classes)), rng.integers(0, classes, samples)


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch(reduction: str, seed: int) -> None:
    logits, targets = draw_batch(np.random.default_rng([5, seed]))
    check_op(
        [logits, targets],
        lambda z, t: cross_entropy(z, t, reduction),
        lambda z, t: F.cross_entropy(z, t, reduction=reduction),
        lambda g, z, t: [cross_entropy_backward(z, t, reduction, grad_output=g)],
        seed,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_backward_matches_finite_differences(reduction: str) -> None:
    logits, targets = draw_batch(np.random.default_rng(6))
    grad = cross_entropy_backward(logits, targets, reduction)
    numeric = numerical_gradient(lambda z: float(cross_entropy(z, targets, reduction).sum()), logits)
    assert_close(grad, numeric, 1e-6)


def test_gradient_is_softmax_minus_one_hot_over_n() -> None:
    logits, targets = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([2, 0])
    one_hot = np.eye(3)[targets]
    assert_close(cross_entropy_backward(logits, targets), (softmax(logits) - one_hot) / 2)
    assert_close(cross_entropy(logits, targets, "none"), -(log_softmax(logits) * one_hot).sum(axis=1))


def test_huge_logits_give_an_exact_finite_loss() -> None:
    logits = np.array([[1e4, -1e4, 0.0], [5e5, 5e5, -5e5], [1e300, 0.0, -1e300]])
    targets = np.array([1, 0, 2])
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor(targets), reduction="none")
    loss = cross_entropy(logits, targets, "none")
    assert np.all(np.isfinite(loss))
    assert_close(loss, expected)
    assert np.all(np.isfinite(cross_entropy_backward(logits, targets)))
