"""The fully connected layer, forward and backward, as ``torch.nn.functional.linear``.

``output = input @ weight.T + bias``: each of the ``out`` outputs is a weighted sum of all the
``in`` input features. ``input`` is (*, in): a single sample (in,), a batch (N, in), or any
leading axes, which are carried through unchanged.
"""

from __future__ import annotations

from typing import Any

from engine._checks import Array, as_float_array, check_rank, check_shape, check_vector
from engine.errors import EngineError

Gradients = tuple[Array, Array, Array]


def _check_operands(input: Any, weight: Any) -> tuple[Array, Array]:
    """``input`` (*, in) and ``weight`` (out, in), with the feature counts agreeing."""
    x = as_float_array(input, "input")
    w = as_float_array(weight, "weight")
    check_rank(x, range(1, 33), "input", "(*, in_features)")
    check_rank(w, (2,), "weight", "(out_features, in_features)")
    if x.shape[-1] != w.shape[1]:
        raise EngineError(
            "in_features_mismatch",
            f"input has {x.shape[-1]} features (last axis of shape {x.shape}) but weight of shape "
            f"{w.shape} expects {w.shape[1]}",
            field="weight",
            input_features=x.shape[-1],
            weight_features=w.shape[1],
        )
    return x, w


def linear(input: Any, weight: Any, bias: Any = None) -> Array:
    """``input @ weight.T + bias``.

    Shapes: input (*, in), weight (out, in), bias (out,) or None -> output (*, out).
    """
    x, w = _check_operands(input, weight)
    output = x @ w.T
    if bias is None:
        return output
    b = as_float_array(bias, "bias")
    check_vector(b.shape, w.shape[0], "bias", "output feature")
    return output + b


def linear_backward(grad_output: Any, input: Any, weight: Any) -> Gradients:
    """Gradients of :func:`linear`: (grad_input like input, grad_weight like weight, grad_bias (out,)).

    ``grad_output`` has the output's shape (*, out). The bias gradient does not depend on whether
    the forward pass had a bias: it is grad_output summed over every leading axis.
    """
    x, w = _check_operands(input, weight)
    grad = as_float_array(grad_output, "grad_output")
    check_shape(grad, (*x.shape[:-1], w.shape[0]), "grad_output", "the shape of linear's output")
    # Every leading axis is a separate sample: fold them into one batch axis, so the weight
    # gradient is one (out, rows) @ (rows, in) product whatever the input's rank.
    rows = grad.reshape(-1, w.shape[0])
    grad_weight = rows.T @ x.reshape(-1, w.shape[1])
    return grad @ w, grad_weight, rows.sum(axis=0)
