"""Flattening axes into one, as ``torch.flatten``, and its backward pass (a reshape back).

A convolutional stack ends in maps (N, C, H, W) and the classifier takes vectors (N, C*H*W):
flatten joins the axes from ``start_dim`` to ``end_dim`` (both included) in C order, which is the
order ``torch.flatten`` uses, so a weight matrix trained by either reads the features alike.
"""

from __future__ import annotations

import math
from typing import Any

from engine._checks import Array, as_float_array, dimension, int_shape
from engine.errors import EngineError


def flattened_shape(shape: tuple[int, ...], start_dim: int = 1, end_dim: int = -1) -> tuple[int, ...]:
    """The shape :func:`flatten` gives an array of ``shape``; shape-only, so it is the validator.

    A 0-d shape becomes (1,), as in torch.
    """
    first = dimension(start_dim, len(shape), "start_dim")
    last = dimension(end_dim, len(shape), "end_dim")
    if first > last:
        raise EngineError(
            "start_after_end",
            f"start_dim {start_dim} comes after end_dim {end_dim} for an array with {len(shape)} "
            "dimensions: flatten joins the axes from start_dim to end_dim, so start_dim must not "
            "come after end_dim",
            field="start_dim",
            start_dim=start_dim,
            end_dim=end_dim,
        )
    if not shape:
        return (1,)
    return (*shape[:first], math.prod(shape[first : last + 1]), *shape[last + 1 :])


def flatten(input: Any, start_dim: int = 1, end_dim: int = -1) -> Array:
    """``input`` with axes ``start_dim``..``end_dim`` joined; a fresh array, never a view.

    The default ``start_dim=1`` keeps the batch axis, as ``torch.nn.Flatten`` does (a call of
    ``torch.flatten`` itself defaults to 0). Shapes: (N, C, H, W) -> (N, C*H*W) by default.
    """
    x = as_float_array(input, "input")
    return x.reshape(flattened_shape(x.shape, start_dim, end_dim)).copy()


def flatten_backward(grad_output: Any, input_shape: tuple[int, ...]) -> Array:
    """The gradient of :func:`flatten`: ``grad_output`` reshaped back to ``input_shape``.

    Flattening only moves values, so each input cell receives the gradient of the one output
    cell it became.
    """
    grad = as_float_array(grad_output, "grad_output")
    shape = int_shape(input_shape, "input_shape", "input_shape")
    if grad.size != math.prod(shape):
        raise EngineError(
            "size_mismatch",
            f"grad_output of shape {grad.shape} has {grad.size} values, but input_shape {shape} "
            f"holds {math.prod(shape)}",
            field="grad_output",
            shape=grad.shape,
            input_shape=shape,
        )
    return grad.reshape(shape).copy()
