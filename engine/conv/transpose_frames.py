"""conv_transpose2d frames: each input value scatters value x kernel into the output.

Scan order (n, in_channel, y, x) over the input, stage "scatter"; after each sample's scatters,
one "bias" frame per output channel when there is a bias. Output cells that a tap would reach
outside 0..oH-1 / 0..oW-1 are cropped away by ``padding`` and marked so.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import numpy as np

from engine._checks import Array
from engine.conv.plan import TransposePlan
from engine.frames.cells import Frame, Matrix, tap_coords

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


def transpose_frames(plan: TransposePlan, x: Array, w: Array, b: Array | None) -> Iterator[Frame]:
    """Frames of conv_transpose2d: x (N, C, H, W), w (C, O/groups, kH, kW), b (O,) or None, float64.

    Input value (n, c, y, x) adds value * weight[c, o, ky, kx] to output cell
    (y*stride + ky*dilation - padding, x*stride + kx*dilation - padding).
    """
    kh, kw = plan.kernel
    (sh, sw), (dh, dw) = plan.stride, plan.dilation
    row_taps = tap_coords(plan.height, sh, dh, kh, plan.padding[0])  # output rows, (H, kH)
    col_taps = tap_coords(plan.width, sw, dw, kw, plan.padding[1])
    row_keep, col_keep = _inside(row_taps, plan.out_height), _inside(col_taps, plan.out_width)
    row_list, col_list = row_taps.tolist(), col_taps.tolist()
    cropped = (
        ((row_taps < 0) | (row_taps >= plan.out_height))[:, None, :, None]
        | ((col_taps < 0) | (col_taps >= plan.out_width))[None, :, None, :]
    ).tolist()
    per_out = plan.out_per_group
    per_in = plan.in_channels // plan.groups
    index = count()
    for n in range(plan.batch):
        out = np.zeros((plan.out_channels, plan.out_height, plan.out_width))
        for c in range(plan.in_channels):
            group = c // per_in
            first = group * per_out
            kernel = w[c]  # (Og, kH, kW)
            kernel_list = kernel.tolist()
            for y in range(plan.height):
                (r0, r1) = row_keep[y]
                rs = slice(int(row_taps[y, r0]), int(row_taps[y, r0]) + (r1 - r0 - 1) * dh + 1, dh)
                for xx in range(plan.width):
                    value = float(x[n, c, y, xx])
                    products = value * kernel
                    (c0, c1) = col_keep[xx]
                    channels = []
                    if r1 > r0 and c1 > c0:
                        cs = slice(int(col_taps[xx, c0]), int(col_taps[xx, c0]) + (c1 - c0 - 1) * dw + 1, dw)
                        block = out[first : first + per_out, rs, cs]  # a view: updated in place
                        before = block.tolist()
                        block += products[:, r0:r1, c0:c1]
                        after = block.tolist()
                    else:
                        # Every tap is cropped: rows in the output, if any, have no columns in it.
                        before = after = [[[] for _ in range(r1 - r0)] for _ in range(per_out)]
                    product_list = products.tolist()
                    for o in range(per_out):
                        channels.append(
                            {
                                "out_channel": first + o,
                                "weights": kernel_list[o],
                                "products": product_list[o],
                                "before": _framed(before[o], row_keep[y], col_keep[xx], kh, kw),
                                "after": _framed(after[o], row_keep[y], col_keep[xx], kh, kw),
                            }
                        )
                    yield {
                        "index": next(index),
                        "op": OP,
                        "stage": "scatter",
                        "n": n,
                        "in_channel": c,
                        "y": y,
                        "x": xx,
                        "group": group,
                        "value": value,
                        "rows": row_list[y],
                        "cols": col_list[xx],
                        "cropped": cropped[y][xx],
                        "channels": channels,
                    }
        if b is not None:
            for oc in range(plan.out_channels):
                before_plane = out[oc].tolist()
                out[oc] += float(b[oc])
                yield {
                    "index": next(index),
                    "op": OP,
                    "stage": "bias",
                    "n": n,
                    "out_channel": oc,
                    "bias": float(b[oc]),
                    "before": before_plane,
                    "after": out[oc].tolist(),
                }
