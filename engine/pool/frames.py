"""Pooling frames: max and average pooling, forward ("window") and backward ("route", "spread").

Scan order (n, channel, y, x) over the pooled output. Windows are given like conv2d's: window
(y, x) reads rows ``rows`` and columns ``cols`` of the unpadded input; ``padded`` marks cells
outside the input (the declared padding, or, with ``ceil_mode``, the overhang past it).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import numpy as np

from engine._checks import Array
from engine.frames.cells import (
    Frame,
    Matrix,
    WindowGrid,
    blank_where,
    gather_windows,
    tap_coords,
    window_grid,
)
from engine.pool.plan import PoolPlan


def _taps(plan: PoolPlan) -> tuple[Any, Any]:
    rows = tap_coords(plan.out_size[0], plan.stride[0], plan.dilation[0], plan.kernel[0], plan.padding[0])
    cols = tap_coords(plan.out_size[1], plan.stride[1], plan.dilation[1], plan.kernel[1], plan.padding[1])
    return rows, cols


def _windows(x: Any, plan: PoolPlan) -> tuple[WindowGrid, Any]:
    """The window grid and every window's values (N, C, oH, oW, kH, kW); padding cells hold junk."""
    rows, cols = _taps(plan)
    height, width = plan.input_shape[2:]
    grid = window_grid(rows, cols, height, width, "zeros")
    # Clipping keeps the gather inside the plane; callers mask the padding cells it reads.
    return grid, gather_windows(x, np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1))


def _max_windows(x: Any, plan: PoolPlan) -> tuple[WindowGrid, Any, Any]:
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


def max_frames(plan: PoolPlan, x: Array) -> Iterator[Frame]:
    """Max pooling's frames for x (N, C, H, W): each window's values, its switch (first maximum), output."""
    grid, windows, switch_tap = _max_windows(x, plan)
    kw = plan.kernel[1]
    index = count()
    batch, channels, _, width = plan.input_shape
    out_height, out_width = plan.out_size
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


def max_backward_frames(plan: PoolPlan, g: Array, x: Array) -> Iterator[Frame]:
    """Max pooling's backward frames for g (N, C, oH, oW), x (N, C, H, W): each gradient routed to its
    window's switch; where windows overlap a cell can receive several, ``before``/``after`` its total."""
    grid, _, switch_tap = _max_windows(x, plan)
    kw = plan.kernel[1]
    index = count()
    batch, channels, height, width = plan.input_shape
    out_height, out_width = plan.out_size
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


def _counted(plan: PoolPlan, grid: WindowGrid) -> tuple[list[list[Matrix]], Any]:
    """Which cells of each window count towards its divisor, and the divisors (oH, oW).

    Real cells always count; with ``count_include_pad`` so do cells in the declared padding, but
    never the ``ceil_mode`` overhang beyond it (PyTorch's rule).
    """
    (ph, pw), (h, w) = plan.padding, plan.input_shape[2:]
    lo_r, hi_r = (-ph, h + ph) if plan.count_include_pad else (0, h)
    lo_c, hi_c = (-pw, w + pw) if plan.count_include_pad else (0, w)
    rows, cols = np.asarray(grid.rows), np.asarray(grid.cols)
    row_counts = (rows >= lo_r) & (rows < hi_r)
    col_counts = (cols >= lo_c) & (cols < hi_c)
    counted = row_counts[:, None, :, None] & col_counts[None, :, None, :]
    return counted.tolist(), counted.sum(axis=(2, 3))


def avg_frames(plan: PoolPlan, x: Array) -> Iterator[Frame]:
    """Average pooling's frames for x (N, C, H, W): each window's values, sum, divisor and counted cells."""
    grid, windows = _windows(x, plan)
    counted, divisors = _counted(plan, grid)
    windows = np.where(np.asarray(grid.padded), 0.0, windows)  # zero padding
    sums = windows.sum(axis=(-2, -1))
    outputs = sums / divisors
    divisor_list = divisors.tolist()
    index = count()
    batch, channels = plan.input_shape[:2]
    out_height, out_width = plan.out_size
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
                        "count_include_pad": plan.count_include_pad,
                        "values": values[y][xx],
                        "sum": sum_list[y][xx],
                        "divisor": divisor_list[y][xx],
                        "output": out_list[y][xx],
                    }


def avg_backward_frames(plan: PoolPlan, g: Array) -> Iterator[Frame]:
    """Average pooling's backward frames for g (N, C, oH, oW): each gradient spread evenly over its
    window; every counted cell receives share = grad / divisor, only real cells keep it."""
    rows, cols = _taps(plan)
    batch, channels, height, width = plan.input_shape
    grid = window_grid(rows, cols, height, width, "zeros")
    counted, divisors = _counted(plan, grid)
    divisor_list = divisors.tolist()
    index = count()
    out_height, out_width = plan.out_size
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
