"""Batch normalisation against torch.nn.functional.batch_norm and autograd, purity and finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.norm import batch_norm, batch_norm_backward
from tests.engine.oracle import assert_close, numerical_gradient

Array = np.ndarray[Any, Any]


def draw_shape(rng: np.random.Generator) -> tuple[int, int, int, int]:
    """(N, C, H, W) with at least two values per channel, so training is possible."""
    while True:
        shape = (
            int(rng.integers(1, 4)),
            int(rng.integers(1, 4)),
            int(rng.integers(1, 5)),
            int(rng.integers(1, 5)),
        )
        if shape[0] * shape[2] * shape[3] >= 2:
            return shape


def draw_arguments(rng: np.random.Generator, channels: int) -> dict[str, Any]:
    return {
        "running_mean": rng.standard_normal(channels),
        "running_var": rng.uniform(0.2, 3.0, channels),
        "weight": rng.standard_normal(channels) if rng.random() < 0.7 else None,
        "bias": rng.standard_normal(channels) if rng.random() < 0.7 else None,
        "momentum": float(rng.uniform(0.0, 1.0)),
        "eps": float(10 ** rng.uniform(-6, -1)),
    }


def torch_batch_norm(x: Array, training: bool, arguments: dict[str, Any]) -> tuple[torch.Tensor, ...]:
    """PyTorch's result and its running buffers after the call (it updates them in place)."""
    mean = torch.tensor(arguments["running_mean"])
    var = torch.tensor(arguments["running_var"])
    optional = {k: None if arguments[k] is None else torch.tensor(arguments[k]) for k in ("weight", "bias")}
    output = F.batch_norm(
        torch.from_numpy(x),
        mean,
        var,
        training=training,
        momentum=arguments["momentum"],
        eps=arguments["eps"],
        **optional,
    )
    return output, mean, var


@pytest.mark.parametrize("training", [True, False], ids=["training", "eval"])
@pytest.mark.parametrize("seed", range(40))
def test_batch_norm_matches_torch_and_its_running_buffers(seed: int, training: bool) -> None:
    rng = np.random.default_rng([20, seed, int(training)])
    shape = draw_shape(rng)
    x = rng.standard_normal(shape) * rng.uniform(0.5, 4) + rng.uniform(-3, 3)
    arguments = draw_arguments(rng, shape[1])
    expected, expected_mean, expected_var = torch_batch_norm(x, training, arguments)
    output, new_mean, new_var = batch_norm(x, training=training, **arguments)
    assert_close(output, expected)
    assert_close(new_mean, expected_mean)
    assert_close(new_var, expected_var)


@pytest.mark.parametrize("training", [True, False], ids=["training", "eval"])
@pytest.mark.parametrize("seed", range(8))
def test_batch_norm_never_mutates_its_arguments(seed: int, training: bool) -> None:
    rng = np.random.default_rng([21, seed, int(training)])
    shape = draw_shape(rng)
    x = rng.standard_normal(shape)
    arguments = draw_arguments(rng, shape[1])
    arguments["weight"], arguments["bias"] = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    kept = {k: v.copy() for k, v in arguments.items() if isinstance(v, np.ndarray)}
    x_kept = x.copy()
    output, new_mean, new_var = batch_norm(x, training=training, **arguments)
    np.testing.assert_array_equal(x, x_kept)
    for name, value in kept.items():
        np.testing.assert_array_equal(arguments[name], value)
    # The returned statistics are fresh arrays: writing to them must not reach the caller's.
    new_mean += 1.0
    new_var += 1.0
    output += 1.0
    np.testing.assert_array_equal(arguments["running_mean"], kept["running_mean"])
    np.testing.assert_array_equal(arguments["running_var"], kept["running_var"])
    np.testing.assert_array_equal(x, x_kept)


def test_running_statistics_use_the_unbiased_variance_and_momentum() -> None:
    """momentum 1 replaces the running values by the batch's (variance over n - 1); momentum 0 keeps them."""
    rng = np.random.default_rng(22)
    x = rng.standard_normal((3, 2, 2, 2))
    mean, var = np.zeros(2), np.ones(2)
    _, replaced_mean, replaced_var = batch_norm(x, mean, var, training=True, momentum=1.0)
    per_channel = x.transpose(1, 0, 2, 3).reshape(2, -1)
    assert_close(replaced_mean, per_channel.mean(axis=1), 1e-12)
    assert_close(replaced_var, per_channel.var(axis=1, ddof=1), 1e-12)
    _, kept_mean, kept_var = batch_norm(x, mean, var, training=True, momentum=0.0)
    np.testing.assert_array_equal(kept_mean, mean)
    np.testing.assert_array_equal(kept_var, var)
    _, blended_mean, _ = batch_norm(x, mean, var, training=True, momentum=0.25)
    assert_close(blended_mean, 0.25 * per_channel.mean(axis=1), 1e-12)


def test_training_output_has_zero_mean_and_unit_biased_variance_per_channel() -> None:
    """Curriculum section 6: with gamma 1 and beta 0 each channel comes out centred and scaled,
    up to eps, by its BIASED variance (numpy's default ddof=0)."""
    rng = np.random.default_rng(23)
    x = rng.standard_normal((4, 3, 5, 5)) * np.array([1.0, 10.0, 0.1])[:, None, None] + 7.0
    output, _, _ = batch_norm(x, np.zeros(3), np.ones(3), training=True, eps=1e-12)
    per_channel = output.transpose(1, 0, 2, 3).reshape(3, -1)
    assert_close(per_channel.mean(axis=1), np.zeros(3), 1e-10)
    assert_close(per_channel.var(axis=1), np.ones(3), 1e-8)


def test_eval_uses_the_running_statistics() -> None:
    x = np.arange(8.0).reshape(1, 2, 2, 2)
    output, mean, var = batch_norm(x, np.array([1.0, 2.0]), np.array([4.0, 0.25]), eps=1e-12)
    expected = (x - np.array([1.0, 2.0])[:, None, None]) / np.array([2.0, 0.5])[:, None, None]
    assert_close(output, expected, 1e-10)
    np.testing.assert_array_equal(mean, [1.0, 2.0])
    np.testing.assert_array_equal(var, [4.0, 0.25])


@pytest.mark.parametrize("seed", range(30))
def test_batch_norm_backward_matches_autograd(seed: int) -> None:
    rng = np.random.default_rng([24, seed])
    shape = draw_shape(rng)
    channels = shape[1]
    x = rng.standard_normal(shape) * 2 + 1
    weight = rng.standard_normal(channels) if seed % 3 else None
    eps = float(10 ** rng.uniform(-6, -1))
    x_torch = torch.from_numpy(x).requires_grad_(True)
    # With weight None the gradient is still reported for an implicit gamma of ones.
    gamma = torch.tensor(np.ones(channels) if weight is None else weight, requires_grad=True)
    beta = torch.zeros(channels, dtype=torch.float64, requires_grad=True)
    output = F.batch_norm(x_torch, None, None, gamma, beta, training=True, eps=eps)
    grad_output = rng.standard_normal(shape)
    output.backward(torch.from_numpy(grad_output))
    grad_input, grad_weight, grad_bias = batch_norm_backward(grad_output, x, weight, eps=eps)
    assert_close(grad_input, x_torch.grad)
    assert_close(grad_weight, gamma.grad)
    assert_close(grad_bias, beta.grad)


@pytest.mark.parametrize("seed", range(6))
def test_batch_norm_backward_finite_differences(seed: int) -> None:
    rng = np.random.default_rng([25, seed])
    shape = draw_shape(rng)
    channels = shape[1]
    x, weight, bias = rng.standard_normal(shape), rng.standard_normal(channels), rng.standard_normal(channels)
    grad_output = rng.standard_normal(shape)
    stats = (np.zeros(channels), np.ones(channels))

    def loss(x: Array, weight: Array, bias: Array) -> float:
        return float((batch_norm(x, *stats, weight, bias, training=True, eps=1e-3)[0] * grad_output).sum())

    grad_input, grad_weight, grad_bias = batch_norm_backward(grad_output, x, weight, eps=1e-3)
    assert_close(grad_input, numerical_gradient(lambda v: loss(v, weight, bias), x), 1e-6)
    assert_close(grad_weight, numerical_gradient(lambda v: loss(x, v, bias), weight), 1e-6)
    assert_close(grad_bias, numerical_gradient(lambda v: loss(x, weight, v), bias), 1e-6)


def test_training_needs_more_than_one_value_per_channel() -> None:
    x = np.ones((1, 3, 1, 1))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        batch_norm(x, np.zeros(3), np.ones(3), training=True)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        F.batch_norm(
            torch.from_numpy(x),
            torch.zeros(3, dtype=torch.float64),
            torch.ones(3, dtype=torch.float64),
            training=True,
        )
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        batch_norm_backward(x, x, None)
    output, _, _ = batch_norm(x, np.zeros(3), np.ones(3))  # evaluation needs no batch statistics
    assert output.shape == x.shape


def test_dtype_follows_the_input() -> None:
    rng = np.random.default_rng(26)
    x32 = rng.standard_normal((2, 3, 2, 2)).astype(np.float32)
    output, mean, var = batch_norm(x32, np.zeros(3), np.ones(3), training=True)
    assert output.dtype == np.float32
    assert mean.dtype == var.dtype == np.float64  # the running statistics keep their own dtype
    assert batch_norm_backward(x32, x32, None)[0].dtype == np.float32
    integers = rng.integers(0, 5, (2, 3, 2, 2))
    assert batch_norm(integers, np.zeros(3), np.ones(3), training=True)[0].dtype == np.float64


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"input": np.ones((2, 3, 4))}, r"input must have shape \(N, C, H, W\), got shape \(2, 3, 4\)"),
        ({"input": np.ones((2, 0, 2, 2))}, "empty dimension"),
        ({"input": np.full((2, 3, 2, 2), np.nan)}, "NaN or infinity"),
        ({"running_mean": np.zeros(2)}, r"running_mean must have shape \(3,\), one value per channel"),
        ({"running_var": -np.ones(3)}, "running_var .* must not be negative"),
        ({"weight": np.ones((3, 1))}, r"weight must have shape \(3,\)"),
        ({"bias": np.ones(4)}, r"bias must have shape \(3,\)"),
        ({"momentum": 1.5}, "momentum 1.5 must be between 0 and 1"),
        ({"momentum": None}, "momentum must be a number"),
        ({"eps": 0.0}, "eps 0.0 must be a positive finite number"),
        ({"training": 1}, "training must be True or False"),
    ],
)
def test_invalid_arguments_are_named(change: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "input": np.ones((2, 3, 2, 2)),
        "running_mean": np.zeros(3),
        "running_var": np.ones(3),
        "training": True,
    }
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        batch_norm(**arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((np.ones((2, 3, 2, 1)), np.ones((2, 3, 2, 2)), None), "grad_output must have the input's shape"),
        ((np.ones((3, 2, 2)), np.ones((3, 2, 2)), None), r"input must have shape \(N, C, H, W\)"),
        ((np.ones((2, 3, 2, 2)), np.ones((2, 3, 2, 2)), np.ones(2)), r"weight must have shape \(3,\)"),
    ],
)
def test_invalid_backward_arguments_are_named(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        batch_norm_backward(*arguments)
