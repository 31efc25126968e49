"""Batch-norm frames, channel by channel: a per-channel frame, then one frame per element.

Forward: "statistics" (batch mean and variance in training, with the running-average update;
the running statistics in evaluation), then "normalise" frames in (n, y, x) order. Backward
(training mode): "sums" (sum of gradients, sum of gradient x x_hat), then "grad_input" frames.
Arrays: x and g (N, C, H, W), the vectors (C,) or None; frames in float64. Each generator returns
what the plain function returns, assembled from the values its frames carry.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import count, product
from typing import Any

import numpy as np

from engine._checks import Array
from engine.frames.cells import Frame, Frames
from engine.norm.plan import NormPlan, Triple

_UNTRAINED = dict.fromkeys(
    ("values", "count", "sum", "deviations", "squared_deviations", "sum_squared_deviations")
)


def _elements(
    plan: NormPlan, index: Iterator[int], op: str, stage: str, channel: int, columns: dict[str, Any]
) -> Iterator[Frame]:
    """One frame per element of a channel in (n, y, x) order, with each of ``columns`` taken at the
    element where it is an (N, H, W) nested list and as it is otherwise."""
    for n, y, x in product(range(plan.batch), range(plan.height), range(plan.width)):
        frame: Frame = {
            "index": next(index),
            "op": op,
            "stage": stage,
            "n": n,
            "channel": channel,
            "y": y,
            "x": x,
        }
        for key, value in columns.items():
            frame[key] = value[n][y][x] if isinstance(value, list) else value
        yield frame


def _statistics(plan: NormPlan, values: Array, old_mean: float, old_var: float) -> Frame:
    """The statistics a channel is normalised with (the batch's in training, the running ones in
    evaluation), with the working of the batch variance, the running-average update and the std."""
    m, rate = plan.count, plan.momentum
    stats: Frame = {"running_mean_before": old_mean, "running_var_before": old_var}
    if not plan.training:
        stats |= {"training": False, **_UNTRAINED, "mean": old_mean, "variance": old_var}
        stats |= {"unbiased_variance": None, "momentum": None}
        stats |= {"running_mean_after": old_mean, "running_var_after": old_var}
        return stats | {"std": math.sqrt(old_var + plan.eps)}
    total = float(values.sum())
    mean = total / m
    squares = (values - mean) ** 2
    sum_squares = float(squares.sum())
    var = sum_squares / m
    unbiased = var * m / (m - 1)
    stats |= {"training": True, "values": values.tolist(), "count": m, "sum": total}
    # Each value's deviation and its square, so a page can show the variance being formed.
    stats |= {"deviations": (values - mean).tolist(), "squared_deviations": squares.tolist()}
    stats |= {"sum_squared_deviations": sum_squares, "mean": mean, "variance": var}
    stats |= {"unbiased_variance": unbiased, "momentum": rate}
    stats |= {
        "running_mean_after": (1 - rate) * old_mean + rate * mean,
        "running_var_after": (1 - rate) * old_var + rate * unbiased,
    }
    return stats | {"std": math.sqrt(var + plan.eps)}


def batch_norm_plan_frames(
    plan: NormPlan, input: Any, running_mean: Any, running_var: Any, weight: Any = None, bias: Any = None
) -> Frames[Triple]:
    """Frames of y = gamma * (x - mean) / sqrt(var + eps) + beta, channel by channel.

    Returns (output (N, C, H, W), new running_mean (C,), new running_var (C,)), as batch_norm does.
    """
    x = np.asarray(input, dtype=np.float64)
    output = np.empty(plan.output_shape)
    new_mean, new_var = np.empty(plan.channels), np.empty(plan.channels)
    index = count()
    for c in range(plan.channels):
        values = x[:, c]  # (N, H, W)
        stats = _statistics(plan, values, float(running_mean[c]), float(running_var[c]))
        new_mean[c], new_var[c] = stats["running_mean_after"], stats["running_var_after"]
        yield _statistics_frame(plan, index, c, stats)
        g = None if weight is None else float(weight[c])
        b = None if bias is None else float(bias[c])
        x_hat = (values - stats["mean"]) / stats["std"]
        output[:, c] = x_hat * (1.0 if g is None else g) + (0.0 if b is None else b)
        columns: dict[str, Any] = {
            "value": values.tolist(),
            "mean": stats["mean"],
            "variance": stats["variance"],
        }
        columns |= {"eps": plan.eps, "std": stats["std"], "x_hat": x_hat.tolist(), "gamma": g, "beta": b}
        columns["output"] = output[:, c].tolist()
        yield from _elements(plan, index, "batch_norm", "normalise", c, columns)
    return output, new_mean, new_var


def _statistics_frame(plan: NormPlan, index: Iterator[int], c: int, stats: Frame) -> Frame:
    """Channel c's "statistics" frame, from :func:`_statistics`."""
    return {
        "index": next(index),
        "op": "batch_norm",
        "stage": "statistics",
        "channel": c,
        "training": stats["training"],
        **{key: stats[key] for key in _UNTRAINED},
        "mean": stats["mean"],
        "variance": stats["variance"],
        "unbiased_variance": stats["unbiased_variance"],
        "momentum": stats["momentum"],
        "running_mean_before": stats["running_mean_before"],
        "running_mean_after": stats["running_mean_after"],
        "running_var_before": stats["running_var_before"],
        "running_var_after": stats["running_var_after"],
        "eps": plan.eps,
        "std": stats["std"],
    }


def batch_norm_backward_plan_frames(
    plan: NormPlan, grad_output: Any, input: Any, weight: Any = None
) -> Frames[Triple]:
    """Frames of batch norm's backward pass in training mode (batch statistics).

    Per channel, with m = N*H*W: grad_bias = sum(g), grad_weight = sum(g * x_hat), and
    grad_input = gamma / (m * std) * (m * g - sum(g) - x_hat * sum(g * x_hat)). Returns
    (grad_input (N, C, H, W), grad_weight (C,), grad_bias (C,)), as batch_norm_backward does.
    """
    g, x = np.asarray(grad_output, dtype=np.float64), np.asarray(input, dtype=np.float64)
    grad_input = np.empty(plan.output_shape)
    grad_weight, grad_bias = np.empty(plan.channels), np.empty(plan.channels)
    index = count()
    m = plan.count
    for c in range(plan.channels):
        values, grads = x[:, c], g[:, c]
        mean = float(values.sum()) / m
        var = float(((values - mean) ** 2).sum()) / m
        std = math.sqrt(var + plan.eps)
        x_hat = (values - mean) / std
        products = grads * x_hat
        sum_grad, sum_grad_x_hat = float(grads.sum()), float(products.sum())
        grad_bias[c], grad_weight[c] = sum_grad, sum_grad_x_hat
        gam = None if weight is None else float(weight[c])
        yield {
            "index": next(index),
            "op": "batch_norm_backward",
            "stage": "sums",
            "channel": c,
            "count": m,
            "mean": mean,
            "variance": var,
            "eps": plan.eps,
            "std": std,
            "gamma": gam,
            "grads": grads.tolist(),
            "x_hat": x_hat.tolist(),
            "grad_x_hat": products.tolist(),
            "sum_grad": sum_grad,
            "sum_grad_x_hat": sum_grad_x_hat,
            "grad_bias": sum_grad,
            "grad_weight": sum_grad_x_hat,
        }
        scale = (1.0 if gam is None else gam) / (m * std)
        grad_input[:, c] = scale * (m * grads - sum_grad - x_hat * sum_grad_x_hat)
        columns: dict[str, Any] = {"grad": grads.tolist(), "x_hat": x_hat.tolist(), "gamma": gam, "std": std}
        columns |= {"count": m, "sum_grad": sum_grad, "sum_grad_x_hat": sum_grad_x_hat}
        columns["grad_input"] = grad_input[:, c].tolist()
        yield from _elements(plan, index, "batch_norm_backward", "grad_input", c, columns)
    return grad_input, grad_weight, grad_bias
