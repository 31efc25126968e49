"""Pooling frames, forward and backward: replay equals PyTorch, switches and shares add up."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine import (
    avg_pool2d_backward_frames,
    avg_pool2d_frames,
    max_pool2d_backward_frames,
    max_pool2d_frames,
    pool,
    replay_avg_pool2d,
    replay_avg_pool2d_backward,
    replay_max_pool2d,
    replay_max_pool2d_backward,
)
from tests.engine.frame_checks import check_window_totals


def random_pool(seed: int, with_dilation: bool) -> tuple[np.ndarray[Any, Any], dict[str, Any]]:
    """A random, possibly invalid, pooling configuration; small integers make ties common.

    Windows wider than the padded input are left out: PyTorch accepts some of them under
    ``ceil_mode`` (one window), engine.shapes refuses them all.
    """
    rng = np.random.default_rng(seed)
    while True:
        k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        params: dict[str, Any] = {
            "kernel_size": k if rng.random() < 0.5 else k[0],
            "stride": [None, 1, 2, 3, (2, 1)][int(rng.integers(5))],
            "padding": [0, 0, 1, (1, 0), (0, 1)][int(rng.integers(5))],
            "ceil_mode": bool(rng.random() < 0.5),
        }
        if with_dilation:
            params["dilation"] = [1, 1, 2, (1, 2)][int(rng.integers(4))]
        h, w = (int(v) for v in rng.integers(1, 8, size=2))
        kernel = np.broadcast_to(params["kernel_size"], 2)
        extent = np.broadcast_to(params.get("dilation", 1), 2) * (kernel - 1) + 1
        if (extent > np.array([h, w]) + 2 * np.broadcast_to(params["padding"], 2)).any():
            continue
        shape = (
            (int(rng.integers(1, 3)), h, w)
            if rng.random() < 0.2
            else (*rng.integers(1, 3, size=2).tolist(), h, w)
        )
        return rng.integers(-3, 4, size=shape).astype(np.float64), params


def torch_max(x: np.ndarray[Any, Any], params: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor] | None:
    """PyTorch's result, or None where it refuses (an error, or a window of padding only: -inf)."""
    try:
        out, indices = F.max_pool2d(torch.from_numpy(x), return_indices=True, **params)
    except RuntimeError:
        return None
    return None if torch.isinf(out).any() else (out, indices)


def check_window(frame: dict[str, Any], x: np.ndarray[Any, Any]) -> None:
    height, width = x.shape[2:]
    for i, r in enumerate(frame["rows"]):
        for j, c in enumerate(frame["cols"]):
            padded = not (0 <= r < height and 0 <= c < width)
            assert frame["padded"][i][j] is padded
            value = frame["values"][i][j]
            if frame["op"] == "max_pool2d":
                assert value == (None if padded else x[frame["n"], frame["channel"], r, c])
            else:
                assert value == (0.0 if padded else x[frame["n"], frame["channel"], r, c])


@pytest.mark.parametrize("seed", range(80))
def test_max_pool_replay_matches_torch(seed: int, collect: Any, close: Any) -> None:
    x, params = random_pool(seed, with_dilation=True)
    expected = torch_max(x, params)
    if expected is None:
        with pytest.raises(ValueError, match=r"kernel|padding") as refused:
            max_pool2d_frames(x, **params)
        with pytest.raises(ValueError, match=re.escape(str(refused.value))):
            pool.max_pool2d(x, **params)  # the vectorised op refuses alike
        return
    frames = collect(max_pool2d_frames(x, **params), "max_pool2d")
    output, indices = replay_max_pool2d(frames, tuple(expected[0].shape))
    close(output, expected[0])
    assert indices.tolist() == expected[1].tolist()
    vectorised, vectorised_indices = pool.max_pool2d(x, **params)
    close(output, vectorised)
    assert indices.tolist() == vectorised_indices.tolist()
    x4 = x if x.ndim == 4 else x[None]
    for f in frames:
        check_window(f, x4)
        real = [v for row in f["values"] for v in row if v is not None]
        assert f["output"] == max(real)
        ky, kx = f["switch_tap"]
        assert f["switch"] == [f["rows"][ky], f["cols"][kx]]
        assert f["switch_index"] == f["switch"][0] * x4.shape[3] + f["switch"][1]
        # The first maximum in scan order: no earlier tap holds the same value.
        earlier = [v for row in f["values"] for v in row][: ky * len(f["cols"]) + kx]
        assert f["output"] not in earlier

    g = np.random.default_rng(seed).standard_normal(tuple(expected[0].shape))
    back = collect(max_pool2d_backward_frames(g, x, **params), "max_pool2d_backward")
    xt = torch.from_numpy(x).requires_grad_(True)
    F.max_pool2d(xt, **params).backward(torch.from_numpy(g))
    grad_input = replay_max_pool2d_backward(back, x.shape)
    close(grad_input, xt.grad)
    close(grad_input, pool.max_pool2d_backward(g, vectorised_indices, x.shape))
    totals: dict[tuple[int, ...], float] = {}
    for f, forward in zip(back, frames, strict=True):
        assert f["switch"] == forward["switch"]
        key = (f["n"], f["channel"], *f["switch"])
        assert f["before"] == totals.get(key, 0.0)
        assert f["after"] == f["before"] + f["grad"]
        totals[key] = f["after"]


def test_ties_go_to_the_first_maximum(collect: Any) -> None:
    (frame,) = collect(max_pool2d_frames(np.array([[[[1.0, 5.0], [5.0, 5.0]]]]), 2), "max_pool2d")
    assert frame["switch"] == [0, 1]
    assert frame["switch_index"] == 1


def test_overlapping_windows_add_up_at_a_shared_switch(collect: Any) -> None:
    x = np.array([[[[0.0, 9.0, 0.0]]]])
    frames = collect(
        max_pool2d_backward_frames(np.array([[[[2.0, 3.0]]]]), x, (1, 2), stride=1), "max_pool2d_backward"
    )
    assert [(f["switch"], f["before"], f["after"]) for f in frames] == [
        ([0, 1], 0.0, 2.0),
        ([0, 1], 2.0, 5.0),
    ]


@pytest.mark.parametrize("seed", range(80))
def test_avg_pool_replay_matches_torch(seed: int, collect: Any, close: Any) -> None:
    x, params = random_pool(seed, with_dilation=False)
    params["count_include_pad"] = bool(seed % 2)
    try:
        expected = F.avg_pool2d(torch.from_numpy(x), **params)
    except RuntimeError:
        with pytest.raises(ValueError, match=r"kernel|padding") as refused:
            avg_pool2d_frames(x, **params)
        with pytest.raises(ValueError, match=re.escape(str(refused.value))):
            pool.avg_pool2d(x, **params)
        return
    frames = collect(avg_pool2d_frames(x, **params), "avg_pool2d")
    output = replay_avg_pool2d(frames, tuple(expected.shape))
    close(output, expected)
    close(output, pool.avg_pool2d(x, **params))
    x4 = x if x.ndim == 4 else x[None]
    height, width = x4.shape[2:]
    pad = np.broadcast_to(params["padding"], 2)
    for f in frames:
        check_window(f, x4)
        # Real cells count; padding cells too with count_include_pad; the ceil_mode overhang never.
        low, high = (
            (-pad, (height + pad[0], width + pad[1]))
            if params["count_include_pad"]
            else (0 * pad, (height, width))
        )
        counted = [[low[0] <= r < high[0] and low[1] <= c < high[1] for c in f["cols"]] for r in f["rows"]]
        assert f["counted"] == counted
        assert f["divisor"] == sum(map(sum, counted))
        assert f["sum"] == pytest.approx(sum(map(sum, f["values"])))
        assert f["output"] == f["sum"] / f["divisor"]

    g = np.random.default_rng(seed).standard_normal(tuple(expected.shape))
    back = collect(avg_pool2d_backward_frames(g, x.shape, **params), "avg_pool2d_backward")
    xt = torch.from_numpy(x).requires_grad_(True)
    F.avg_pool2d(xt, **params).backward(torch.from_numpy(g))
    grad_input = replay_avg_pool2d_backward(back, x.shape)
    close(grad_input, xt.grad)
    close(grad_input, pool.avg_pool2d_backward(g, x.shape, **params))
    totals: dict[tuple[int, ...], float] = {}
    for f, forward in zip(back, frames, strict=True):
        assert f["divisor"] == forward["divisor"]
        assert f["share"] == f["grad"] / f["divisor"]
        window, before_after = (f["rows"], f["cols"]), (f["before"], f["after"])
        check_window_totals(totals, (f["n"], f["channel"]), window, f["padded"], before_after, f["share"])


def test_avg_divisor_excludes_padding_when_asked(collect: Any) -> None:
    x = np.ones((1, 1, 2, 2))
    with_pad = collect(avg_pool2d_frames(x, 2, stride=2, padding=1), "avg_pool2d")
    without = collect(avg_pool2d_frames(x, 2, stride=2, padding=1, count_include_pad=False), "avg_pool2d")
    assert [f["divisor"] for f in with_pad] == [4, 4, 4, 4]
    assert [f["output"] for f in with_pad] == [0.25] * 4
    assert [f["divisor"] for f in without] == [1, 1, 1, 1]
    assert [f["output"] for f in without] == [1.0] * 4


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: max_pool2d_frames(np.ones((1, 1, 4, 4)), 0), "kernel_size 0 must be at least 1"),
        (lambda: max_pool2d_frames(np.ones((1, 1, 4, 4)), 2, padding=2), "at most half the kernel size"),
        (lambda: max_pool2d_frames(np.ones((1, 1, 2, 2)), (1, 2), 1, (0, 1), (1, 3)), "reads only padding"),
        (lambda: max_pool2d_frames(np.ones((1, 1, 4, 4)), 2, ceil_mode=1), "ceil_mode must be True or False"),
        (lambda: max_pool2d_frames(np.ones((1, 1, 2, 2)), 3), "larger than the padded input"),
        (lambda: avg_pool2d_frames(np.ones((1, 1, 4, 4)), 2, count_include_pad=None), "count_include_pad"),
        (lambda: avg_pool2d_backward_frames(np.ones((1, 1, 3, 3)), (1, 1, 4, 4), 2), "shape (1, 1, 2, 2)"),
        (
            lambda: avg_pool2d_backward_frames(np.ones((1, 1, 2, 2)), (4, 4), 2),
            "input_shape (4, 4) must have 4",
        ),
        (lambda: max_pool2d_backward_frames(np.ones((1, 2, 2, 2)), np.ones((1, 1, 4, 4)), 2), "grad_output"),
    ],
)
def test_bad_arguments_raise_before_the_first_frame(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
