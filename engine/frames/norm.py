"""Batch-norm frames, channel by channel: a per-channel frame, then one frame per element.

Forward: "statistics" (batch mean and variance in training, with the running-average update;
the running statistics in evaluation), then "normalise" frames in (n, y, x) order. Backward
(training mode): "sums" (sum of gradients, sum of gradient x x_hat), then "grad_input" frames.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import count
from typing import Any

import numpy as np

from engine._checks import as_float_array, check_flag
from engine.frames._common import Frame
from engine.frames._geometry import NormPlan, norm_plan
from engine.norm import _channel_vector, _check_eps, _check_input, _check_momentum


def _vector(value: Any, channels: int, name: str) -> Any:
    """A per-channel vector (C,) as float64, checked as batch_norm checks it; None stays None."""
    return None if value is None else _channel_vector(value, channels, name).astype(np.float64)


def batch_norm_frames(
    input: Any,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Iterator[Frame]:
    """Frames of 2-D batch normalisation, y = gamma * (x - mean) / sqrt(var + eps) + beta.

    Shapes: input (N, C, H, W); running_mean, running_var, weight (gamma), bias (beta): (C,).
    Training normalises with the batch's biased variance and moves the running variance towards
    the unbiased one; evaluation uses the running statistics.
    """
    # The same checks, in the same order, as engine.norm.batch_norm, so both refuse alike.
    x = _check_input(input, "input").astype(np.float64)
    channels = x.shape[1]
    mean = _vector(running_mean, channels, "running_mean")
    var = _vector(running_var, channels, "running_var")
    if np.any(var < 0):
        raise ValueError(f"running_var {var.tolist()} must not be negative: it is a variance")
    gamma, beta = _vector(weight, channels, "weight"), _vector(bias, channels, "bias")
    train = check_flag(training, "training")
    mom, epsilon = _check_momentum(momentum), _check_eps(eps)
    plan = norm_plan(x.shape, train)
    return _forward(x, mean, var, gamma, beta, train, mom, epsilon, plan)


def _forward(
    x: Any, rm: Any, rv: Any, gamma: Any, beta: Any, training: bool, mom: float, eps: float, plan: NormPlan
) -> Iterator[Frame]:
    index = count()
    m = plan.count
    for c in range(plan.channels):
        values = x[:, c]  # (N, H, W)
        frame: Frame = {"index": next(index), "op": "batch_norm", "stage": "statistics", "channel": c}
        frame["training"] = training
        old_mean, old_var = float(rm[c]), float(rv[c])
        if training:
            total = float(values.sum())
            mean = total / m
            squares = (values - mean) ** 2
            sum_squares = float(squares.sum())
            var = sum_squares / m
            unbiased = var * m / (m - 1)
            frame |= {"values": values.tolist(), "count": m, "sum": total}
            # Each value's deviation and its square, so a page can show the variance being formed.
            frame |= {
                "deviations": (values - mean).tolist(),
                "squared_deviations": squares.tolist(),
                "sum_squared_deviations": sum_squares,
            }
            new_mean, new_var = (1 - mom) * old_mean + mom * mean, (1 - mom) * old_var + mom * unbiased
        else:
            mean, var, unbiased = old_mean, old_var, None
            frame |= {"values": None, "count": None, "sum": None}
            frame |= {"deviations": None, "squared_deviations": None, "sum_squared_deviations": None}
            new_mean, new_var = old_mean, old_var
        std = math.sqrt(var + eps)
        frame |= {
            "mean": mean,
            "variance": var,
            "unbiased_variance": unbiased,
            "momentum": mom if training else None,
            "running_mean_before": old_mean,
            "running_mean_after": new_mean,
            "running_var_before": old_var,
            "running_var_after": new_var,
            "eps": eps,
            "std": std,
        }
        yield frame
        g = None if gamma is None else float(gamma[c])
        b = None if beta is None else float(beta[c])
        x_hat = (values - mean) / std
        out = x_hat * (1.0 if g is None else g) + (0.0 if b is None else b)
        value_list, x_hat_list, out_list = values.tolist(), x_hat.tolist(), out.tolist()
        for n in range(plan.batch):
            for y in range(plan.height):
                for xx in range(plan.width):
                    yield {
                        "index": next(index),
                        "op": "batch_norm",
                        "stage": "normalise",
                        "n": n,
                        "channel": c,
                        "y": y,
                        "x": xx,
                        "value": value_list[n][y][xx],
                        "mean": mean,
                        "variance": var,
                        "eps": eps,
                        "std": std,
                        "x_hat": x_hat_list[n][y][xx],
                        "gamma": g,
                        "beta": b,
                        "output": out_list[n][y][xx],
                    }


def batch_norm_backward_frames(
    grad_output: Any, input: Any, weight: Any = None, eps: float = 1e-5
) -> Iterator[Frame]:
    """Frames of batch norm's backward pass in training mode (batch statistics).

    Shapes: grad_output and input (N, C, H, W), weight (C,) or None. Per channel, with m = N*H*W:
    grad_bias = sum(g), grad_weight = sum(g * x_hat), and
    grad_input = gamma / (m * std) * (m * g - sum(g) - x_hat * sum(g * x_hat)).
    """
    x = _check_input(input, "input").astype(np.float64)
    g = as_float_array(grad_output, "grad_output").astype(np.float64)
    if g.shape != x.shape:
        raise ValueError(f"grad_output must have the input's shape {x.shape}, got shape {g.shape}")
    gamma = _vector(weight, x.shape[1], "weight")
    epsilon = _check_eps(eps)
    plan = norm_plan(x.shape, True)
    return _backward(g, x, gamma, epsilon, plan)


def _backward(g: Any, x: Any, gamma: Any, eps: float, plan: NormPlan) -> Iterator[Frame]:
    index = count()
    m = plan.count
    for c in range(plan.channels):
        values, grads = x[:, c], g[:, c]
        mean = float(values.sum()) / m
        var = float(((values - mean) ** 2).sum()) / m
        std = math.sqrt(var + eps)
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
            "eps": eps,
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
        grad_list, x_hat_list, result = grads.tolist(), x_hat.tolist(), grad_input.tolist()
        for n in range(plan.batch):
            for y in range(plan.height):
                for xx in range(plan.width):
                    yield {
                        "index": next(index),
                        "op": "batch_norm_backward",
                        "stage": "grad_input",
                        "n": n,
                        "channel": c,
                        "y": y,
                        "x": xx,
                        "grad": grad_list[n][y][xx],
                        "x_hat": x_hat_list[n][y][xx],
                        "gamma": gam,
                        "std": std,
                        "count": m,
                        "sum_grad": sum_grad,
                        "sum_grad_x_hat": sum_grad_x_hat,
                        "grad_input": result[n][y][xx],
                    }
