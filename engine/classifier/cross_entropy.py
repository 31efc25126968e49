"""Cross-entropy of logits against class indices, and its gradient, as ``F.cross_entropy``.

For one sample with logits z (C,) and true class t: ``loss = -log_softmax(z)[t]
= log(sum(exp(z))) - z[t]``, how surprised the model is by the right answer. Its gradient with
respect to the logits is ``softmax(z) - one_hot(t)``: push the right class up by how far its
probability is from 1, every other class down by its probability.

Only what the classifier head needs: logits (N, C), integer targets (N,), no class weights,
label smoothing or ``ignore_index`` (so torch's ignored target -100 is refused here as out of
range).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine._checks import (
    Array,
    IntArray,
    as_float_array,
    check_dtype,
    check_rank,
    check_shape,
    empty_dimension,
    numeric_array,
    one_of,
)
from engine.classifier.softmax import log_softmax, softmax
from engine.errors import EngineError

REDUCTIONS = ("mean", "sum", "none")


def _check_batch(logits: Any, targets: Any) -> tuple[Array, IntArray]:
    """Logits (N, C) with N, C >= 1 and integer targets (N,), each in [0, C)."""
    z = as_float_array(logits, "logits")
    t: IntArray = numeric_array(targets, "targets")
    check_dtype(t, np.integer, "targets", "not_integer", "class indices must be integers")
    check_rank(z, (2,), "logits", "(N, C)")
    check_rank(t, (1,), "targets", "(N,)")
    if min(z.shape) == 0:
        raise empty_dimension("logits", z.shape)
    check_shape(t, (z.shape[0],), "targets", "one class index per row of logits")
    outside = (t < 0) | (t >= z.shape[1])
    if outside.any():
        index = int(np.argmax(outside))
        raise EngineError(
            "target_out_of_range",
            f"targets[{index}] is {int(t[index])}, but logits has {z.shape[1]} classes: "
            f"every target must be in [0, {z.shape[1] - 1}]",
            field="targets",
            index=index,
            value=int(t[index]),
            classes=z.shape[1],
        )
    return z, t


def cross_entropy(logits: Any, targets: Any, reduction: str = "mean") -> Array:
    """The loss: shape () for "mean" (averaged over N) and "sum", shape (N,) for "none"."""
    one_of(reduction, REDUCTIONS, "reduction", "unknown_reduction")
    z, t = _check_batch(logits, targets)
    losses = -log_softmax(z, axis=1)[np.arange(len(t)), t]
    if reduction == "none":
        return losses
    return np.asarray(losses.mean() if reduction == "mean" else losses.sum())


def cross_entropy_backward(
    logits: Any, targets: Any, reduction: str = "mean", grad_output: Any = None
) -> Array:
    """The gradient of :func:`cross_entropy` with respect to the logits, shape (N, C).

    ``softmax(logits) - one_hot(targets)``, divided by N for "mean" (each sample weighs 1/N in
    the average). ``grad_output`` is the upstream gradient of the loss: a scalar for "mean" and
    "sum", an (N,) array for "none" (one per sample's loss); by default 1, that is, the gradient
    of the loss itself (for "none", of the sum of the per-sample losses).
    """
    one_of(reduction, REDUCTIONS, "reduction", "unknown_reduction")
    z, t = _check_batch(logits, targets)
    scale = _upstream(grad_output, reduction, len(t))
    grad = softmax(z, axis=1)
    grad[np.arange(len(t)), t] -= 1
    return grad * scale


def _upstream(grad_output: Any, reduction: str, samples: int) -> Array:
    """The upstream gradient as an (N, 1) column, with the 1/N of "mean" folded in."""
    expected = (samples,) if reduction == "none" else ()
    grad = np.ones(expected) if grad_output is None else as_float_array(grad_output, "grad_output")
    check_shape(grad, expected, "grad_output", f"the shape of the loss with reduction {reduction!r}")
    per_sample = np.broadcast_to(grad, (samples,)) / (samples if reduction == "mean" else 1)
    return per_sample[:, None]
