"""conv2d backward frames: replayed gradients equal PyTorch autograd, and every frame adds up."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
import torch

from engine import conv, conv2d_backward_frames, replay_conv2d_backward

OP = "conv2d_backward"


def torch_grads(case: Any, grad_output: np.ndarray[Any, Any]) -> tuple[torch.Tensor, ...]:
    layer = case.torch_layer(bias=True)
    x = torch.from_numpy(case.x).requires_grad_(True)
    layer(x).backward(torch.from_numpy(grad_output))
    return x.grad, layer.weight.grad, layer.bias.grad


def output_shape(case: Any) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(case.torch_layer(bias=False)(torch.from_numpy(case.x)).shape)


def check_grad_input_frame(
    frame: dict[str, Any], case: Any, g: np.ndarray[Any, Any], pads: tuple[int, int]
) -> None:
    """Upstream cells and flipped weights of the "full" convolution at one (padded) input cell."""
    kh, kw = case.weight.shape[2:]
    stride = np.broadcast_to(case.params["stride"], 2)
    dilation = np.broadcast_to(case.params["dilation"], 2)
    py, px = frame["y"] + pads[0], frame["x"] + pads[1]
    for axis, (pos, k, hits, size) in enumerate(
        [(py, kh, frame["grad_rows"], g.shape[2]), (px, kw, frame["grad_cols"], g.shape[3])]
    ):
        for f, hit in enumerate(hits):
            offset = pos - (k - 1 - f) * dilation[axis]
            valid = offset % stride[axis] == 0 and 0 <= offset // stride[axis] < size
            assert hit == (offset // stride[axis] if valid else None)
    sums = []
    for ch in frame["channels"]:
        oc = ch["out_channel"]
        ic = frame["in_channel"] - frame["group"] * case.weight.shape[1]
        assert ch["weights"] == case.weight[oc, ic, ::-1, ::-1].tolist()
        for fy, r in enumerate(frame["grad_rows"]):
            for fx, c in enumerate(frame["grad_cols"]):
                expected = 0.0 if r is None or c is None else g[frame["n"], oc, r, c]
                assert ch["grads"][fy][fx] == expected
        assert ch["products"] == (np.array(ch["grads"]) * np.array(ch["weights"])).tolist()
        assert ch["sum"] == pytest.approx(math.fsum(np.ravel(ch["products"])), abs=1e-12)
        sums.append(ch["sum"])
    assert frame["partial_sums"] == pytest.approx(np.cumsum(sums).tolist(), abs=1e-12)
    assert frame["grad"] == frame["partial_sums"][-1]


def check_grad_weight_frame(
    frame: dict[str, Any], case: Any, x: np.ndarray[Any, Any], g: np.ndarray[Any, Any]
) -> None:
    oc, ic, ky, kx = frame["weight_index"]
    assert [oc, ky, kx] == [frame["out_channel"], frame["ky"], frame["kx"]]
    assert frame["in_channel"] == frame["group"] * case.weight.shape[1] + ic
    height, width = x.shape[2:]
    for sample in frame["samples"]:
        n = sample["n"]
        assert sample["grads"] == g[n, oc].tolist()
        for i, r in enumerate(frame["rows"]):
            for j, c in enumerate(frame["cols"]):
                padded = not (0 <= r < height and 0 <= c < width)
                assert frame["padded"][i][j] is padded
                if padded and case.params["padding_mode"] == "zeros":
                    expected = 0.0
                else:
                    expected = x[n, frame["in_channel"], case.source_of(r, height), case.source_of(c, width)]
                assert sample["values"][i][j] == expected
        assert sample["products"] == (np.array(sample["values"]) * g[n, oc]).tolist()
        assert sample["sum"] == pytest.approx(math.fsum(np.ravel(sample["products"])), abs=1e-12)
    assert frame["partial_sums"] == pytest.approx(np.cumsum([s["sum"] for s in frame["samples"]]).tolist())
    assert frame["grad"] == frame["partial_sums"][-1]


def check_folds(frames: list[dict[str, Any]]) -> None:
    """Each fold adds a padding cell's gradient to the running total of the cell it copied."""
    totals: dict[tuple[int, int, int, int], float] = {}
    for f in frames:
        if f["stage"] == "grad_input" and not f["padded"]:
            totals[f["n"], f["in_channel"], f["y"], f["x"]] = f["grad"]
        elif f["stage"] == "grad_input_fold":
            key = (f["n"], f["in_channel"], *f["source"])
            assert f["before"] == totals[key]
            assert f["after"] == f["before"] + f["grad"]
            totals[key] = f["after"]


@pytest.mark.parametrize("seed", range(50))
def test_replay_matches_autograd_and_frames_add_up(
    seed: int, conv_case: Any, collect: Any, close: Any
) -> None:
    case = conv_case
    g = np.random.default_rng(seed + 1000).standard_normal(output_shape(case))
    frames = collect(conv2d_backward_frames(g, case.x, case.weight, **case.params), OP)
    grad_input, grad_weight, grad_bias = replay_conv2d_backward(frames, case.x.shape, case.weight.shape)
    expected = torch_grads(case, g)
    close(grad_input, expected[0])
    close(grad_weight, expected[1])
    close(grad_bias, expected[2])
    vectorised = conv.conv2d_backward(g, case.x, case.weight, **case.params)
    for replayed, fast in zip((grad_input, grad_weight, grad_bias), vectorised, strict=True):
        close(replayed, fast)

    x4 = case.x if case.x.ndim == 4 else case.x[None]
    g4 = g if g.ndim == 4 else g[None]
    height, width = x4.shape[2:]
    layer = case.torch_layer(bias=False)
    top, left = layer._reversed_padding_repeated_twice[2], layer._reversed_padding_repeated_twice[0]
    stages = [f["stage"] for f in frames]
    main = [s for s in stages if s != "grad_input_fold"]  # folds follow each plane, before the next
    assert main == sorted(main, key=["grad_input", "grad_weight", "grad_bias"].index)
    padded_cells = (height + sum(layer._reversed_padding_repeated_twice[2:])) * (
        width + sum(layer._reversed_padding_repeated_twice[:2])
    ) - height * width
    folds = 0 if case.params["padding_mode"] == "zeros" else x4.shape[0] * x4.shape[1] * padded_cells
    assert stages.count("grad_input_fold") == folds
    for frame in frames:
        if frame["stage"] == "grad_input":
            inside = 0 <= frame["y"] < height and 0 <= frame["x"] < width
            assert frame["padded"] is not inside
            if case.params["padding_mode"] == "zeros":
                assert inside
                assert "source" not in frame
            elif not inside:
                assert frame["source"] == [
                    case.source_of(frame["y"], height),
                    case.source_of(frame["x"], width),
                ]
            check_grad_input_frame(frame, case, g4, (top, left))
        elif frame["stage"] == "grad_weight":
            check_grad_weight_frame(frame, case, x4, g4)
        elif frame["stage"] == "grad_bias":
            samples = frame["samples"]
            assert [s["grads"] for s in samples] == g4[:, frame["out_channel"]].tolist()
            assert frame["grad"] == pytest.approx(float(g4[:, frame["out_channel"]].sum()))
    check_folds(frames)


def test_stage_order_and_counts(collect: Any) -> None:
    x, w = np.ones((1, 2, 3, 3)), np.ones((4, 2, 2, 2))
    g = np.ones((1, 4, 2, 2))
    frames = collect(conv2d_backward_frames(g, x, w), OP)
    stages = [f["stage"] for f in frames]
    assert stages == ["grad_input"] * 18 + ["grad_weight"] * 32 + ["grad_bias"] * 4
    # A corner cell of a 3x3 input under a 2x2 kernel, stride 1, is read by one window only.
    corner = frames[0]
    assert corner["grad_rows"] == [None, 0]
    assert corner["grad_cols"] == [None, 0]
    assert corner["grad"] == 4.0  # four output channels, weight 1, gradient 1


def test_folds_follow_each_plane_in_padded_scan_order(collect: Any) -> None:
    x = np.arange(4.0).reshape(1, 1, 2, 2)
    frames = collect(
        conv2d_backward_frames(
            np.ones((1, 1, 4, 4)), x, np.ones((1, 1, 1, 1)), padding=1, padding_mode="replicate"
        ),
        OP,
    )
    plane = [f for f in frames if f["stage"].startswith("grad_input")]
    assert [f["stage"] for f in plane] == ["grad_input"] * 16 + ["grad_input_fold"] * 12
    folds = plane[16:]
    assert [(f["y"], f["x"]) for f in folds][:5] == [(-1, -1), (-1, 0), (-1, 1), (-1, 2), (0, -1)]
    # Replicate padding: the corner cell (0, 0) is copied by three padding cells, so its total is 4.
    assert [f["after"] for f in folds if f["source"] == [0, 0]] == [2.0, 3.0, 4.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grad_output": np.ones((1, 1, 3, 3))}, "does not match the output shape (1, 1, 2, 2)"),
        ({"grad_output": np.ones((1, 2, 2))}, "does not match the output shape (1, 1, 2, 2)"),
        ({"weight": np.ones((1, 2, 3, 3))}, "input channels"),
        ({"padding": 3, "padding_mode": "circular"}, "can wrap at most once"),
        ({"dilation": (1, 0)}, "dilation 0 must be at least 1"),
    ],
)
def test_bad_arguments_raise_before_the_first_frame(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "grad_output": np.ones((1, 1, 2, 2)),
        "input": np.ones((1, 1, 2, 2)),
        "weight": np.ones((1, 1, 1, 1)),
    } | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        conv2d_backward_frames(**args)
    with pytest.raises(ValueError, match=re.escape(message)):
        conv.conv2d_backward(**args)
