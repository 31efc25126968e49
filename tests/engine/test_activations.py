"""Activations and their derivatives against torch and autograd, finite differences, and the name table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from engine.activations import (
    ACTIVATIONS,
    activation,
    activation_derivative,
    apply_activation,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
)

TORCH: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "none": lambda t: t * 1.0,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}


def sample(seed: int) -> np.ndarray[Any, Any]:
    """Values of every size, exact zeros (where ReLU's derivative is decided) and huge magnitudes
    (where a naive sigmoid overflows)."""
    rng = np.random.default_rng([30, seed])
    shape = tuple(int(v) for v in rng.integers(1, 5, int(rng.integers(1, 5))))
    x = rng.standard_normal(shape) * 10 ** rng.uniform(-2, 3)
    x.flat[rng.integers(0, x.size)] = 0.0
    x.flat[rng.integers(0, x.size)] = float(rng.choice([-1000.0, 1000.0, -750.0, 40.0]))
    return x


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_and_derivative_match_torch(name: str, seed: int) -> None:
    x = sample(seed)
    x_torch = torch.from_numpy(x).requires_grad_(True)
    expected = TORCH[name](x_torch)
    expected.backward(torch.ones_like(expected))
    assert x_torch.grad is not None
    output = apply_activation(name, x)
    derivative = activation_derivative(name, x)
    assert output.shape == derivative.shape == x.shape
    np.testing.assert_allclose(output, expected.detach().numpy(), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(derivative, x_torch.grad.numpy(), rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivatives_match_finite_differences(name: str, seed: int) -> None:
    """Central differences, element-wise; ReLU is sampled away from its kink at 0."""
    rng = np.random.default_rng([31, seed])
    x = rng.uniform(-6, 6, (3, 4))
    x = np.where(np.abs(x) < 1e-3, 0.5, x)
    step = 1e-6
    function, derivative = activation(name)
    numeric = (function(x + step) - function(x - step)) / (2 * step)
    np.testing.assert_allclose(derivative(x), numeric, rtol=1e-6, atol=1e-8)


def test_relu_derivative_is_zero_at_zero_like_pytorch() -> None:
    x = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch.relu(x).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(relu_derivative(np.zeros(3)), x.grad.numpy())
    np.testing.assert_array_equal(relu_derivative(np.array([-1e-300, 0.0, 1e-300])), [0.0, 0.0, 1.0])


def test_sigmoid_saturates_without_overflow() -> None:
    """filterwarnings=error turns an overflow in exp into a failure, so this also proves none occurs."""
    x = np.array([-1e308, -1000.0, -40.0, 0.0, 40.0, 1000.0, 1e308])
    result = sigmoid(x)
    assert result[0] == 0.0
    assert result[-1] == 1.0
    assert result[3] == 0.5
    assert np.all(np.diff(result) >= 0)
    np.testing.assert_array_equal(sigmoid_derivative(x)[[0, -1]], [0.0, 0.0])
    x32 = np.array([-3e38, -1000.0, -200.0, 0.0, 200.0, 1000.0, 3e38], dtype=np.float32)
    np.testing.assert_array_equal(sigmoid(x32), [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0])


def test_tanh_and_its_derivative_at_known_points() -> None:
    """tanh(0) = 0 with slope 1; tanh is odd; far out it is +-1 with slope 0."""
    x = np.array([-800.0, -1.5, 0.0, 1.5, 800.0])
    np.testing.assert_array_equal(tanh(x)[[0, 2, 4]], [-1.0, 0.0, 1.0])
    assert tanh(x)[1] == -tanh(x)[3]
    np.testing.assert_array_equal(tanh_derivative(x)[[0, 2, 4]], [0.0, 1.0, 0.0])


def test_dtype_follows_the_input() -> None:
    x32 = np.linspace(-3, 3, 7, dtype=np.float32)
    for function, derivative in ACTIVATIONS.values():
        assert function(x32).dtype == np.float32
        assert derivative(x32).dtype == np.float32
        assert function(np.arange(-3, 4)).dtype == np.float64
    np.testing.assert_array_equal(relu(np.arange(-2, 3)), [0.0, 0.0, 0.0, 1.0, 2.0])


def test_functions_never_mutate_their_input() -> None:
    x = np.linspace(-3, 3, 13)
    kept = x.copy()
    for name in ACTIVATIONS:
        out = apply_activation(name, x)
        out += 1.0  # the result is a fresh array, even for "none"
        activation_derivative(name, x)
    np.testing.assert_array_equal(x, kept)


def test_name_table() -> None:
    assert list(ACTIVATIONS) == ["none", "relu", "sigmoid", "tanh"]
    assert activation("relu") == (relu, relu_derivative)
    assert activation("tanh").derivative is tanh_derivative
    np.testing.assert_array_equal(apply_activation("none", [1, -2]), [1.0, -2.0])


@pytest.mark.parametrize("name", ["gelu", "ReLU", "", None, ["relu"]])
def test_unknown_names_list_the_known_ones(name: Any) -> None:
    with pytest.raises(ValueError, match="is not one of none, relu, sigmoid, tanh"):
        activation(name)
    with pytest.raises(ValueError, match="is not one of"):
        apply_activation(name, np.zeros(2))


def test_non_finite_input_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN or infinity"):
        relu(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="NaN or infinity"):
        sigmoid(np.array([np.inf]))
