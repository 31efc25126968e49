"""Pooling frames: max and average pooling, forward ("window") and backward ("route", "spread").

Scan order (n, channel, y, x) over the pooled output. Windows are given like conv2d's: window
(y, x) reads rows ``rows`` and columns ``cols`` of the unpadded input; ``padded`` marks cells
outside the input (the declared padding, or, with ``ceil_mode``, the overhang past it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import count
from typing import Any

import numpy as np

from engine._checks import PairLike, check_flag, to_batched
from engine._pool_windows import PoolWindows, target_shape
from engine.frames._common import Frame, Matrix, WindowGrid, blank_where, gather_windows, window_grid
from engine.frames._geometry import pool_plan, tap_coords


def _taps(plan: PoolWindows) -> tuple[Any, Any]:
    rows = tap_coords(plan.output_size[0], plan.stride[0], plan.dilation[0], plan.kernel[0], plan.padding[0])
    cols = tap_coords(plan.output_size[1], plan.stride[1], plan.dilation[1], plan.kernel[1], plan.padding[1])
    return rows, cols


def _check_grad_output(grad_output: Any, plan: PoolWindows) -> Any:
    g, _ = to_batched(grad_output, "grad_output")
    plan.check_output(g.shape, "grad_output")
    return g.astype(np.float64)


def _windows(x: Any, plan: PoolWindows) -> tuple[WindowGrid, Any]:
    """The window grid and every window's values (N, C, oH, oW, kH, kW); padding cells hold junk."""
    rows, cols = _taps(plan)
    height, width = plan.input_shape[2:]
    grid = window_grid(rows, cols, height, width, "zeros")
    # Clipping keeps the gather inside the plane; callers mask the padding cells it reads.
    return grid, gather_windows(x, np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1))


def _max_windows(x: Any, plan: PoolWindows) -> tuple[WindowGrid, Any, Any]:
    """The window grid, window values (N, C, oH, oW, kH, kW) and each window's switch tap (flat in kH*kW)."""
    grid, windows = _windows(x, plan)
    masked = np.where(np.asarray(grid.padded), -np.inf, windows)
    # argmax returns the first maximum in scan order, the tie rule of PyTorch on CPU.
    switch_tap = masked.reshape(*masked.shape[:4], -1).argmax(axis=-1)
    return grid, windows, switch_tap


def _switch(grid: WindowGrid, y: int, x: int, tap: int, kw: int, width: int) -> dict[str, Any]:
    ky, kx = divmod(tap, kw)
    sy, sx = grid.rows[y][ky], grid.cols[x][kx]
    return {"switch": [sy, sx], "switch_index": sy * width + sx, "switch_tap": [ky, kx]}


def max_pool2d_frames(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
) -> Iterator[Frame]:
    """Frames of max pooling: each window's values, its switch (first maximum) and the output.

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0); output (N, C, oH, oW).
    """
    x, _ = to_batched(input, "input")
    plan = pool_plan(x.shape, kernel_size, stride, padding, dilation, ceil_mode, max_pool=True)
    return _max_frames(x, plan)


def _max_frames(x: Any, plan: PoolWindows) -> Iterator[Frame]:
    grid, windows, switch_tap = _max_windows(x, plan)
    kw = plan.kernel[1]
    index = count()
    batch, channels, _, width = plan.input_shape
    out_height, out_width = plan.output_size
    for n in range(batch):
        for c in range(channels):
            values, taps = windows[n, c].tolist(), switch_tap[n, c].tolist()
            for y in range(out_height):
                for xx in range(out_width):
                    cells = values[y][xx]
                    if grid.any_padded[y][xx]:
                        cells = blank_where(cells, grid.padded[y][xx])
                    tap = taps[y][xx]
                    yield {
                        "index": next(index),
                        "op": "max_pool2d",
                        "stage": "window",
                        "n": n,
                        "channel": c,
                        "y": y,
                        "x": xx,
                        "rows": grid.rows[y],
                        "cols": grid.cols[xx],
                        "padded": grid.padded[y][xx],
                        "values": cells,
                        **_switch(grid, y, xx, tap, kw, width),
                        "output": values[y][xx][tap // kw][tap % kw],
                    }


def max_pool2d_backward_frames(
    grad_output: Any,
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
) -> Iterator[Frame]:
    """Frames of max pooling's backward pass: each upstream gradient routed to its window's switch.

    Shapes: grad_output (N, C, oH, oW), input (N, C, H, W) (3-D arrays read as N = 1). Where
    windows overlap a cell can receive several gradients; ``before``/``after`` give its running total.
    """
    x, _ = to_batched(input, "input")
    plan = pool_plan(x.shape, kernel_size, stride, padding, dilation, ceil_mode, max_pool=True)
    return _max_backward_frames(_check_grad_output(grad_output, plan), x, plan)


def _max_backward_frames(g: Any, x: Any, plan: PoolWindows) -> Iterator[Frame]:
    grid, _, switch_tap = _max_windows(x, plan)
    kw = plan.kernel[1]
    index = count()
    batch, channels, height, width = plan.input_shape
    out_height, out_width = plan.output_size
    for n in range(batch):
        for c in range(channels):
            taps, grads = switch_tap[n, c].tolist(), g[n, c].tolist()
            running = [[0.0] * width for _ in range(height)]
            for y in range(out_height):
                for xx in range(out_width):
                    switch = _switch(grid, y, xx, taps[y][xx], kw, width)
                    sy, sx = switch["switch"]
                    before = running[sy][sx]
                    running[sy][sx] = after = before + grads[y][xx]
                    yield {
                        "index": next(index),
                        "op": "max_pool2d_backward",
                        "stage": "route",
                        "n": n,
                        "channel": c,
                        "y": y,
                        "x": xx,
                        "rows": grid.rows[y],
                        "cols": grid.cols[xx],
                        **switch,
                        "grad": grads[y][xx],
                        "before": before,
                        "after": after,
                    }


def _counted(plan: PoolWindows, grid: WindowGrid, count_include_pad: bool) -> tuple[list[list[Matrix]], Any]:
    """Which cells of each window count towards its divisor, and the divisors (oH, oW).

    Real cells always count; with ``count_include_pad`` so do cells in the declared padding, but
    never the ``ceil_mode`` overhang beyond it (PyTorch's rule).
    """
    (ph, pw), (h, w) = plan.padding, plan.input_shape[2:]
    lo_r, hi_r = (-ph, h + ph) if count_include_pad else (0, h)
    lo_c, hi_c = (-pw, w + pw) if count_include_pad else (0, w)
    rows, cols = np.asarray(grid.rows), np.asarray(grid.cols)
    row_counts = (rows >= lo_r) & (rows < hi_r)
    col_counts = (cols >= lo_c) & (cols < hi_c)
    counted = row_counts[:, None, :, None] & col_counts[None, :, None, :]
    return counted.tolist(), counted.sum(axis=(2, 3))


def avg_pool2d_frames(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Iterator[Frame]:
    """Frames of average pooling: each window's values, their sum, the divisor and which cells it counts.

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0); output (N, C, oH, oW).
    """
    x, _ = to_batched(input, "input")
    plan = pool_plan(x.shape, kernel_size, stride, padding, 1, ceil_mode)
    include = check_flag(count_include_pad, "count_include_pad")
    return _avg_frames(x, plan, include)


def _avg_frames(x: Any, plan: PoolWindows, count_include_pad: bool) -> Iterator[Frame]:
    grid, windows = _windows(x, plan)
    counted, divisors = _counted(plan, grid, count_include_pad)
    windows = np.where(np.asarray(grid.padded), 0.0, windows)  # zero padding
    sums = windows.sum(axis=(-2, -1))
    outputs = sums / divisors
    divisor_list = divisors.tolist()
    index = count()
    batch, channels = plan.input_shape[:2]
    out_height, out_width = plan.output_size
    for n in range(batch):
        for c in range(channels):
            values, sum_list, out_list = windows[n, c].tolist(), sums[n, c].tolist(), outputs[n, c].tolist()
            for y in range(out_height):
                for xx in range(out_width):
                    yield {
                        "index": next(index),
                        "op": "avg_pool2d",
                        "stage": "window",
                        "n": n,
                        "channel": c,
                        "y": y,
                        "x": xx,
                        "rows": grid.rows[y],
                        "cols": grid.cols[xx],
                        "padded": grid.padded[y][xx],
                        "counted": counted[y][xx],
                        "count_include_pad": count_include_pad,
                        "values": values[y][xx],
                        "sum": sum_list[y][xx],
                        "divisor": divisor_list[y][xx],
                        "output": out_list[y][xx],
                    }


def avg_pool2d_backward_frames(
    grad_output: Any,
    input_shape: Sequence[int],
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Iterator[Frame]:
    """Frames of average pooling's backward pass: each gradient spread evenly over its window.

    Every counted cell receives share = grad / divisor; only real cells keep it (``before``/``after``
    give their running totals, None for padding cells). Shapes: grad_output (N, C, oH, oW) and
    ``input_shape`` (N, C, H, W) or (C, H, W).
    """
    g, added_batch = to_batched(grad_output, "grad_output")
    plan = pool_plan(
        target_shape(input_shape, g.shape, added_batch), kernel_size, stride, padding, 1, ceil_mode
    )
    include = check_flag(count_include_pad, "count_include_pad")
    return _avg_backward_frames(_check_grad_output(g, plan), plan, include)


def _avg_backward_frames(g: Any, plan: PoolWindows, count_include_pad: bool) -> Iterator[Frame]:
    rows, cols = _taps(plan)
    batch, channels, height, width = plan.input_shape
    grid = window_grid(rows, cols, height, width, "zeros")
    counted, divisors = _counted(plan, grid, count_include_pad)
    divisor_list = divisors.tolist()
    index = count()
    out_height, out_width = plan.output_size
    for n in range(batch):
        for c in range(channels):
            grads = g[n, c].tolist()
            running = [[0.0] * width for _ in range(height)]
            for y in range(out_height):
                window_rows = grid.rows[y]
                for xx in range(out_width):
                    divisor = divisor_list[y][xx]
                    share = grads[y][xx] / divisor
                    padded = grid.padded[y][xx]
                    before: Matrix = []
                    after: Matrix = []
                    for r, pad_row in zip(window_rows, padded, strict=True):
                        before_row: list[float | None] = []
                        after_row: list[float | None] = []
                        for col, pad in zip(grid.cols[xx], pad_row, strict=True):
                            if pad:
                                before_row.append(None)
                                after_row.append(None)
                                continue
                            old = running[r][col]
                            running[r][col] = new = old + share
                            before_row.append(old)
                            after_row.append(new)
                        before.append(before_row)
                        after.append(after_row)
                    yield {
                        "index": next(index),
                        "op": "avg_pool2d_backward",
                        "stage": "spread",
                        "n": n,
                        "channel": c,
                        "y": y,
                        "x": xx,
                        "rows": window_rows,
                        "cols": grid.cols[xx],
                        "padded": padded,
                        "counted": counted[y][xx],
                        "grad": grads[y][xx],
                        "divisor": divisor,
                        "share": share,
                        "before": before,
                        "after": after,
                    }
