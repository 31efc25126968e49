"""Element-wise activations and their derivatives, as ``torch.nn.functional`` computes them.

Every function takes an array of any shape and returns one of the same shape; integer input
becomes float64, float32 stays float32. The derivatives take the PRE-activation input ``x``
(the value the forward pass was given), because that is what a backward pass has at hand and
what the frames show beside each output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from engine._checks import Array, as_float_array
from engine.errors import EngineError

ArrayFunction = Callable[[Any], Array]


def identity(x: Any) -> Array:
    """No activation: the values pass through unchanged (as a fresh array)."""
    return as_float_array(x, "x").copy()


def identity_derivative(x: Any) -> Array:
    """d/dx x = 1 everywhere."""
    return np.ones_like(as_float_array(x, "x"))


def relu(x: Any) -> Array:
    """max(x, 0)."""
    arr = as_float_array(x, "x")
    return np.maximum(arr, arr.dtype.type(0))


def relu_derivative(x: Any) -> Array:
    """1 where x > 0, else 0; at exactly 0 the derivative is taken as 0, as PyTorch's backward does."""
    arr = as_float_array(x, "x")
    return (arr > 0).astype(arr.dtype)


def sigmoid(x: Any) -> Array:
    """1 / (1 + e^-x), computed without overflow for large |x|.

    e^-x overflows for very negative x, so both branches are written with e^-|x|, which lies
    in (0, 1]: sigmoid(x) = 1 / (1 + e^-|x|) for x >= 0 and e^-|x| / (1 + e^-|x|) for x < 0.
    """
    arr = as_float_array(x, "x")
    decay = np.exp(-np.abs(arr))
    one = arr.dtype.type(1)
    return np.where(arr >= 0, one, decay) / (one + decay)


def sigmoid_derivative(x: Any) -> Array:
    """sigmoid(x) * (1 - sigmoid(x))."""
    s = sigmoid(x)
    return s * (s.dtype.type(1) - s)


def tanh(x: Any) -> Array:
    """(e^x - e^-x) / (e^x + e^-x); NumPy's tanh saturates to +-1 without overflow."""
    return np.tanh(as_float_array(x, "x"))


def tanh_derivative(x: Any) -> Array:
    """1 - tanh(x)^2."""
    t = tanh(x)
    return t.dtype.type(1) - t * t


class Activation(NamedTuple):
    """An activation and its derivative with respect to the pre-activation input."""

    function: ArrayFunction
    derivative: ArrayFunction


ACTIVATIONS: dict[str, Activation] = {
    "none": Activation(identity, identity_derivative),
    "relu": Activation(relu, relu_derivative),
    "sigmoid": Activation(sigmoid, sigmoid_derivative),
    "tanh": Activation(tanh, tanh_derivative),
}


def activation(name: str) -> Activation:
    """Look an activation up by name: "none", "relu", "sigmoid" or "tanh"."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        message = f"activation {name!r} is not one of {', '.join(ACTIVATIONS)}"
        raise EngineError("unknown_activation", message, field="activation", value=repr(name)) from None


def apply_activation(name: str, x: Any) -> Array:
    """The named activation applied to ``x``; same shape as ``x``."""
    return activation(name).function(x)


def activation_derivative(name: str, x: Any) -> Array:
    """The named activation's derivative at the pre-activation input ``x``; same shape as ``x``."""
    return activation(name).derivative(x)
