"""Batch normalisation as ``torch.nn.functional.batch_norm`` computes it, forward and backward.

:func:`batch_norm` is pure: it never writes to its arguments and returns the new running
statistics instead of updating buffers in place. Each function takes the arrays, builds the plan
from their shapes (:mod:`engine.norm.plan`, where every rule is checked) and runs the vectorised
implementation (:mod:`engine.norm.fast`) or the frame generators (:mod:`engine.norm.frames`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from engine._checks import Array, as_float_array
from engine.errors import EngineError
from engine.frames.cells import Frames
from engine.norm import fast, frames
from engine.norm.plan import (
    NormPlan,
    Triple,
    check_running_var,
    norm_backward_plan,
    norm_input_shape,
    norm_plan,
)

Vectors = tuple[Array, Array, Array | None, Array | None]


def _array(value: Any, name: str, dtype: DTypeLike | None) -> Array:
    """A checked array, cast to ``dtype`` when given."""
    checked = as_float_array(value, name)
    return checked if dtype is None else checked.astype(dtype)


def _planned(
    input: Any,
    running: tuple[Any, Any],
    affine: tuple[Any, Any],
    settings: tuple[Any, ...],
    dtype: DTypeLike | None,
) -> tuple[NormPlan, Array, Vectors]:
    """(plan, input, (running_mean, running_var, gamma, beta)): every array checked and, when
    ``dtype`` is given, cast to it; the plan built from their shapes."""
    x = _array(input, "input", dtype)
    mean, var = _array(running[0], "running_mean", dtype), _array(running[1], "running_var", dtype)
    gamma, beta = (
        None if value is None else _array(value, name, dtype)
        for value, name in zip(affine, ("weight", "bias"), strict=True)
    )
    affine_shapes = (None if gamma is None else gamma.shape, None if beta is None else beta.shape)
    plan = norm_plan(x.shape, mean.shape, var.shape, *affine_shapes, *settings)
    check_running_var(var)
    return plan, x, (mean, var, gamma, beta)


def batch_norm(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[Array, Array, Array]:
    """Normalise each channel; returns ``(output, new_running_mean, new_running_var)``.

    Shapes: input (N, C, H, W) -> output (N, C, H, W); running statistics, ``weight`` (gamma)
    and ``bias`` (beta) (C,). ``weight`` None means gamma = 1, ``bias`` None means beta = 0.
    The output has the input's dtype; the running statistics keep their own.
    """
    running, affine = (running_mean, running_var), (weight, bias)
    plan, x, vectors = _planned(input, running, affine, (training, momentum, eps), None)
    return fast.forward(plan, x, *vectors)


def batch_norm_frames(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Frames[Triple]:
    """Frames of 2-D batch normalisation, y = gamma * (x - mean) / sqrt(var + eps) + beta.

    Shapes: input (N, C, H, W); running_mean, running_var, weight (gamma), bias (beta): (C,).
    Training normalises with the batch's biased variance and moves the running variance towards
    the unbiased one; evaluation uses the running statistics. The generator returns what
    :func:`batch_norm` returns, assembled from its frames.
    """
    running, affine = (running_mean, running_var), (weight, bias)
    plan, x, vectors = _planned(input, running, affine, (training, momentum, eps), np.float64)
    return frames.batch_norm_plan_frames(plan, x, *vectors)


def _backward_planned(
    grad_output: Any, input: Any, weight: Any, eps: float, dtype: DTypeLike | None
) -> tuple[NormPlan, Array, Array, Array | None]:
    x = as_float_array(input, "input")
    g = as_float_array(grad_output, "grad_output")
    gamma = None if weight is None else as_float_array(weight, "weight")
    plan = norm_backward_plan(x.shape, g.shape, None if gamma is None else gamma.shape, eps)
    if dtype is None:
        return plan, g, x, gamma
    return plan, g.astype(dtype), x.astype(dtype), None if gamma is None else gamma.astype(dtype)


def batch_norm_backward(
    grad_output: Any, input: Any, weight: Any, eps: float = 1e-5
) -> tuple[Array, Array, Array]:
    """Gradients of training-mode :func:`batch_norm`: ``(grad_input, grad_weight, grad_bias)``.

    Shapes: grad_output and input (N, C, H, W) -> grad_input (N, C, H, W); grad_weight and
    grad_bias (C,). ``weight`` None means gamma = 1; grad_weight is then the gradient with
    respect to that implicit gamma.
    """
    return fast.backward(*_backward_planned(grad_output, input, weight, eps, None))


def batch_norm_backward_frames(
    grad_output: Any, input: Any, weight: Any = None, eps: float = 1e-5
) -> Frames[Triple]:
    """Frames of batch norm's backward pass in training mode (batch statistics).

    Shapes: grad_output and input (N, C, H, W), weight (C,) or None. Per channel, with m = N*H*W:
    grad_bias = sum(g), grad_weight = sum(g * x_hat), and
    grad_input = gamma / (m * std) * (m * g - sum(g) - x_hat * sum(g * x_hat)). The generator
    returns what :func:`batch_norm_backward` returns, assembled from its frames.
    """
    return frames.batch_norm_backward_plan_frames(
        *_backward_planned(grad_output, input, weight, eps, np.float64)
    )


def batch_norm_training_steps(
    inputs: Any, running_mean: Any, running_var: Any, momentum: float = 0.1
) -> dict[str, Array]:
    """Several training steps of one layer, each batch's result feeding the next step's running stats.

    Shapes: ``inputs`` a sequence of T batches (N_t, C, H_t, W_t) with the same C; running
    statistics (C,). Step t is exactly :func:`batch_norm` with ``training=True`` on batch t and
    the running statistics step t - 1 returned (t = 0: the ones given). Returns arrays of shape
    (T, C): ``mean``, ``variance`` (biased, the one each batch is normalised with),
    ``unbiased_variance`` (the one the running variance moves towards), ``running_mean`` and
    ``running_var`` (after each step).
    """
    batches = [as_float_array(batch, f"inputs[{t}]") for t, batch in enumerate(inputs)]
    shapes = [norm_input_shape(batch.shape, f"inputs[{t}]") for t, batch in enumerate(batches)]
    if not batches:
        raise EngineError("no_batches", "inputs must hold at least one batch", field="inputs")
    channels = shapes[0][1]
    for t, shape in enumerate(shapes):
        if shape[1] != channels:
            message = (
                f"inputs[{t}] has {shape[1]} channels, inputs[0] has {channels}: "
                "one layer normalises a fixed number of channels"
            )
            raise EngineError(
                "channel_mismatch", message, field=f"inputs[{t}]", channels=shape[1], expected=channels
            )
    mean, var = running_mean, running_var
    rows: dict[str, list[Array]] = {key: [] for key in ("mean", "variance", "unbiased_variance")}
    rows |= {"running_mean": [], "running_var": []}
    for batch, (n, _, h, w) in zip(batches, shapes, strict=True):
        # The running statistics come from batch_norm itself, so a chain of single requests to
        # it gives the very same numbers as this function.
        _, mean, var = batch_norm(batch, mean, var, training=True, momentum=momentum)
        batch_mean, variance = fast.batch_statistics(batch)
        count = n * h * w
        rows["mean"].append(batch_mean)
        rows["variance"].append(variance)
        rows["unbiased_variance"].append(variance * (count / (count - 1)))
        rows["running_mean"].append(mean)
        rows["running_var"].append(var)
    return {key: np.stack(values) for key, values in rows.items()}
