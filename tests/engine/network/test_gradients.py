"""Sequential's gradients by central finite differences of the loss, on tiny float64 networks."""

from __future__ import annotations

import numpy as np
import pytest

from engine import cross_entropy, cross_entropy_backward
from engine.layers import (
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Flatten,
    Layer,
    Linear,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Tanh,
)
from engine.network import Sequential
from tests.engine.oracle import numeric_gradient

TINY: dict[str, list[Layer]] = {
    "batch norm, tanh, average": [
        Conv2d(1, 2, 3, padding=1),
        BatchNorm2d(2),
        Tanh(),
        AvgPool2d(2),
        Flatten(),
        Linear(8, 3),
    ],
    "relu, max, sigmoid": [
        Conv2d(1, 2, 2, stride=1),
        ReLU(),
        MaxPool2d(2, stride=1),
        Conv2d(2, 2, 2, bias=False),
        Sigmoid(),
        Flatten(),
        Linear(2, 3),
    ],
}


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", TINY)
def test_parameter_and_input_gradients_match_finite_differences(name: str, training: bool) -> None:
    rng = np.random.default_rng(len(name))
    net = Sequential(TINY[name], seed=5, dtype=np.float64).train(training)
    x, y = rng.standard_normal((2, 1, 4, 4)), np.array([0, 2])

    def loss() -> float:
        # Batch norm's buffers move on each training forward, but its output does not use them.
        return float(cross_entropy(net.forward(x, keep=False)[0], y, reduction="sum"))

    logits, _ = net.forward(x)
    grads = net.backward(cross_entropy_backward(logits, y, reduction="sum"))
    for key, param in net.named_parameters():
        np.testing.assert_allclose(grads.parameters[key], numeric_gradient(loss, param), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(grads.inputs[0], numeric_gradient(loss, x), rtol=1e-5, atol=1e-7)
