"""conv2d frames: replayed output equals PyTorch, and every number in a frame adds up."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
import torch

from engine import conv, conv2d_frames, replay_conv2d
from engine.activations import apply_activation

ACTIVATIONS = {"none": lambda t: t, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


def torch_conv(case: Any) -> torch.Tensor:
    with torch.no_grad():
        return ACTIVATIONS[case.activation](
            case.torch_layer(bias=case.bias is not None)(torch.from_numpy(case.x))
        )


def check_conv_frame(frame: dict[str, Any], case: Any) -> None:
    x = case.x if case.x.ndim == 4 else case.x[None]
    height, width = x.shape[2:]
    mode, groups = case.params["padding_mode"], case.params["groups"]
    oc, n = frame["out_channel"], frame["n"]
    per_group = x.shape[1] // groups
    assert frame["group"] == oc // (case.weight.shape[0] // groups)
    assert [ch["in_channel"] for ch in frame["channels"]] == [
        frame["group"] * per_group + i for i in range(per_group)
    ]
    assert ("source" in frame) == (mode != "zeros")
    sums = []
    for i, ch in enumerate(frame["channels"]):
        assert ch["weights"] == case.weight[oc, i].tolist()
        for ky, r in enumerate(frame["rows"]):
            for kx, c in enumerate(frame["cols"]):
                padded = not (0 <= r < height and 0 <= c < width)
                assert frame["padded"][ky][kx] is padded
                expected = 0.0
                if mode != "zeros":
                    source = [case.source_of(r, height), case.source_of(c, width)]
                    assert frame["source"][ky][kx] == (source if padded else None)
                    expected = x[n, ch["in_channel"], source[0], source[1]]
                elif not padded:
                    expected = x[n, ch["in_channel"], r, c]
                assert ch["values"][ky][kx] == expected
                assert ch["products"][ky][kx] == pytest.approx(ch["values"][ky][kx] * ch["weights"][ky][kx])
        assert ch["sum"] == pytest.approx(math.fsum(np.ravel(ch["products"])), abs=1e-12)
        sums.append(ch["sum"])
    assert frame["partial_sums"] == pytest.approx(np.cumsum(sums).tolist(), abs=1e-12)
    bias = None if case.bias is None else float(case.bias[oc])
    assert frame["bias"] == bias
    assert frame["pre_activation"] == pytest.approx(frame["partial_sums"][-1] + (bias or 0.0), abs=1e-12)
    activated = ACTIVATIONS[case.activation](torch.tensor(frame["pre_activation"], dtype=torch.float64))
    assert frame["output"] == pytest.approx(float(activated), abs=1e-12)


@pytest.mark.parametrize("seed", range(60))
def test_replay_matches_torch_and_frames_add_up(seed: int, conv_case: Any, collect: Any, close: Any) -> None:
    case = conv_case
    frames = collect(
        conv2d_frames(case.x, case.weight, case.bias, activation=case.activation, **case.params), "conv2d"
    )
    expected = torch_conv(case)
    assert len(frames) == expected.numel()
    output = replay_conv2d(frames, tuple(expected.shape))
    close(output, expected)
    vectorised = conv.conv2d(case.x, case.weight, case.bias, **case.params)
    close(output, apply_activation(case.activation, vectorised))
    for frame in frames:
        check_conv_frame(frame, case)


def test_scan_order_is_n_out_channel_y_x(collect: Any) -> None:
    x = np.arange(2 * 1 * 3 * 3, dtype=float).reshape(2, 1, 3, 3)
    frames = collect(conv2d_frames(x, np.ones((2, 1, 2, 2))), "conv2d")
    order = [(f["n"], f["out_channel"], f["y"], f["x"]) for f in frames]
    assert order == sorted(order)
    assert len(order) == 2 * 2 * 2 * 2
    assert {f["stage"] for f in frames} == {"window"}


def test_unbatched_input_reports_sample_zero(collect: Any) -> None:
    frames = collect(conv2d_frames(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)), np.array([0.5])), "conv2d")
    assert len(frames) == 1
    assert frames[0]["n"] == 0
    assert frames[0]["output"] == 9.5
    assert replay_conv2d(frames, (1, 1, 1)).tolist() == [[[9.5]]]


def test_dilated_window_reads_every_other_cell(collect: Any) -> None:
    x = np.arange(25, dtype=float).reshape(1, 1, 5, 5)
    (frame,) = collect(conv2d_frames(x, np.ones((1, 1, 3, 3)), dilation=2), "conv2d")
    assert frame["rows"] == [0, 2, 4]
    assert frame["cols"] == [0, 2, 4]
    assert frame["channels"][0]["values"] == [[0, 2, 4], [10, 12, 14], [20, 22, 24]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weight": np.ones((1, 2, 3, 3))}, "input channels"),
        ({"groups": 2}, "not divisible by groups"),
        ({"bias": np.ones(3)}, "bias must have shape (1,)"),
        ({"stride": 0}, "stride 0 must be at least 1"),
        ({"padding": "full"}, "'same' or 'valid'"),
        ({"padding": "same", "stride": 2}, "needs stride 1"),
        ({"padding_mode": "mirror"}, "padding_mode 'mirror'"),
        ({"padding": 4, "padding_mode": "reflect"}, "smaller than the input size"),
        ({"weight": np.ones((1, 1, 7, 7))}, "larger than the padded input"),
        ({"activation": "gelu"}, "activation 'gelu'"),
        ({"input": np.ones((4, 4))}, "(N, C, H, W) or (C, H, W)"),
        ({"input": np.full((1, 1, 4, 4), np.nan)}, "NaN"),
    ],
)
def test_bad_arguments_raise_before_the_first_frame(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"input": np.ones((1, 1, 4, 4)), "weight": np.ones((1, 1, 3, 3))} | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        conv2d_frames(**args)  # not iterated: validation is eager
    if "activation" not in kwargs:
        with pytest.raises(ValueError, match=re.escape(message)):
            conv.conv2d(**args)  # the vectorised op refuses in the same words
