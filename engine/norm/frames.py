"""Batch-norm frames, channel by channel: a per-channel frame, then one frame per element.

Forward: "statistics" (batch mean and variance in training, with the running-average update;
the running statistics in evaluation), then "normalise" frames in (n, y, x) order. Backward
(training mode): "sums" (sum of gradients, sum of gradient x x_hat), then "grad_input" frames.
Arrays are float64: x and g (N, C, H, W), the vectors (C,) or None.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import count, product
from typing import Any

from engine._checks import Array
from engine.frames.cells import Frame
from engine.norm.plan import NormPlan

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
    evaluation), with the working of the batch variance and the running-average update."""
    m, rate = plan.count, plan.momentum
    if not plan.training:
        stats: Frame = {"training": False, **_UNTRAINED, "mean": old_mean, "variance": old_var}
        stats |= {"unbiased_variance": None, "momentum": None}
        return stats | {"running_mean_after": old_mean, "running_var_after": old_var}
    total = float(values.sum())
    mean = total / m
    squares = (values - mean) ** 2
    sum_squares = float(squares.sum())
    var = sum_squares / m
    unbiased = var * m / (m - 1)
    stats = {"training": True, "values": values.tolist(), "count": m, "sum": total}
    # Each value's deviation and its square, so a page can show the variance being formed.
    stats |= {"deviations": (values - mean).tolist(), "squared_deviations": squares.tolist()}
    stats |= {"sum_squared_deviations": sum_squares, "mean": mean, "variance": var}
    stats |= {"unbiased_variance": unbiased, "momentum": rate}
    return stats | {
        "running_mean_after": (1 - rate) * old_mean + rate * mean,
        "running_var_after": (1 - rate) * old_var + rate * unbiased,
    }


def forward_frames(
    plan: NormPlan, x: Array, running_mean: Array, running_var: Array, gamma: Array | None, beta: Array | None
) -> Iterator[Frame]:
    """Frames of y = gamma * (x - mean) / sqrt(var + eps) + beta, channel by channel."""
    index = count()
    for c in range(plan.channels):
        values = x[:, c]  # (N, H, W)
        old_mean, old_var = float(running_mean[c]), float(running_var[c])
        stats = _statistics(plan, values, old_mean, old_var)
        std = math.sqrt(stats["variance"] + plan.eps)
        yield {
            "index": next(index),
            "op": "batch_norm",
            "stage": "statistics",
            "channel": c,
            "training": stats.pop("training"),
            **{key: stats[key] for key in _UNTRAINED},
            "mean": stats["mean"],
            "variance": stats["variance"],
            "unbiased_variance": stats["unbiased_variance"],
            "momentum": stats["momentum"],
            "running_mean_before": old_mean,
            "running_mean_after": stats["running_mean_after"],
            "running_var_before": old_var,
            "running_var_after": stats["running_var_after"],
            "eps": plan.eps,
            "std": std,
        }
        g = None if gamma is None else float(gamma[c])
        b = None if beta is None else float(beta[c])
        x_hat = (values - stats["mean"]) / std
        out = x_hat * (1.0 if g is None else g) + (0.0 if b is None else b)
        columns: dict[str, Any] = {
            "value": values.tolist(),
            "mean": stats["mean"],
            "variance": stats["variance"],
        }
        columns |= {"eps": plan.eps, "std": std, "x_hat": x_hat.tolist(), "gamma": g, "beta": b}
        yield from _elements(plan, index, "batch_norm", "normalise", c, columns | {"output": out.tolist()})


def backward_frames(plan: NormPlan, g: Array, x: Array, gamma: Array | None) -> Iterator[Frame]:
    """Frames of batch norm's backward pass in training mode (batch statistics).

    Per channel, with m = N*H*W: grad_bias = sum(g), grad_weight = sum(g * x_hat), and
    grad_input = gamma / (m * std) * (m * g - sum(g) - x_hat * sum(g * x_hat)).
    """
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
        gam = None if gamma is None else float(gamma[c])
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
        grad_input = scale * (m * grads - sum_grad - x_hat * sum_grad_x_hat)
        columns: dict[str, Any] = {"grad": grads.tolist(), "x_hat": x_hat.tolist(), "gamma": gam, "std": std}
        columns |= {"count": m, "sum_grad": sum_grad, "sum_grad_x_hat": sum_grad_x_hat}
        yield from _elements(
            plan, index, "batch_norm_backward", "grad_input", c, columns | {"grad_input": grad_input.tolist()}
        )
