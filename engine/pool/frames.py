"""Pooling frames: max and average pooling, forward ("window") and backward ("route", "spread").

Scan order (n, channel, y, x) over the pooled output. Windows are given like conv2d's: window
(y, x) reads rows ``rows`` and columns ``cols`` of the unpadded input; ``padded`` marks cells
outside the input (the declared padding, or, with ``ceil_mode``, the overhang past it). Each
generator takes a built plan and the arrays in the caller's rank ((N, C, ...) or (C, ...), read
as N = 1), and returns what the plain function returns, assembled from its frames' values.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count, product
from typing import Any

import numpy as np

from engine._checks import Array
from engine.frames import cells
from engine.frames.cells import Frames, Matrix, WindowGrid
from engine.pool.plan import IndexArray, PoolPlan


def _taps(plan: PoolPlan) -> tuple[Any, Any]:
    rows = cells.tap_coords(
        plan.out_size[0], plan.stride[0], plan.dilation[0], plan.kernel[0], plan.padding[0]
    )
    cols = cells.tap_coords(
        plan.out_size[1], plan.stride[1], plan.dilation[1], plan.kernel[1], plan.padding[1]
    )
    return rows, cols


def _windows(x: Any, plan: PoolPlan) -> tuple[WindowGrid, Any]:
    """The window grid and every window's values (N, C, oH, oW, kH, kW); padding cells hold junk."""
    rows, cols = _taps(plan)
    height, width = plan.input_shape[2:]
    grid = cells.window_grid(rows, cols, height, width, "zeros")
    # Clipping keeps the gather inside the plane; callers mask the padding cells it reads.
    return grid, cells.gather_windows(x, np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1))


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


def _scan(plan: PoolPlan) -> Iterator[tuple[int, int, int, int]]:
    """(n, channel, y, x) of every output, in scan order, with a fresh plane at each (n, channel)."""
    batch, channels = plan.input_shape[:2]
    return iter(product(range(batch), range(channels), range(plan.out_size[0]), range(plan.out_size[1])))


def _planes(plan: PoolPlan, array: Any) -> Array:
    """An input-shaped array (N, C, H, W) or (C, H, W) as (N, C, H, W) float64."""
    return np.asarray(array, dtype=np.float64).reshape(plan.input_shape)


def _upstream(plan: PoolPlan, grad_output: Any) -> Array:
    """grad_output (N, C, oH, oW) or (C, oH, oW) as (N, C, oH, oW) float64."""
    return np.asarray(grad_output, dtype=np.float64).reshape(*plan.input_shape[:2], *plan.out_size)


def _input_gradient(plan: PoolPlan, planes: list[list[list[float]]]) -> Array:
    """The running totals of every input plane, in scan order, as the gradient in the input's rank."""
    return np.array(planes, dtype=np.float64).reshape(plan.input_shape[0 if plan.batched else 1 :])


def max_pool2d_plan_frames(plan: PoolPlan, input: Any) -> Frames[tuple[Array, IndexArray]]:
    """Max pooling's frames: each window's values, its switch (first maximum), the output.

    Returns (output, indices), both (N, C, oH, oW) in the input's rank, as max_pool2d does.
    """
    grid, windows, switch_tap = _max_windows(_planes(plan, input), plan)
    kw, width = plan.kernel[1], plan.input_shape[3]
    values, taps = windows.tolist(), switch_tap.tolist()
    outputs: list[float] = []
    switches: list[int] = []
    index = count()
    for n, c, y, xx in _scan(plan):
        window, tap = values[n][c][y][xx], taps[n][c][y][xx]
        shown = cells.blank_where(window, grid.padded[y][xx]) if grid.any_padded[y][xx] else window
        frame = cells.head(index, "max_pool2d", "window", n=n, channel=c, y=y, x=xx, rows=grid.rows[y])
        frame |= {"cols": grid.cols[xx], "padded": grid.padded[y][xx], "values": shown}
        switch = _switch(grid, y, xx, tap, kw, width)
        outputs.append(window[tap // kw][tap % kw])
        switches.append(switch["switch_index"])
        yield frame | switch | {"output": outputs[-1]}
    return plan.restore(np.array(outputs)), plan.restore(np.array(switches, dtype=np.int64))


def max_pool2d_backward_plan_frames(plan: PoolPlan, grad_output: Any, input: Any) -> Frames[Array]:
    """Max pooling's backward frames for grad_output (N, C, oH, oW) and input (N, C, H, W): each
    gradient routed to its window's switch; where windows overlap a cell can receive several,
    ``before``/``after`` its total. Returns grad_input, the input's shape and rank."""
    grid, _, switch_tap = _max_windows(_planes(plan, input), plan)
    kw, (height, width) = plan.kernel[1], plan.input_shape[2:]
    taps, grads = switch_tap.tolist(), _upstream(plan, grad_output).tolist()
    planes: list[list[list[float]]] = []
    index = count()
    for n, c, y, xx in _scan(plan):
        if y == xx == 0:
            running = [[0.0] * width for _ in range(height)]
            planes.append(running)
        switch = _switch(grid, y, xx, taps[n][c][y][xx], kw, width)
        sy, sx = switch["switch"]
        before = running[sy][sx]
        running[sy][sx] = after = before + grads[n][c][y][xx]
        frame = cells.head(
            index, "max_pool2d_backward", "route", n=n, channel=c, y=y, x=xx, rows=grid.rows[y]
        )
        yield (
            frame
            | {"cols": grid.cols[xx]}
            | switch
            | {"grad": grads[n][c][y][xx], "before": before, "after": after}
        )
    return _input_gradient(plan, planes)


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


def avg_pool2d_plan_frames(plan: PoolPlan, input: Any) -> Frames[Array]:
    """Average pooling's frames: each window's values, sum, divisor and counted cells.

    Returns the output (N, C, oH, oW) in the input's rank, as avg_pool2d does.
    """
    grid, windows = _windows(_planes(plan, input), plan)
    counted, divisors = _counted(plan, grid)
    windows = np.where(np.asarray(grid.padded), 0.0, windows)  # zero padding
    sums = windows.sum(axis=(-2, -1))
    output = sums / divisors
    values, sum_list, out_list = windows.tolist(), sums.tolist(), output.tolist()
    divisor_list = divisors.tolist()
    index = count()
    for n, c, y, xx in _scan(plan):
        frame = cells.head(index, "avg_pool2d", "window", n=n, channel=c, y=y, x=xx, rows=grid.rows[y])
        frame |= {"cols": grid.cols[xx], "padded": grid.padded[y][xx], "counted": counted[y][xx]}
        frame |= {"count_include_pad": plan.count_include_pad, "values": values[n][c][y][xx]}
        yield frame | {
            "sum": sum_list[n][c][y][xx],
            "divisor": divisor_list[y][xx],
            "output": out_list[n][c][y][xx],
        }
    return plan.restore(output)


def _spread(
    running: list[list[float]], rows: list[int], cols: list[int], padded: Matrix, share: float
) -> tuple[Matrix, Matrix]:
    """Add ``share`` to a window's real cells of the running totals: (before, after), None for padding."""
    before: Matrix = [[None] * len(cols) for _ in rows]
    after: Matrix = [[None] * len(cols) for _ in rows]
    for i, (r, pad_row) in enumerate(zip(rows, padded, strict=True)):
        for j, (col, pad) in enumerate(zip(cols, pad_row, strict=True)):
            if not pad:
                before[i][j] = running[r][col]
                running[r][col] = after[i][j] = running[r][col] + share
    return before, after


def avg_pool2d_backward_plan_frames(plan: PoolPlan, grad_output: Any) -> Frames[Array]:
    """Average pooling's backward frames for grad_output (N, C, oH, oW): each gradient spread evenly
    over its window; every counted cell receives share = grad / divisor, only real cells keep it.
    Returns grad_input, of the plan's input shape and rank."""
    rows, cols = _taps(plan)
    height, width = plan.input_shape[2:]
    grid = cells.window_grid(rows, cols, height, width, "zeros")
    counted, divisors = _counted(plan, grid)
    divisor_list, grads = divisors.tolist(), _upstream(plan, grad_output).tolist()
    planes: list[list[list[float]]] = []
    index = count()
    for n, c, y, xx in _scan(plan):
        if y == xx == 0:
            running = [[0.0] * width for _ in range(height)]
            planes.append(running)
        divisor = divisor_list[y][xx]
        share = grads[n][c][y][xx] / divisor
        before, after = _spread(running, grid.rows[y], grid.cols[xx], grid.padded[y][xx], share)
        frame = cells.head(
            index, "avg_pool2d_backward", "spread", n=n, channel=c, y=y, x=xx, rows=grid.rows[y]
        )
        frame |= {"cols": grid.cols[xx], "padded": grid.padded[y][xx], "counted": counted[y][xx]}
        yield frame | {
            "grad": grads[n][c][y][xx],
            "divisor": divisor,
            "share": share,
            "before": before,
            "after": after,
        }
    return _input_gradient(plan, planes)
