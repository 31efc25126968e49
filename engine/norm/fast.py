"""Batch normalisation of (N, C, H, W) inputs, forward and backward, vectorised, on a checked plan.

Per channel c: ``y = (x - mean_c) / sqrt(var_c + eps) * gamma_c + beta_c``, with the statistics
taken over the N*H*W values of that channel.

- Training normalises with the batch's own mean and BIASED variance (divided by N*H*W), and
  moves the running estimates towards the batch: ``(1 - momentum) * running + momentum * stat``,
  using the UNBIASED variance (divided by N*H*W - 1) for the running variance.
- Evaluation normalises with the running estimates and leaves them as they are.
"""

from __future__ import annotations

import numpy as np

from engine._checks import Array
from engine.norm.plan import NormPlan, Triple

_STAT_AXES = (0, 2, 3)


def per_channel(vector: Array) -> Array:
    """(C,) -> (1, C, 1, 1), to broadcast against (N, C, H, W)."""
    return vector.reshape(1, -1, 1, 1)


def batch_statistics(x: Array) -> tuple[Array, Array]:
    """Per-channel mean and biased variance of (N, C, H, W) over (N, H, W)."""
    mean = x.mean(axis=_STAT_AXES)
    variance = np.square(x - per_channel(mean)).mean(axis=_STAT_AXES)
    return mean, variance


def forward(
    plan: NormPlan, x: Array, running_mean: Array, running_var: Array, gamma: Array | None, beta: Array | None
) -> Triple:
    """(output (N, C, H, W), new running_mean (C,), new running_var (C,)); the arguments stay as they are.

    The output has the input's dtype; the running statistics keep their own.
    """
    if plan.training:
        mean, variance = batch_statistics(x)
        unbiased = variance * (plan.count / (plan.count - 1))
        rate = plan.momentum
        new_mean = ((1 - rate) * running_mean + rate * mean).astype(running_mean.dtype, copy=False)
        new_var = ((1 - rate) * running_var + rate * unbiased).astype(running_var.dtype, copy=False)
    else:
        mean, variance = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    scale = 1.0 / np.sqrt(variance + plan.eps)
    if gamma is not None:
        scale = scale * gamma
    output = (x - per_channel(mean)) * per_channel(scale)
    if beta is not None:
        output = output + per_channel(beta)
    return output.astype(x.dtype, copy=False), new_mean, new_var


def backward(plan: NormPlan, grad: Array, x: Array, gamma: Array | None) -> Triple:
    """Gradients of training-mode batch norm: (grad_input (N, C, H, W), grad_weight (C,), grad_bias (C,)).

    With m = N*H*W values per channel and x_hat the normalised input,
    ``grad_input = gamma / sqrt(var + eps) * (g - mean(g) - x_hat * mean(g * x_hat))``: the mean
    and variance depend on every input, which the two subtracted means account for. gamma None is 1.
    """
    ones = np.ones(plan.channels) if gamma is None else gamma
    mean, variance = batch_statistics(x)
    inverse_std = 1.0 / np.sqrt(variance + plan.eps)
    normalised = (x - per_channel(mean)) * per_channel(inverse_std)
    grad_bias = grad.sum(axis=_STAT_AXES)
    grad_weight = (grad * normalised).sum(axis=_STAT_AXES)
    grad_input = per_channel(ones * inverse_std) * (
        grad - per_channel(grad_bias / plan.count) - normalised * per_channel(grad_weight / plan.count)
    )
    dtype = np.result_type(grad.dtype, x.dtype)
    return (
        grad_input.astype(dtype, copy=False),
        grad_weight.astype(dtype, copy=False),
        grad_bias.astype(dtype, copy=False),
    )
