"""conv2d backward frames, in three stages: "grad_input", "grad_weight", "grad_bias".

grad_input is shown as the "full" convolution of the upstream gradient with the kernel rotated by
180 degrees: for each input cell, which upstream gradients meet which flipped-kernel weights.
With a non-zero padding mode the padded cells were copies of real cells, so their gradients fold
back onto the cells they copied: frames then cover the whole padded plane, followed by one
"grad_input_fold" frame per padding cell. The generator returns the three gradients assembled
from the values its frames carry.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count, product
from typing import Any

import numpy as np

from engine._checks import Array, IntArray, restore_rank
from engine.conv.frames import conv_taps, read_windows
from engine.conv.plan import ConvPlan, Gradients
from engine.frames.cells import Frames, gather_windows, head, source_coords, window_fields, window_grid

OP = "conv2d_backward"


def conv2d_backward_plan_frames(
    plan: ConvPlan, grad_output: Any, input: Any, weight: Any
) -> Frames[Gradients]:
    """:func:`engine.conv.api.conv2d_backward_frames` on a plan built from these arrays' shapes.

    Shapes: grad_output (N, O, oH, oW) and input (N, C, H, W), or both without the batch axis
    (reported as n = 0); weight (O, C/groups, kH, kW); frames in float64. Order: every
    grad_input frame (n, in_channel, y, x; folds after each plane), then grad_weight
    (out_channel, in_channel, ky, kx), then grad_bias (out_channel). Returns (grad_input like
    input, grad_weight like weight, grad_bias (O,)), as conv2d_backward does.
    """
    g, x = (np.asarray(a, dtype=np.float64) for a in (grad_output, input))
    if not plan.batched:
        g, x = g[None], x[None]
    w = np.asarray(weight, dtype=np.float64)
    index = count()
    grad_input = yield from _grad_input_frames(g, w, plan, index)
    grad_weight = yield from _grad_weight_frames(g, x, plan, index)
    grad_bias = yield from _grad_bias_frames(g, plan, index)
    return restore_rank(grad_input, not plan.batched), grad_weight, grad_bias


def _upstream_taps(padded_size: int, out_size: int, kernel: int, stride: int, dilation: int) -> IntArray:
    """For padded coordinate p and flipped tap f (original tap k = kernel-1-f), the upstream index o
    with o*stride + k*dilation = p, or -1 where none exists (a zero of the stride-dilated,
    fully padded upstream gradient). Shape (padded_size, kernel)."""
    p = np.arange(padded_size)[:, None]
    k = (kernel - 1 - np.arange(kernel))[None, :]
    offset = p - k * dilation
    o = offset // stride
    hit = (offset % stride == 0) & (o >= 0) & (o < out_size)
    return np.where(hit, o, -1).astype(np.intp)


def _full_upstream(g: Array, plan: ConvPlan) -> tuple[Array, list[list[int | None]], list[list[int | None]]]:
    """The "full" convolution's reads: for every padded input cell and flipped tap, the upstream
    gradient (N, O, Hp, Wp, kH, kW), and per padded row and column the upstream index (None: a zero)."""
    (padded_h, padded_w), (kh, kw) = plan.padded_size, plan.kernel
    row_hits = _upstream_taps(padded_h, plan.out_height, kh, plan.stride[0], plan.dilation[0])
    col_hits = _upstream_taps(padded_w, plan.out_width, kw, plan.stride[1], plan.dilation[1])
    # Index -1 reads the extra zero row/column appended below, so missing taps contribute 0.
    g_ext = np.pad(g, ((0, 0), (0, 0), (0, 1), (0, 1)))
    upstream = gather_windows(g_ext, row_hits, col_hits)
    row_hit_list = [[None if o < 0 else o for o in r] for r in row_hits.tolist()]
    col_hit_list = [[None if o < 0 else o for o in c] for c in col_hits.tolist()]
    return upstream, row_hit_list, col_hit_list


def _grad_input_frames(g: Array, w: Array, plan: ConvPlan, index: Iterator[int]) -> Frames[Array]:
    """grad_input's frames; returns grad_input (N, C, H, W): each real cell's total, folds added."""
    top, _, left, _ = plan.pads
    padded_h, padded_w = plan.padded_size
    upstream, row_hit_list, col_hit_list = _full_upstream(g, plan)
    fold = plan.padding_mode != "zeros"
    # Zero padding discards the padding cells' gradients, so only real cells get frames.
    ys = range(padded_h) if fold else range(top, top + plan.height)
    xs = range(padded_w) if fold else range(left, left + plan.width)
    row_src = source_coords(np.arange(padded_h) - top, plan.height, plan.padding_mode).tolist()
    col_src = source_coords(np.arange(padded_w) - left, plan.width, plan.padding_mode).tolist()
    per_out = plan.out_per_group
    grad_input = np.empty((plan.batch, plan.in_channels, plan.height, plan.width))
    for n, c in product(range(plan.batch), range(plan.in_channels)):
        group = c // plan.in_per_group
        first = group * per_out
        flipped = w[first : first + per_out, c - group * plan.in_per_group, ::-1, ::-1]  # (Og, kH, kW)
        grads = upstream[n, first : first + per_out]  # (Og, Hp, Wp, kH, kW)
        products = grads * flipped[:, None, None]
        sums = products.sum(axis=(-2, -1))
        partial = np.cumsum(sums, axis=0)
        flipped_list, grad_list, product_list = flipped.tolist(), grads.tolist(), products.tolist()
        sum_list, partial_list = sums.tolist(), np.moveaxis(partial, 0, -1).tolist()
        total = partial[-1].tolist()
        for py, px in product(ys, xs):
            y, xx = py - top, px - left
            padded = not (0 <= y < plan.height and 0 <= xx < plan.width)
            frame = head(index, OP, "grad_input", n=n, in_channel=c, y=y, x=xx, group=group, padded=padded)
            if fold:
                frame["source"] = [row_src[py], col_src[px]] if padded else None
            frame |= {"grad_rows": row_hit_list[py], "grad_cols": col_hit_list[px]}
            frame["channels"] = [
                {
                    "out_channel": first + o,
                    "grads": grad_list[o][py][px],
                    "weights": flipped_list[o],
                    "products": product_list[o][py][px],
                    "sum": sum_list[o][py][px],
                }
                for o in range(per_out)
            ]
            yield frame | {"partial_sums": partial_list[py][px], "grad": total[py][px]}
        if fold:
            grad_input[n, c] = yield from _fold_frames(n, c, total, row_src, col_src, plan, index)
        else:
            grad_input[n, c] = partial[-1, top : top + plan.height, left : left + plan.width]
    return grad_input


def _fold_frames(
    n: int,
    c: int,
    total: list[list[float]],
    row_src: list[int],
    col_src: list[int],
    plan: ConvPlan,
    index: Iterator[int],
) -> Frames[list[list[float]]]:
    """Add each padding cell's gradient onto the real cell it copied, in scan order of the padded
    plane; returns the plane's gradient (H, W) after every fold."""
    top, _, left, _ = plan.pads
    running = [row[left : left + plan.width] for row in total[top : top + plan.height]]
    for py, line in enumerate(total):
        for px, grad in enumerate(line):
            y, xx = py - top, px - left
            if 0 <= y < plan.height and 0 <= xx < plan.width:
                continue
            sy, sx = row_src[py], col_src[px]
            before = running[sy][sx]
            running[sy][sx] = after = before + grad
            yield {
                "index": next(index),
                "op": OP,
                "stage": "grad_input_fold",
                "n": n,
                "in_channel": c,
                "y": y,
                "x": xx,
                "source": [sy, sx],
                "grad": grad,
                "before": before,
                "after": after,
            }
    return running


def _grad_weight_frames(g: Array, x: Array, plan: ConvPlan, index: Iterator[int]) -> Frames[Array]:
    """grad_weight's frames, tap by tap; returns grad_weight (O, C/groups, kH, kW)."""
    rows, cols = conv_taps(plan)
    # Tap (ky, kx) reads one strided oH x oW grid of the input: the windows' axes swapped.
    grid = window_grid(rows.T, cols.T, plan.height, plan.width, plan.padding_mode)
    windows = read_windows(plan, x, rows, cols)
    by_tap = windows.transpose(1, 4, 5, 0, 2, 3).astype(np.float64)  # (C, kH, kW, N, oH, oW)
    kh, kw = plan.kernel
    upstream = [[g[n, oc].tolist() for n in range(plan.batch)] for oc in range(plan.out_channels)]
    grad_weight = np.empty((plan.out_channels, plan.in_per_group, kh, kw))
    for oc in range(plan.out_channels):
        group = oc // plan.out_per_group
        for ic in range(plan.in_per_group):
            c = group * plan.in_per_group + ic
            products = by_tap[c] * g[None, None, :, oc]  # (kH, kW, N, oH, oW)
            sums = products.sum(axis=(-2, -1))  # (kH, kW, N)
            partial = np.cumsum(sums, axis=-1)
            grad_weight[oc, ic] = partial[..., -1]
            value_list, product_list = by_tap[c].tolist(), products.tolist()
            sum_list, partial_list = sums.tolist(), partial.tolist()
            for ky, kx in product(range(kh), range(kw)):
                frame = head(
                    index, OP, "grad_weight", out_channel=oc, in_channel=c, group=group, ky=ky, kx=kx
                )
                frame["weight_index"] = [oc, ic, ky, kx]
                frame |= window_fields(grid, ky, kx)
                frame["samples"] = [
                    {
                        "n": n,
                        "values": value_list[ky][kx][n],
                        "grads": upstream[oc][n],
                        "products": product_list[ky][kx][n],
                        "sum": sum_list[ky][kx][n],
                    }
                    for n in range(plan.batch)
                ]
                frame["partial_sums"] = partial_list[ky][kx]
                frame["grad"] = partial_list[ky][kx][-1]
                yield frame
    return grad_weight


def _grad_bias_frames(g: Array, plan: ConvPlan, index: Iterator[int]) -> Frames[Array]:
    """grad_bias's frames, channel by channel; returns grad_bias (O,)."""
    sums = g.sum(axis=(-2, -1))  # (N, O)
    partial = np.cumsum(sums, axis=0)
    for oc in range(plan.out_channels):
        partial_list = partial[:, oc].tolist()
        yield {
            "index": next(index),
            "op": OP,
            "stage": "grad_bias",
            "out_channel": oc,
            "samples": [
                {"n": n, "grads": g[n, oc].tolist(), "sum": float(sums[n, oc])} for n in range(plan.batch)
            ],
            "partial_sums": partial_list,
            "grad": partial_list[-1],
        }
    grad_bias: Array = partial[-1]
    return grad_bias
