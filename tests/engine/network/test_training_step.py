"""Whole training steps against torch: forward, cross-entropy, backward, then Adam or SGD with
momentum; after every step the loss, every parameter, every buffer and the optimizer's state agree."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from engine import cross_entropy, cross_entropy_backward
from engine.layers import BatchNorm2d, Conv2d, Flatten, Layer, Linear, MaxPool2d, ReLU
from engine.network import Sequential, tinyvgg
from engine.optim import SGD, Adam
from tests.engine.network.torch_twin import torch_twin
from tests.engine.oracle import assert_close

STEPS = 3
NETWORKS: dict[str, tuple[list[Layer], tuple[int, ...]]] = {
    "tinyvgg": (tinyvgg(), (4, 1, 28, 28)),
    "batch norm": (
        [Conv2d(1, 3, 3), BatchNorm2d(3), ReLU(), MaxPool2d(2), Flatten(), Linear(3 * 3 * 3, 4)],
        (5, 1, 8, 8),
    ),
}
OPTIMIZERS: dict[str, tuple[Any, Any, dict[str, Any]]] = {
    "adam": (Adam, torch.optim.Adam, {"lr": 1e-3}),
    "sgd momentum": (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("name", NETWORKS)
def test_training_steps_agree_with_torch(name: str, optimizer: str) -> None:
    layers, shape = NETWORKS[name]
    ours, theirs, settings = OPTIMIZERS[optimizer]
    net = Sequential(layers, seed=3, dtype=np.float64)
    twin = torch_twin(net)
    engine_optimizer = ours(net.parameters(), **settings)
    torch_optimizer = theirs(twin.parameters(), **settings)
    rng = np.random.default_rng(4)
    classes = net.output_shapes(shape)[-1][-1]
    for _ in range(STEPS):
        x, y = rng.uniform(0, 1, shape), rng.integers(0, classes, shape[0])
        logits, _ = net.forward(x)
        loss = cross_entropy(logits, y)
        engine_optimizer.step(list(net.backward(cross_entropy_backward(logits, y)).parameters.values()))

        torch_optimizer.zero_grad()
        torch_loss = torch.nn.functional.cross_entropy(twin(torch.tensor(x)), torch.tensor(y))
        torch_loss.backward()
        torch_optimizer.step()

        assert_close(loss, torch_loss.detach())
        for key, value in twin.state_dict().items():
            assert_close(net.state_dict()[key], value)
        for state, param in zip(engine_optimizer.state, twin.parameters(), strict=True):
            for key, value in torch_optimizer.state[param].items():
                assert_close(state[key], value)
