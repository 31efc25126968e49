"""Each computing layer's forward(x, params) and backward(grad, cache, params) against torch.nn.

The layer's torch twin is built from its own constructor arguments and loaded with the same
weights; the outputs, the input gradient, every parameter gradient and (batch norm in training
mode) the updated buffers agree in float64 to 1e-7.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from engine.errors import EngineError
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
from tests.engine.network.torch_twin import load, torch_module
from tests.engine.oracle import assert_close

CASES: list[tuple[str, Layer, tuple[int, ...]]] = [
    ("conv", Conv2d(3, 4, 3, padding=1), (2, 3, 6, 5)),
    ("conv strided", Conv2d(4, 6, (2, 3), stride=2, padding=(1, 0), groups=2, bias=False), (2, 4, 7, 6)),
    ("conv reflect dilated", Conv2d(2, 3, 3, dilation=2, padding=2, padding_mode="reflect"), (1, 2, 6, 6)),
    ("conv same, one image", Conv2d(2, 2, (3, 5), padding="same", dilation=(2, 1)), (2, 5, 6)),
    ("relu", ReLU(), (2, 3, 4, 4)),
    ("sigmoid", Sigmoid(), (2, 3, 4, 4)),
    ("tanh", Tanh(), (2, 3, 4, 4)),
    ("max pool", MaxPool2d(2), (2, 3, 6, 6)),
    ("max pool overlapping", MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True), (2, 2, 7, 6)),
    ("max pool dilated", MaxPool2d((2, 3), stride=1, dilation=2), (1, 2, 6, 7)),
    ("avg pool", AvgPool2d(2), (2, 3, 6, 6)),
    (
        "avg pool padded",
        AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        (2, 2, 7, 6),
    ),
    ("batch norm", BatchNorm2d(3), (4, 3, 3, 2)),
    ("batch norm momentum", BatchNorm2d(2, eps=1e-3, momentum=0.3), (3, 2, 4, 4)),
    ("flatten", Flatten(), (2, 3, 2, 4)),
    ("linear", Linear(6, 4), (5, 6)),
    ("linear no bias", Linear(6, 4, bias=False), (5, 6)),
    ("linear on a sequence", Linear(3, 2), (2, 4, 3)),
]


def random_state(layer: Layer, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Torch's default state, with batch norm's gamma, beta and running statistics made non-trivial."""
    state = layer.initial_state(rng, np.float64)
    for name in ("weight", "bias", "running_mean"):
        if isinstance(layer, BatchNorm2d):
            state[name] = rng.standard_normal(state[name].shape)
    if isinstance(layer, BatchNorm2d):
        state["running_var"] = rng.uniform(0.5, 2, state["running_var"].shape)
    return state


def inputs(name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal(shape)
    # ReLU's derivative at exactly 0 is 0 in torch: make some zeros.
    return np.round(x, 1) if name == "relu" else x


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize(("name", "layer", "shape"), CASES, ids=[case[0] for case in CASES])
def test_forward_and_backward_agree_with_torch(
    name: str, layer: Any, shape: tuple[int, ...], training: bool
) -> None:
    rng = np.random.default_rng([len(name), len(shape)])
    state = random_state(layer, rng)
    module = load(torch_module(layer), state).train(training)
    params = {key: value.copy() for key, value in state.items()}
    x = inputs(name, shape, rng)

    output, cache = layer.forward(x, params, training=training)
    tensor = torch.tensor(x, requires_grad=True)
    expected = module(tensor)
    assert_close(output, expected)
    for key, value in module.state_dict().items():  # buffers moved (training) or kept (eval)
        assert_close(params[key], value)

    grad_output = rng.standard_normal(output.shape)
    grad_input, grads = layer.backward(grad_output, cache, params)
    expected.backward(torch.tensor(grad_output))
    assert_close(grad_input, tensor.grad)
    named = dict(module.named_parameters())
    assert list(grads) == list(named) == list(layer.parameter_names())
    for key, grad in grads.items():
        assert_close(grad, named[key].grad)


def test_layers_without_weights_need_no_params() -> None:
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    output, cache = MaxPool2d(2).forward(x)
    grad, grads = MaxPool2d(2).backward(np.ones_like(output), cache)
    assert (output.ravel().tolist(), grads) == ([5.0, 7.0, 13.0, 15.0], {})
    assert grad.sum() == 4


def test_a_missing_weight_or_cache_entry_is_named() -> None:
    with pytest.raises(EngineError) as missing:
        Conv2d(1, 1, 3).forward(np.zeros((1, 1, 3, 3)), {"bias": np.zeros(1)})
    assert (missing.value.code, missing.value.field) == ("missing_value", "weight")
    with pytest.raises(EngineError) as no_cache:
        ReLU().backward(np.zeros(3), {})
    assert (no_cache.value.code, no_cache.value.field) == ("missing_value", "cache")


def test_batch_norm_counts_its_training_batches_only() -> None:
    layer = BatchNorm2d(2)
    params = layer.initial_state(np.random.default_rng(0), np.float64)
    x = np.random.default_rng(1).standard_normal((3, 2, 2, 2))
    layer.forward(x, params, training=True)
    layer.forward(x, params, training=True)
    before = {key: value.copy() for key, value in params.items()}
    layer.forward(x, params, training=False)
    assert int(params["num_batches_tracked"]) == 2
    for key, value in before.items():
        np.testing.assert_array_equal(params[key], value)
