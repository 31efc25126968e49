"""Batch-norm frames: replay equals PyTorch in training and evaluation, and backward in training."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine import (
    batch_norm_backward_frames,
    batch_norm_frames,
    norm,
    replay_batch_norm,
    replay_batch_norm_backward,
)


def random_case(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    shape = (
        int(rng.integers(1, 4)),
        int(rng.integers(1, 4)),
        int(rng.integers(1, 4)),
        int(rng.integers(1, 4)),
    )
    if shape[0] * shape[2] * shape[3] == 1:
        shape = (2, *shape[1:])
    channels = shape[1]
    return {
        "input": rng.standard_normal(shape) * 3 + 1,
        "running_mean": rng.standard_normal(channels),
        "running_var": rng.uniform(0.1, 2.0, channels),
        "weight": rng.standard_normal(channels) if rng.random() < 0.7 else None,
        "bias": rng.standard_normal(channels) if rng.random() < 0.7 else None,
        "training": bool(seed % 2),
        "momentum": float(rng.choice([0.1, 0.5, 1.0, 0.0])),
        "eps": float(rng.choice([1e-5, 1e-3, 0.5])),
    }


def as_tensor(value: Any) -> Any:
    return None if value is None else torch.from_numpy(np.array(value))


@pytest.mark.parametrize("seed", range(40))
def test_forward_replay_matches_torch(seed: int, collect: Any, close: Any) -> None:
    case = random_case(seed)
    frames = collect(batch_norm_frames(**case), "batch_norm")
    x = case["input"]
    running_mean, running_var = as_tensor(case["running_mean"]), as_tensor(case["running_var"])
    expected = F.batch_norm(
        torch.from_numpy(x),
        running_mean,
        running_var,
        as_tensor(case["weight"]),
        as_tensor(case["bias"]),
        case["training"],
        case["momentum"],
        case["eps"],
    )
    output, new_mean, new_var = replay_batch_norm(frames, x.shape)
    close(output, expected)
    close(new_mean, running_mean)  # PyTorch updated its copies in place
    close(new_var, running_var)
    for replayed, vectorised in zip((output, new_mean, new_var), norm.batch_norm(**case), strict=True):
        close(replayed, vectorised)

    n, channels, h, w = x.shape
    assert len(frames) == channels * (1 + n * h * w)
    for c in range(channels):
        stats, *elements = frames[c * (1 + n * h * w) : (c + 1) * (1 + n * h * w)]
        assert stats["stage"] == "statistics"
        assert stats["channel"] == c
        if case["training"]:
            assert stats["values"] == x[:, c].tolist()
            assert stats["count"] == n * h * w
            assert stats["sum"] == pytest.approx(math.fsum(x[:, c].ravel()))
            assert stats["mean"] == pytest.approx(stats["sum"] / stats["count"])
            assert stats["variance"] == pytest.approx(float(np.var(x[:, c])))
            assert stats["unbiased_variance"] == pytest.approx(float(np.var(x[:, c], ddof=1)))
            deviations = x[:, c] - stats["mean"]
            np.testing.assert_allclose(stats["deviations"], deviations, rtol=0, atol=1e-12)
            np.testing.assert_allclose(stats["squared_deviations"], deviations**2, rtol=0, atol=1e-12)
            assert stats["sum_squared_deviations"] == pytest.approx(math.fsum((deviations**2).ravel()))
            # The variance shown is exactly the sum of the squares shown, over the count shown.
            assert stats["variance"] == stats["sum_squared_deviations"] / stats["count"]
        else:
            keys = ("values", "count", "sum", "unbiased_variance", "momentum")
            keys += ("deviations", "squared_deviations", "sum_squared_deviations")
            assert [stats[k] for k in keys] == [None] * len(keys)
            assert stats["mean"] == case["running_mean"][c]
            assert stats["variance"] == case["running_var"][c]
        assert stats["std"] == math.sqrt(stats["variance"] + case["eps"])
        order = [(f["n"], f["y"], f["x"]) for f in elements]
        assert order == sorted(order)
        for f in elements:
            assert f["stage"] == "normalise"
            assert f["value"] == x[f["n"], c, f["y"], f["x"]]
            assert f["x_hat"] == pytest.approx((f["value"] - stats["mean"]) / stats["std"])
            gamma = 1.0 if f["gamma"] is None else f["gamma"]
            beta = 0.0 if f["beta"] is None else f["beta"]
            assert f["output"] == pytest.approx(gamma * f["x_hat"] + beta)


@pytest.mark.parametrize("seed", range(30))
def test_backward_replay_matches_autograd(seed: int, collect: Any, close: Any) -> None:
    case = random_case(seed)
    x = torch.from_numpy(case["input"]).requires_grad_(True)
    weight = torch.from_numpy(case["weight"] if case["weight"] is not None else np.ones(x.shape[1]))
    weight.requires_grad_(True)
    bias = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    g = np.random.default_rng(seed).standard_normal(x.shape)
    F.batch_norm(x, None, None, weight, bias, True, eps=case["eps"]).backward(torch.from_numpy(g))

    frames = collect(
        batch_norm_backward_frames(g, case["input"], case["weight"], eps=case["eps"]), "batch_norm_backward"
    )
    grad_input, grad_weight, grad_bias = replay_batch_norm_backward(frames, x.shape)
    close(grad_input, x.grad)
    close(grad_weight, weight.grad)
    close(grad_bias, bias.grad)
    vectorised = norm.batch_norm_backward(g, case["input"], case["weight"], eps=case["eps"])
    for replayed, expected in zip((grad_input, grad_weight, grad_bias), vectorised, strict=True):
        close(replayed, expected)
    for f in frames:
        if f["stage"] == "sums":
            assert f["grads"] == g[:, f["channel"]].tolist()
            assert f["grad_x_hat"] == (np.array(f["grads"]) * np.array(f["x_hat"])).tolist()
            assert f["sum_grad_x_hat"] == pytest.approx(math.fsum(np.ravel(f["grad_x_hat"])))
            sums = f
        else:
            assert f["stage"] == "grad_input"
            m = f["count"]
            assert f["sum_grad"] == sums["sum_grad"]
            gamma = 1.0 if f["gamma"] is None else f["gamma"]
            formula = (
                gamma / (m * f["std"]) * (m * f["grad"] - f["sum_grad"] - f["x_hat"] * f["sum_grad_x_hat"])
            )
            assert f["grad_input"] == pytest.approx(formula, abs=1e-12)


def test_one_value_per_channel_cannot_train() -> None:
    with pytest.raises(ValueError, match=re.escape("more than 1 value per channel")):
        batch_norm_frames(np.ones((1, 2, 1, 1)), np.zeros(2), np.ones(2), training=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"running_mean": np.zeros(3)}, "running_mean must have shape (2,)"),
        ({"weight": np.ones(1)}, "weight must have shape (2,)"),
        ({"running_var": np.array([1.0, -1.0])}, "running_var [1.0, -1.0] must not be negative"),
        ({"momentum": 1.5}, "momentum 1.5 must be between 0 and 1"),
        ({"eps": 0.0}, "eps 0.0 must be a positive finite number"),
        ({"training": "yes"}, "training must be True or False"),
        ({"input": np.ones((2, 2))}, "input must have shape (N, C, H, W)"),
    ],
)
def test_bad_arguments_raise_before_the_first_frame(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "input": np.ones((2, 2, 2, 2)),
        "running_mean": np.zeros(2),
        "running_var": np.ones(2),
    }
    with pytest.raises(ValueError, match=re.escape(message)):
        batch_norm_frames(**(args | kwargs))


def test_backward_checks_shapes() -> None:
    with pytest.raises(ValueError, match=re.escape("grad_output must have the input's shape")):
        batch_norm_backward_frames(np.ones((2, 2, 2, 1)), np.ones((2, 2, 2, 2)))
