"""conv_transpose2d frames: replayed output equals PyTorch; scatters keep honest running totals."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine import conv, conv_transpose2d_frames, replay_conv_transpose2d
from engine.conv import transpose_plan
from tests.engine.frame_checks import check_window_totals

OP = "conv_transpose2d"


def random_case(seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], Any, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    while True:
        groups = int(rng.choice([1, 1, 2, 3]))
        cin, out_per_group = groups * int(rng.integers(1, 3)), int(rng.integers(1, 3))
        h, w = (int(v) for v in rng.integers(1, 5, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        params = {
            "stride": [1, 2, 3, (1, 2), (3, 1)][int(rng.integers(5))],
            "padding": [0, 0, 1, 2, (1, 0)][int(rng.integers(5))],
            "output_padding": [0, 0, 1, (0, 1), 2][int(rng.integers(5))],
            "groups": groups,
            "dilation": [1, 1, 2, (2, 1)][int(rng.integers(4))],
        }
        shape = (cin, h, w) if rng.random() < 0.2 else (int(rng.integers(1, 3)), cin, h, w)
        weight_shape = (cin, out_per_group, kh, kw)
        try:
            transpose_plan(shape, weight_shape, None, **params)
        except ValueError:
            continue
        bias = rng.standard_normal(out_per_group * groups) if rng.random() < 0.6 else None
        return rng.standard_normal(shape), rng.standard_normal(weight_shape), bias, params


def check_running_totals(
    frames: list[dict[str, Any]], x: np.ndarray[Any, Any], w: np.ndarray[Any, Any]
) -> None:
    """Every touched cell's ``before`` is its total so far; ``after`` adds this frame's product."""
    totals: dict[tuple[int, ...], float] = {}
    for f in frames:
        n = f["n"]
        if f["stage"] == "bias":
            plane = [
                [totals.get((n, f["out_channel"], r, c), 0.0) for c in range(len(row))]
                for r, row in enumerate(f["before"])
            ]
            assert f["before"] == plane
            assert f["after"] == (np.array(plane) + f["bias"]).tolist()
            continue
        assert f["value"] == x[n, f["in_channel"], f["y"], f["x"]]
        for ch in f["channels"]:
            weights = w[f["in_channel"], ch["out_channel"] - f["group"] * w.shape[1]]
            assert ch["weights"] == weights.tolist()
            assert ch["products"] == (f["value"] * weights).tolist()
            window, before_after = (f["rows"], f["cols"]), (ch["before"], ch["after"])
            check_window_totals(
                totals, (n, ch["out_channel"]), window, f["cropped"], before_after, ch["products"]
            )


@pytest.mark.parametrize("seed", range(50))
def test_replay_matches_torch_and_totals_add_up(seed: int, collect: Any, close: Any) -> None:
    x, w, bias, params = random_case(seed)
    frames = collect(conv_transpose2d_frames(x, w, bias, **params), OP)
    expected = F.conv_transpose2d(
        torch.from_numpy(x), torch.from_numpy(w), None if bias is None else torch.from_numpy(bias), **params
    )
    output = replay_conv_transpose2d(frames, tuple(expected.shape))
    close(output, expected)
    close(output, conv.conv_transpose2d(x, w, bias, **params))
    height, width = expected.shape[-2:]
    for f in frames:
        if f["stage"] == "scatter":
            stride, dilation = np.broadcast_to(params["stride"], 2), np.broadcast_to(params["dilation"], 2)
            padding = np.broadcast_to(params["padding"], 2)
            assert f["rows"] == [f["y"] * stride[0] + k * dilation[0] - padding[0] for k in range(w.shape[2])]
            assert f["cols"] == [f["x"] * stride[1] + k * dilation[1] - padding[1] for k in range(w.shape[3])]
            assert f["cropped"] == [
                [not (0 <= r < height and 0 <= c < width) for c in f["cols"]] for r in f["rows"]
            ]
    check_running_totals(frames, x if x.ndim == 4 else x[None], w)


def test_scan_order_then_bias_per_sample(collect: Any) -> None:
    frames = collect(conv_transpose2d_frames(np.ones((2, 1, 2, 2)), np.ones((1, 2, 2, 2)), np.zeros(2)), OP)
    assert [f["stage"] for f in frames] == (["scatter"] * 4 + ["bias"] * 2) * 2
    assert [(f["n"], f["y"], f["x"]) for f in frames[:4]] == [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1)]
    # The centre of the 3x3 output is touched by all four inputs: 1, 2, 3, then 4.
    assert [f["channels"][0]["after"][1 - f["y"]][1 - f["x"]] for f in frames[:4]] == [1.0, 2.0, 3.0, 4.0]


def test_padding_crops_the_border(collect: Any) -> None:
    (frame,) = collect(conv_transpose2d_frames(np.ones((1, 1, 1, 1)), np.ones((1, 1, 3, 3)), padding=1), OP)
    assert frame["rows"] == [-1, 0, 1]
    assert frame["cropped"] == [[True, True, True], [True, False, True], [True, True, True]]
    assert frame["channels"][0]["after"] == [[None, None, None], [None, 1.0, None], [None, None, None]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weight": np.ones((2, 1, 3, 3))}, "weight expects 2 input channels"),
        (
            {"output_padding": 1},
            "output_padding 1 must be smaller than either the stride 1 or the dilation 1",
        ),
        ({"padding": 3}, "removes the whole output"),
        ({"bias": np.ones(2)}, "bias must have shape (1,)"),
        ({"groups": 0}, "groups 0 must be an int of at least 1"),
    ],
)
def test_bad_arguments_raise_before_the_first_frame(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"input": np.ones((1, 1, 2, 2)), "weight": np.ones((1, 1, 3, 3))} | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        conv_transpose2d_frames(**args)
    with pytest.raises(ValueError, match=re.escape(message)):
        conv.conv_transpose2d(**args)
