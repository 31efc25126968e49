"""Batch normalisation of (N, C, H, W) inputs, forward and backward, as ``torch.nn.functional``.

Per channel c: ``y = (x - mean_c) / sqrt(var_c + eps) * gamma_c + beta_c``, with the statistics
taken over the N*H*W values of that channel.

- Training normalises with the batch's own mean and BIASED variance (divided by N*H*W), and
  moves the running estimates towards the batch: ``(1 - momentum) * running + momentum * stat``,
  using the UNBIASED variance (divided by N*H*W - 1) for the running variance.
- Evaluation normalises with the running estimates and leaves them as they are.

:func:`batch_norm` is pure: it never writes to its arguments and returns the new running
statistics instead of updating buffers in place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine._checks import Array, as_float_array, check_flag

_STAT_AXES = (0, 2, 3)


def _check_input(value: Any, name: str) -> Array:
    x = as_float_array(value, name)
    # A 3-D array would be ambiguous: PyTorch reads it as (N, C, L), the rest of this engine as
    # (C, H, W). Only the unambiguous 4-D layout is accepted.
    if x.ndim != 4:
        raise ValueError(f"{name} must have shape (N, C, H, W), got shape {x.shape}")
    if min(x.shape) < 1:
        raise ValueError(f"{name} shape {x.shape} has an empty dimension; every size must be at least 1")
    return x


def _channel_vector(value: Any, channels: int, name: str) -> Array:
    vector = as_float_array(value, name)
    if vector.shape != (channels,):
        raise ValueError(
            f"{name} must have shape ({channels},), one value per channel, got shape {vector.shape}"
        )
    return vector


def _number(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number, got {value!r}")
    return float(value)


def _check_momentum(momentum: float) -> float:
    rate = _number(momentum, "momentum")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"momentum {momentum!r} must be between 0 and 1")
    return rate


def _check_eps(eps: float) -> float:
    # eps keeps the division finite when a channel is constant (variance 0), so it must be > 0.
    epsilon = _number(eps, "eps")
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"eps {eps!r} must be a positive finite number")
    return epsilon


def _per_channel(vector: Array) -> Array:
    """(C,) -> (1, C, 1, 1), to broadcast against (N, C, H, W)."""
    return vector.reshape(1, -1, 1, 1)


def _batch_statistics(x: Array) -> tuple[Array, Array, int]:
    """Per-channel mean and biased variance over (N, H, W), and how many values each has."""
    count = x.shape[0] * x.shape[2] * x.shape[3]
    if count < 2:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input shape {x.shape} "
            f"(N*H*W = {count}): a variance needs at least two values"
        )
    mean = x.mean(axis=_STAT_AXES)
    variance = np.square(x - _per_channel(mean)).mean(axis=_STAT_AXES)
    return mean, variance, count


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
    x = _check_input(input, "input")
    channels = x.shape[1]
    old_mean = _channel_vector(running_mean, channels, "running_mean")
    old_var = _channel_vector(running_var, channels, "running_var")
    if np.any(old_var < 0):
        raise ValueError(f"running_var {old_var.tolist()} must not be negative: it is a variance")
    is_training = check_flag(training, "training")
    rate = _check_momentum(momentum)
    epsilon = _check_eps(eps)
    if is_training:
        mean, variance, count = _batch_statistics(x)
        unbiased = variance * (count / (count - 1))
        new_mean = ((1 - rate) * old_mean + rate * mean).astype(old_mean.dtype, copy=False)
        new_var = ((1 - rate) * old_var + rate * unbiased).astype(old_var.dtype, copy=False)
    else:
        mean, variance = old_mean, old_var
        new_mean, new_var = old_mean.copy(), old_var.copy()
    scale = 1.0 / np.sqrt(variance + epsilon)
    if weight is not None:
        scale = scale * _channel_vector(weight, channels, "weight")
    output = (x - _per_channel(mean)) * _per_channel(scale)
    if bias is not None:
        output = output + _per_channel(_channel_vector(bias, channels, "bias"))
    return output.astype(x.dtype, copy=False), new_mean, new_var


def batch_norm_backward(
    grad_output: Any, input: Any, weight: Any, eps: float = 1e-5
) -> tuple[Array, Array, Array]:
    """Gradients of training-mode :func:`batch_norm`: ``(grad_input, grad_weight, grad_bias)``.

    Shapes: grad_output and input (N, C, H, W) -> grad_input (N, C, H, W); grad_weight and
    grad_bias (C,). ``weight`` None means gamma = 1; grad_weight is then the gradient with
    respect to that implicit gamma. With m = N*H*W values per channel and x_hat the normalised
    input, ``grad_input = gamma / sqrt(var + eps) * (g - mean(g) - x_hat * mean(g * x_hat))``:
    the mean and variance depend on every input, which the two subtracted means account for.
    """
    x = _check_input(input, "input")
    grad = as_float_array(grad_output, "grad_output")
    if grad.shape != x.shape:
        raise ValueError(f"grad_output must have the input's shape {x.shape}, got shape {grad.shape}")
    channels = x.shape[1]
    gamma = np.ones(channels) if weight is None else _channel_vector(weight, channels, "weight")
    epsilon = _check_eps(eps)
    mean, variance, count = _batch_statistics(x)
    inverse_std = 1.0 / np.sqrt(variance + epsilon)
    normalised = (x - _per_channel(mean)) * _per_channel(inverse_std)
    grad_bias = grad.sum(axis=_STAT_AXES)
    grad_weight = (grad * normalised).sum(axis=_STAT_AXES)
    grad_input = _per_channel(gamma * inverse_std) * (
        grad - _per_channel(grad_bias / count) - normalised * _per_channel(grad_weight / count)
    )
    dtype = np.result_type(grad.dtype, x.dtype)
    return (
        grad_input.astype(dtype, copy=False),
        grad_weight.astype(dtype, copy=False),
        grad_bias.astype(dtype, copy=False),
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
    batches = [_check_input(batch, f"inputs[{t}]") for t, batch in enumerate(inputs)]
    if not batches:
        raise ValueError("inputs must hold at least one batch")
    channels = batches[0].shape[1]
    for t, batch in enumerate(batches):
        if batch.shape[1] != channels:
            raise ValueError(
                f"inputs[{t}] has {batch.shape[1]} channels, inputs[0] has {channels}: "
                "one layer normalises a fixed number of channels"
            )
    mean = _channel_vector(running_mean, channels, "running_mean")
    var = _channel_vector(running_var, channels, "running_var")
    rows: dict[str, list[Array]] = {key: [] for key in ("mean", "variance", "unbiased_variance")}
    rows |= {"running_mean": [], "running_var": []}
    for batch in batches:
        # The running statistics come from batch_norm itself, so a chain of single requests to
        # it gives the very same numbers as this function.
        _, mean, var = batch_norm(batch, mean, var, training=True, momentum=momentum)
        batch_mean, variance, count = _batch_statistics(batch)
        rows["mean"].append(batch_mean)
        rows["variance"].append(variance)
        rows["unbiased_variance"].append(variance * (count / (count - 1)))
        rows["running_mean"].append(mean)
        rows["running_var"].append(var)
    return {key: np.stack(values) for key, values in rows.items()}
