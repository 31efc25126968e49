"""Softmax and log-softmax along one axis, and their backward passes, as ``torch.nn.functional``.

Both subtract the largest value along the axis before exponentiating. That changes nothing
mathematically (the shift cancels in the ratio) but keeps every exponent at most 0, so logits of
magnitude 1e4 and more give no overflow (e^10000 is infinite in float64) and no 0/0.

The backward functions take the forward INPUT ``x``, as every backward pass of this engine does,
and recompute the probabilities from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine._checks import Array, as_float_array, check_shape, dimension


def _prepare(x: Any, axis: int) -> tuple[Array, int, tuple[int, ...]]:
    """``x`` at least 1-d (a scalar is a 1-element axis, as in torch), ``axis`` wrapped, and the
    shape to give the result back in."""
    arr = as_float_array(x, "x")
    return np.atleast_1d(arr), dimension(axis, arr.ndim, "axis"), arr.shape


def _shifted(arr: Array, axis: int) -> Array:
    """``arr`` minus its maximum along ``axis``: every value at most 0, and one exactly 0."""
    peaks: Array = arr.max(axis=axis, keepdims=True)
    return arr - peaks


def _slice_sums(values: Array, axis: int) -> Array:
    """``values`` summed along ``axis``, the axis kept (as 1) so the sums broadcast back."""
    sums: Array = values.sum(axis=axis, keepdims=True)
    return sums


def softmax(x: Any, axis: int = -1) -> Array:
    """``exp(x) / sum(exp(x))`` along ``axis``; same shape as ``x``, each slice summing to 1."""
    arr, dim, shape = _prepare(x, axis)
    exp = np.exp(_shifted(arr, dim))
    # The largest term is e^0 = 1, so the sum is at least 1: the division is always safe.
    return (exp / _slice_sums(exp, dim)).reshape(shape)


def log_softmax(x: Any, axis: int = -1) -> Array:
    """``x - log(sum(exp(x)))`` along ``axis``; same shape as ``x``.

    Computed as ``shifted - log(sum(exp(shifted)))`` rather than ``log(softmax(x))``: a
    probability that underflows to 0 would give -inf, while this stays finite and exact.
    """
    arr, dim, shape = _prepare(x, axis)
    shifted = _shifted(arr, dim)
    return (shifted - np.log(_slice_sums(np.exp(shifted), dim))).reshape(shape)


def _grad_like(grad_output: Any, arr: Array) -> Array:
    grad = np.atleast_1d(as_float_array(grad_output, "grad_output"))
    check_shape(grad, arr.shape, "grad_output", "the shape of x")
    return grad


def softmax_backward(grad_output: Any, x: Any, axis: int = -1) -> Array:
    """The gradient of :func:`softmax` at ``x``: ``s * (g - sum(g * s))`` along ``axis``.

    Each probability depends on every logit of its slice (ds_i/dx_j = s_i (δ_ij - s_j)), hence
    the sum over the slice. Shapes: grad_output and x alike -> grad_input like x.
    """
    arr, dim, shape = _prepare(x, axis)
    grad = _grad_like(grad_output, arr)
    probs = softmax(arr, dim)
    return (probs * (grad - _slice_sums(grad * probs, dim))).reshape(shape)


def log_softmax_backward(grad_output: Any, x: Any, axis: int = -1) -> Array:
    """The gradient of :func:`log_softmax` at ``x``: ``g - softmax(x) * sum(g)`` along ``axis``."""
    arr, dim, shape = _prepare(x, axis)
    grad = _grad_like(grad_output, arr)
    return (grad - softmax(arr, dim) * _slice_sums(grad, dim)).reshape(shape)
