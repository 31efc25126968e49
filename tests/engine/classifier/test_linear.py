"""linear and linear_backward against torch.nn.functional.linear and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch.nn.functional as F

from engine.classifier import linear, linear_backward
from tests.engine.classifier.op_check import check_op, random_shape
from tests.engine.oracle import assert_close, numerical_gradient


@pytest.mark.parametrize("seed", range(30))
def test_linear_matches_torch(seed: int) -> None:
    """Inputs (in,), (N, in) and (A, B, in), with and without a bias."""
    rng = np.random.default_rng([1, seed])
    leading, features, outputs = random_shape(rng, 0, 2), int(rng.integers(1, 7)), int(rng.integers(1, 7))
    x = rng.standard_normal((*leading, features))
    weight = rng.standard_normal((outputs, features))
    if seed % 3:
        bias = rng.standard_normal(outputs)
        check_op([x, weight, bias], linear, F.linear, lambda g, x, w, b: linear_backward(g, x, w), seed)
    else:
        check_op([x, weight], linear, F.linear, lambda g, x, w: linear_backward(g, x, w)[:2], seed)


@pytest.mark.parametrize("seed", range(4))
def test_linear_backward_matches_finite_differences(seed: int) -> None:
    rng = np.random.default_rng([2, seed])
    x, weight, bias = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    grad_output = rng.standard_normal((3, 5))

    def loss(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> float:
        return float((linear(x, weight, bias) * grad_output).sum())

    grad_input, grad_weight, grad_bias = linear_backward(grad_output, x, weight)
    assert_close(grad_input, numerical_gradient(lambda v: loss(v, weight, bias), x), 1e-6)
    assert_close(grad_weight, numerical_gradient(lambda v: loss(x, v, bias), weight), 1e-6)
    assert_close(grad_bias, numerical_gradient(lambda v: loss(x, weight, v), bias), 1e-6)


def test_float32_stays_float32() -> None:
    x, weight = np.ones((2, 3), np.float32), np.ones((4, 3), np.float32)
    assert linear(x, weight).dtype == np.float32
    grads = linear_backward(np.ones((2, 4), np.float32), x, weight)
    assert [g.dtype for g in grads] == [np.float32] * 3
