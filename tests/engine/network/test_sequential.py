"""Sequential against torch.nn.Sequential with the same weights: every layer's output, every
parameter's gradient, every layer's input gradient, batch norm's buffers, in both modes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import EngineError
from engine.layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Tanh,
)
from engine.network import Sequential, tinyvgg
from tests.engine.network.torch_twin import run_keeping, torch_module, torch_twin
from tests.engine.oracle import assert_close

LAYERS = [
    Conv2d(2, 4, 3, padding=1),
    BatchNorm2d(4),
    ReLU(),
    MaxPool2d(2),
    Conv2d(4, 6, 3, padding=1, bias=False),
    Tanh(),
    AvgPool2d(2),
    Flatten(),
    Linear(24, 5),
]
INPUT = (3, 2, 8, 8)


def network(seed: int = 1) -> Sequential:
    """The mixed network in float64, its batch norm given non-trivial gamma, beta and statistics."""
    net = Sequential(LAYERS, seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for key in ("1.weight", "1.bias", "1.running_mean"):
        net.state_dict()[key][...] = rng.standard_normal(4)
    net.state_dict()["1.running_var"][...] = rng.uniform(0.5, 2, 4)
    return net


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_forward_and_backward_agree_with_autograd(training: bool) -> None:
    net = network().train(training)
    twin = torch_twin(net)
    x = np.random.default_rng(2).standard_normal(INPUT)

    output, outputs = net.forward(x)
    tensor, expected = run_keeping(twin, x)
    assert len(outputs) == len(expected) == len(LAYERS)
    for ours, theirs in zip(outputs, expected, strict=True):
        assert_close(ours, theirs)
    assert output is outputs[-1]
    for key, value in twin.state_dict().items():
        assert_close(net.state_dict()[key], value)

    grad_output = np.random.default_rng(3).standard_normal(output.shape)
    grads = net.backward(grad_output)
    expected[-1].backward(torch.tensor(grad_output))
    named = dict(twin.named_parameters())
    assert list(grads.parameters) == list(named)
    for key, grad in grads.parameters.items():
        assert_close(grad, named[key].grad)
    upstream = [tensor.grad, *(value.grad for value in expected[:-1])]
    assert len(grads.inputs) == len(upstream)
    for ours, theirs in zip(grads.inputs, upstream, strict=True):
        assert_close(ours, theirs)


def test_state_dict_keys_and_shapes_are_torchs() -> None:
    for layers in (LAYERS, tinyvgg()):
        net = Sequential(layers)
        module = torch.nn.Sequential(*(torch_module(layer) for layer in layers))
        theirs = module.state_dict()
        assert list(net.state_dict()) == list(theirs)
        assert [value.shape for value in net.state_dict().values()] == [
            tuple(v.shape) for v in theirs.values()
        ]
        assert [key for key, _ in net.named_parameters()] == [key for key, _ in module.named_parameters()]
        assert net.parameter_count == sum(p.numel() for p in module.parameters())
    assert list(Sequential(tinyvgg()).state_dict()) == [
        f"{index}.{name}" for index in (0, 2, 5, 7, 11) for name in ("weight", "bias")
    ]


def test_a_state_dict_is_copied_in_and_loaded_in_place() -> None:
    source = network().state_dict()
    net = Sequential(LAYERS, source)
    assert all(net.state_dict()[key] is not value for key, value in source.items())
    assert net.state_dict()["1.num_batches_tracked"].dtype == np.int64
    arrays = net.parameters()
    other = Sequential(LAYERS, seed=7, dtype=np.float64).state_dict()
    net.load_state_dict(other)
    assert all(a is b for a, b in zip(arrays, net.parameters(), strict=True))
    for key, value in other.items():
        np.testing.assert_array_equal(net.state_dict()[key], value)


def test_float32_by_default_and_dtype_on_request() -> None:
    assert {v.dtype for v in Sequential(tinyvgg()).parameters()} == {np.dtype(np.float32)}
    state = Sequential(tinyvgg(), dtype=np.float64).state_dict()
    assert {v.dtype for v in Sequential(tinyvgg(), state).parameters()} == {np.dtype(np.float64)}
    assert {v.dtype for v in Sequential(tinyvgg(), state, dtype=np.float32).parameters()} == {
        np.dtype(np.float32)
    }


def test_eval_uses_running_statistics_and_train_the_batch() -> None:
    net = network()
    x = np.random.default_rng(4).standard_normal(INPUT)
    before = {key: value.copy() for key, value in net.state_dict().items()}
    evaluated = net.eval()(x)
    assert not net.training
    for key, value in before.items():  # evaluation leaves the buffers alone
        np.testing.assert_array_equal(net.state_dict()[key], value)
    trained = net.train()(x)
    assert net.training
    assert not np.allclose(evaluated, trained)
    assert int(net.state_dict()["1.num_batches_tracked"]) == 1
    assert not np.allclose(net.state_dict()["1.running_mean"], before["1.running_mean"])
    # In evaluation each image is normalised alone; in training by its batch.
    net.eval()
    assert_close(net(x[:1]), net(x)[:1])
    net.train()
    assert not np.allclose(net(x[:2]), net(x)[:2])


def test_one_image_without_a_batch_axis() -> None:
    net = network().eval()
    x = np.random.default_rng(5).standard_normal(INPUT[1:])
    _, batched_outputs = net.forward(x[None])
    output, outputs = net.forward(x)
    assert output.shape == (5,)
    assert [o.shape for o in outputs] == [tuple(s) for s in net.output_shapes(INPUT[1:])]
    for ours, theirs in zip(outputs, batched_outputs, strict=True):
        assert_close(ours, theirs[0])
    grads = net.backward(np.ones(5))
    assert grads.inputs[0].shape == INPUT[1:]


def test_keep_false_keeps_nothing_and_backward_needs_a_kept_forward() -> None:
    net = network()
    output, outputs = net.forward(np.zeros(INPUT), keep=False)
    assert outputs == []
    with pytest.raises(EngineError) as raised:
        net.backward(np.ones_like(output))
    assert raised.value.code == "missing_value"


@pytest.mark.parametrize(
    ("state", "code", "field"),
    [
        ({"0.weight": np.zeros((4, 2, 3, 3))}, "missing_value", "state_dict"),
        (
            {"0.weight": np.zeros((4, 2, 3, 3)), "0.bias": np.zeros(4), "1.weight": np.zeros(4)},
            "not_for_this_layer",
            "state_dict",
        ),
        ({"0.weight": np.zeros((4, 2, 3, 3)), "0.bias": np.zeros(5)}, "shape_mismatch", "0.bias"),
    ],
    ids=["missing", "unexpected", "shape"],
)
def test_a_state_dict_that_does_not_fit_is_refused(
    state: dict[str, np.ndarray], code: str, field: str
) -> None:
    layers = [Conv2d(2, 4, 3), ReLU()]
    with pytest.raises(EngineError) as raised:
        Sequential(layers, state)
    assert (raised.value.code, raised.value.field) == (code, field)


def test_errors_name_the_layer() -> None:
    with pytest.raises(EngineError) as not_computing:
        Sequential([Conv2d(1, 2, 3), AdaptiveAvgPool2d(1)])
    assert (not_computing.value.code, not_computing.value.field) == ("unknown_layer_type", "layers[1]")
    with pytest.raises(EngineError) as bad_input:
        Sequential(tinyvgg()).forward(np.zeros((1, 3, 28, 28)))
    assert (bad_input.value.code, bad_input.value.field) == ("channel_mismatch", "layers[0]")
    assert str(bad_input.value).startswith("layer 0 (Conv2d): ")
