"""conv_transpose2d frames: each input value scatters value x kernel into the output.

Scan order (n, in_channel, y, x) over the input, stage "scatter"; after each sample's scatters,
one "bias" frame per output channel when there is a bias. Output cells that a tap would reach
outside 0..oH-1 / 0..oW-1 are cropped away by ``padding`` and marked so. The generator returns
the output planes its frames built up, value by value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count, product
from typing import Any

import numpy as np

from engine._checks import Array, IntArray, restore_rank
from engine.conv.plan import TransposePlan
from engine.frames.cells import Frame, Frames, Matrix, head, tap_coords

OP = "conv_transpose2d"


def _inside(taps: Any, size: int) -> list[tuple[int, int]]:
    """Per input position, the range [first, stop) of taps landing inside the output (taps increase)."""
    inside = (taps >= 0) & (taps < size)
    first = np.where(inside.any(axis=1), inside.argmax(axis=1), 0)
    stop = first + inside.sum(axis=1)
    return list(zip(first.tolist(), stop.tolist(), strict=True))


def _framed(
    values: list[list[float]], rows: tuple[int, int], cols: tuple[int, int], kh: int, kw: int
) -> Matrix:
    """Place the in-output block (rows x cols of taps) in a kH x kW matrix, None for cropped taps."""
    (r0, r1), (c0, c1) = rows, cols
    left: list[float | None] = [None] * c0
    right: list[float | None] = [None] * (kw - c1)
    blank: list[float | None] = [None] * kw
    return [blank] * r0 + [left + row + right for row in values] + [blank] * (kh - r1)


@dataclass(frozen=True)
class _Taps:
    """Where each input cell's kernel taps land in the output: rows (H, kH) and columns (W, kW),
    the range [first, stop) of taps inside the output along each axis, and which taps are cropped."""

    rows: IntArray
    cols: IntArray
    row_keep: list[tuple[int, int]]
    col_keep: list[tuple[int, int]]
    cropped: list[list[Matrix]]
    dilation: tuple[int, int]

    def block(self, y: int, x: int) -> tuple[slice, slice] | None:
        """The output rows and columns the uncropped taps of input cell (y, x) reach, if any."""
        (r0, r1), (c0, c1) = self.row_keep[y], self.col_keep[x]
        if r1 <= r0 or c1 <= c0:
            return None
        top, left, (dh, dw) = int(self.rows[y, r0]), int(self.cols[x, c0]), self.dilation
        return slice(top, top + (r1 - r0 - 1) * dh + 1, dh), slice(left, left + (c1 - c0 - 1) * dw + 1, dw)


def _taps(plan: TransposePlan) -> _Taps:
    (kh, kw), (sh, sw), (dh, dw) = plan.kernel, plan.stride, plan.dilation
    rows = tap_coords(plan.height, sh, dh, kh, plan.padding[0])
    cols = tap_coords(plan.width, sw, dw, kw, plan.padding[1])
    cropped = (
        ((rows < 0) | (rows >= plan.out_height))[:, None, :, None]
        | ((cols < 0) | (cols >= plan.out_width))[None, :, None, :]
    ).tolist()
    keep = _inside(rows, plan.out_height), _inside(cols, plan.out_width)
    return _Taps(rows, cols, keep[0], keep[1], cropped, (dh, dw))


def _scatter(taps: _Taps, out: Array, y: int, x: int, products: Array) -> tuple[Any, Any]:
    """Add the uncropped part of ``products`` (Og, kH, kW) onto the output planes ``out`` (Og, oH, oW):
    the touched block of each plane before and after, per output channel."""
    (r0, r1), (c0, c1) = taps.row_keep[y], taps.col_keep[x]
    reach = taps.block(y, x)
    if reach is None:
        # Every tap is cropped: rows in the output, if any, have no columns in it.
        empty: list[list[list[float]]] = [[[] for _ in range(r1 - r0)] for _ in range(len(out))]
        return empty, empty
    block = out[:, reach[0], reach[1]]  # a view: updated in place
    before = block.tolist()
    block += products[:, r0:r1, c0:c1]
    return before, block.tolist()


def conv_transpose2d_plan_frames(
    plan: TransposePlan, input: Any, weight: Any, bias: Any = None
) -> Frames[Array]:
    """:func:`engine.conv.api.conv_transpose2d_frames` on a plan built from these arrays' shapes.

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0), weight (C, O/groups, kH, kW),
    bias (O,) or None; frames in float64. Input value (n, c, y, x) adds value * weight[c, o, ky, kx]
    to output cell (y*stride + ky*dilation - padding, x*stride + kx*dilation - padding). Returns
    the output (N, O, oH, oW) in the input's rank: the planes the frames' scatters and biases built.
    """
    x = np.asarray(input, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    samples = x if plan.batched else x[None]
    outputs = np.zeros((plan.batch, plan.out_channels, plan.out_height, plan.out_width))
    taps, index = _taps(plan), count()
    for n in range(plan.batch):
        yield from _scatter_frames(plan, taps, index, n, samples[n], w, outputs[n])
        if bias is not None:
            yield from _bias_frames(index, n, outputs[n], np.asarray(bias, dtype=np.float64))
    return restore_rank(outputs, not plan.batched)


def _scatter_frames(
    plan: TransposePlan, taps: _Taps, index: Iterator[int], n: int, x: Array, w: Array, out: Array
) -> Iterator[Frame]:
    """Sample n's scatter frames: x (C, H, W) adds onto its output planes ``out`` (O, oH, oW), in place."""
    (kh, kw), per_out = plan.kernel, plan.out_per_group
    row_list, col_list, kernel_lists = taps.rows.tolist(), taps.cols.tolist(), w.tolist()
    for c, y, xx in product(range(plan.in_channels), range(plan.height), range(plan.width)):
        group = c // plan.in_per_group
        first, value = group * per_out, float(x[c, y, xx])
        products = value * w[c]
        before, after = _scatter(taps, out[first : first + per_out], y, xx, products)
        keep, product_list = (taps.row_keep[y], taps.col_keep[xx]), products.tolist()
        channels = [
            {
                "out_channel": first + o,
                "weights": kernel_lists[c][o],
                "products": product_list[o],
                "before": _framed(before[o], *keep, kh, kw),
                "after": _framed(after[o], *keep, kh, kw),
            }
            for o in range(per_out)
        ]
        frame = head(index, OP, "scatter", n=n, in_channel=c, y=y, x=xx, group=group, value=value)
        yield frame | {
            "rows": row_list[y],
            "cols": col_list[xx],
            "cropped": taps.cropped[y][xx],
            "channels": channels,
        }


def _bias_frames(index: Iterator[int], n: int, out: Array, b: Array) -> Iterator[Frame]:
    """After sample n's scatters: the bias added to each output plane (O, oH, oW), in place."""
    for oc in range(len(out)):
        before_plane = out[oc].tolist()
        out[oc] += float(b[oc])
        frame = head(index, OP, "bias", n=n, out_channel=oc, bias=float(b[oc]))
        yield frame | {"before": before_plane, "after": out[oc].tolist()}
