"""conv2d forward frames: one frame per output value, every product on show.

Scan order (n, out_channel, y, x). Each frame lists, per input channel of the kernel's group,
the window read, the kernel slice, their element-wise products and the channel's sum, then the
running sum across channels, the bias and the value before and after the activation. The
generator returns the output assembled from those very values.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count, product
from typing import Any

import numpy as np

from engine._checks import Array, IntArray, restore_rank
from engine.activations import apply_activation
from engine.conv.plan import ConvPlan
from engine.frames.cells import (
    Frame,
    Frames,
    WindowGrid,
    gather_windows,
    head,
    source_coords,
    tap_coords,
    window_fields,
    window_grid,
)

Activated = Array | tuple[Array, Array]
"""conv2d then an activation: the output, and with an activation other than "none" also the
values before it, (output, pre_activation)."""


def conv_taps(plan: ConvPlan) -> tuple[IntArray, IntArray]:
    """Unpadded input coordinates read by each window: rows (oH, kH) and columns (oW, kW)."""
    top, _, left, _ = plan.pads
    rows = tap_coords(plan.out_height, plan.stride[0], plan.dilation[0], plan.kernel[0], top)
    cols = tap_coords(plan.out_width, plan.stride[1], plan.dilation[1], plan.kernel[1], left)
    return rows, cols


def read_windows(plan: ConvPlan, x: Array, rows: IntArray, cols: IntArray) -> Any:
    """Every window's cells (N, C, oH, oW, kH, kW) at unpadded coordinates ``rows`` (oH, kH) and
    ``cols`` (oW, kW), without building the padded planes: a zero-padding cell reads one zero
    row and column appended to the input, a copying one the cell it copies."""
    if plan.padding_mode != "zeros":
        row_src = source_coords(rows, plan.height, plan.padding_mode)
        return gather_windows(x, row_src, source_coords(cols, plan.width, plan.padding_mode))
    extended = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)))
    row_src = np.where((rows >= 0) & (rows < plan.height), rows, plan.height)
    col_src = np.where((cols >= 0) & (cols < plan.width), cols, plan.width)
    return gather_windows(extended, row_src, col_src)


def conv2d_plan_frames(
    plan: ConvPlan, input: Any, weight: Any, bias: Any = None, activation: str = "none"
) -> Frames[Activated]:
    """:func:`engine.conv.api.conv2d_frames` on a plan built from these arrays' shapes.

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0), weight (O, C/groups, kH, kW),
    bias (O,) or None; one frame per output value of (N, O, oH, oW), in float64. Returns the
    output (N, O, oH, oW) in the input's rank, and with an activation (output, pre_activation),
    both assembled from the frames' values.
    """
    x = np.asarray(input, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    rows, cols = conv_taps(plan)
    grid = window_grid(rows, cols, plan.height, plan.width, plan.padding_mode)
    windows = read_windows(plan, x if plan.batched else x[None], rows, cols)
    pre = np.empty((plan.batch, plan.out_channels, plan.out_height, plan.out_width))
    output = np.empty_like(pre)
    index = count()
    for n in range(plan.batch):
        values = windows[n].tolist()  # [c][y][x] -> kH x kW
        for oc in range(plan.out_channels):
            value = None if bias is None else float(bias[oc])
            pre[n, oc], output[n, oc], columns = _output_plane(plan, windows[n], w[oc], oc, value, activation)
            yield from _window_frames(plan, grid, index, (n, oc), values, columns)
    if activation == "none":
        return restore_rank(output, not plan.batched)
    return restore_rank(output, not plan.batched), restore_rank(pre, not plan.batched)


def _output_plane(
    plan: ConvPlan, windows: Array, kernel: Array, oc: int, bias: float | None, activation: str
) -> tuple[Array, Array, dict[str, Any]]:
    """Output channel ``oc`` of one sample, from its windows (C, oH, oW, kH, kW): the values before
    and after the activation (oH, oW), and every number its frames show, as nested lists."""
    group = oc // plan.out_per_group
    first = group * plan.in_per_group
    products = windows[first : first + plan.in_per_group] * kernel[:, None, None]  # (Cg, oH, oW, kH, kW)
    sums = products.sum(axis=(-2, -1))  # (Cg, oH, oW)
    partial = np.cumsum(sums, axis=0)
    pre = partial[-1] + (0.0 if bias is None else bias)
    out = np.asarray(apply_activation(activation, pre), dtype=np.float64)
    columns = {
        "group": group,
        "weights": kernel.tolist(),
        "products": products.tolist(),
        "sums": sums.tolist(),
        "partial_sums": np.moveaxis(partial, 0, -1).tolist(),
        "bias": bias,
        "pre_activation": pre.tolist(),
        "activation": activation,
        "output": out.tolist(),
    }
    return pre, out, columns


def _window_frames(
    plan: ConvPlan,
    grid: WindowGrid,
    index: Iterator[int],
    where: tuple[int, int],
    values: list[Any],
    columns: dict[str, Any],
) -> Iterator[Frame]:
    """The frames of output plane ``where`` = (n, out_channel), in (y, x) order: ``values`` are the
    sample's windows [c][y][x], ``columns`` the plane's numbers from :func:`_output_plane`."""
    (n, oc), group = where, columns["group"]
    first = group * plan.in_per_group
    weights, products, sums = columns["weights"], columns["products"], columns["sums"]
    partial, pre, out = columns["partial_sums"], columns["pre_activation"], columns["output"]
    for y, xx in product(range(plan.out_height), range(plan.out_width)):
        frame = head(index, "conv2d", "window", n=n, out_channel=oc, y=y, x=xx, group=group)
        frame |= window_fields(grid, y, xx)
        frame["channels"] = [
            {
                "in_channel": first + c,
                "values": values[first + c][y][xx],
                "weights": weights[c],
                "products": products[c][y][xx],
                "sum": sums[c][y][xx],
            }
            for c in range(plan.in_per_group)
        ]
        frame["partial_sums"] = partial[y][xx]
        frame |= {"bias": columns["bias"], "pre_activation": pre[y][xx], "activation": columns["activation"]}
        yield frame | {"output": out[y][xx]}
