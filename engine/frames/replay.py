"""Rebuild each operation's result from its frames alone.

Generator + replay is the plain loop reference of every operation: frames that compute one
value (a window, a gradient) write it where it belongs; frames that add into a running total
(scatter, route, spread, fold, bias) add their contribution. Shapes are those of the arrays the
frames describe; a 3-D (C, H, W) shape gives a 3-D result, its frames having n = 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

from engine._checks import Array
from engine.frames.cells import Frame


def _zeros(shape: Sequence[int]) -> tuple[Array, bool]:
    """A 4-D zero array for ``shape`` and whether the caller's shape was 3-D."""
    dims = tuple(shape)
    return np.zeros(dims if len(dims) == 4 else (1, *dims)), len(dims) == 3


def _restore(arr: Array, unbatched: bool) -> Array:
    return arr[0] if unbatched else arr


def _cells(
    rows: list[int], cols: list[int], matrix: list[list[float | None]]
) -> Iterable[tuple[int, int, float]]:
    """(row, col, value) for each non-None entry of a window matrix."""
    for r, line in zip(rows, matrix, strict=True):
        for c, value in zip(cols, line, strict=True):
            if value is not None:
                yield r, c, value


def replay_conv2d(frames: Iterable[Frame], output_shape: Sequence[int]) -> Array:
    """conv2d output (N, O, oH, oW) from its frames."""
    out, unbatched = _zeros(output_shape)
    for f in frames:
        out[f["n"], f["out_channel"], f["y"], f["x"]] = f["output"]
    return _restore(out, unbatched)


def replay_conv2d_backward(
    frames: Iterable[Frame], input_shape: Sequence[int], weight_shape: Sequence[int]
) -> tuple[Array, Array, Array]:
    """(grad_input (N, C, H, W), grad_weight (O, C/groups, kH, kW), grad_bias (O,)) from the frames."""
    grad_input, unbatched = _zeros(input_shape)
    grad_weight = np.zeros(tuple(weight_shape))
    grad_bias = np.zeros(weight_shape[0])
    for f in frames:
        stage = f["stage"]
        if stage == "grad_input" and not f["padded"]:
            grad_input[f["n"], f["in_channel"], f["y"], f["x"]] = f["grad"]
        elif stage == "grad_input_fold":
            sy, sx = f["source"]
            grad_input[f["n"], f["in_channel"], sy, sx] += f["grad"]
        elif stage == "grad_weight":
            grad_weight[tuple(f["weight_index"])] = f["grad"]
        elif stage == "grad_bias":
            grad_bias[f["out_channel"]] = f["grad"]
    return _restore(grad_input, unbatched), grad_weight, grad_bias


def replay_conv_transpose2d(frames: Iterable[Frame], output_shape: Sequence[int]) -> Array:
    """conv_transpose2d output (N, O, oH, oW): every scatter's uncropped products, then the bias."""
    out, unbatched = _zeros(output_shape)
    for f in frames:
        n = f["n"]
        if f["stage"] == "bias":
            out[n, f["out_channel"]] += f["bias"]
            continue
        for channel in f["channels"]:
            kept = [
                [None if cut else p for p, cut in zip(prow, crow, strict=True)]
                for prow, crow in zip(channel["products"], f["cropped"], strict=True)
            ]
            for r, c, product in _cells(f["rows"], f["cols"], kept):
                out[n, channel["out_channel"], r, c] += product
    return _restore(out, unbatched)


def replay_max_pool2d(
    frames: Iterable[Frame], output_shape: Sequence[int]
) -> tuple[Array, NDArray[np.int64]]:
    """(output, indices) of max pooling, both (N, C, oH, oW); indices are flat in each input plane."""
    out, unbatched = _zeros(output_shape)
    indices = np.zeros(out.shape, dtype=np.int64)
    for f in frames:
        position = f["n"], f["channel"], f["y"], f["x"]
        out[position] = f["output"]
        indices[position] = f["switch_index"]
    return _restore(out, unbatched), indices[0] if unbatched else indices


def replay_max_pool2d_backward(frames: Iterable[Frame], input_shape: Sequence[int]) -> Array:
    """Gradient (N, C, H, W) of max pooling: each upstream gradient added at its switch."""
    grad, unbatched = _zeros(input_shape)
    for f in frames:
        sy, sx = f["switch"]
        grad[f["n"], f["channel"], sy, sx] += f["grad"]
    return _restore(grad, unbatched)


def replay_avg_pool2d(frames: Iterable[Frame], output_shape: Sequence[int]) -> Array:
    """Average pooling output (N, C, oH, oW) from its frames."""
    out, unbatched = _zeros(output_shape)
    for f in frames:
        out[f["n"], f["channel"], f["y"], f["x"]] = f["output"]
    return _restore(out, unbatched)


def replay_avg_pool2d_backward(frames: Iterable[Frame], input_shape: Sequence[int]) -> Array:
    """Gradient (N, C, H, W) of average pooling: each share added to its window's real cells."""
    grad, unbatched = _zeros(input_shape)
    for f in frames:
        plane = grad[f["n"], f["channel"]]
        for r, c, _ in _cells(f["rows"], f["cols"], f["after"]):
            plane[r, c] += f["share"]
    return _restore(grad, unbatched)


def _channel_replay(
    frames: Iterable[Frame],
    input_shape: Sequence[int],
    stage: str,
    per_channel: tuple[str, str],
    element: str,
) -> tuple[Array, Array, Array]:
    """(planes (N, C, H, W), two (C,) vectors): each ``stage`` frame gives its channel's two values,
    every other frame one element."""
    planes = np.zeros(tuple(input_shape))
    first, second = np.zeros(input_shape[1]), np.zeros(input_shape[1])
    for f in frames:
        if f["stage"] == stage:
            first[f["channel"]], second[f["channel"]] = f[per_channel[0]], f[per_channel[1]]
        else:
            planes[f["n"], f["channel"], f["y"], f["x"]] = f[element]
    return planes, first, second


def replay_batch_norm(frames: Iterable[Frame], input_shape: Sequence[int]) -> tuple[Array, Array, Array]:
    """(output (N, C, H, W), new running_mean (C,), new running_var (C,)) from batch-norm frames."""
    return _channel_replay(
        frames, input_shape, "statistics", ("running_mean_after", "running_var_after"), "output"
    )


def replay_batch_norm_backward(
    frames: Iterable[Frame], input_shape: Sequence[int]
) -> tuple[Array, Array, Array]:
    """(grad_input (N, C, H, W), grad_weight (C,), grad_bias (C,)) from batch-norm backward frames."""
    return _channel_replay(frames, input_shape, "sums", ("grad_weight", "grad_bias"), "grad_input")
