"""Max and average pooling, forward and backward, exactly as ``torch.nn.functional`` computes them.

Shapes: input (N, C, H, W) or (C, H, W); output (N, C, oH, oW) or (C, oH, oW), the input's rank.
Each channel is pooled on its own. Output sizes follow PyTorch's rule, ``ceil_mode`` included
(see :func:`engine.shapes.pool_output_size`).

Max pooling returns the switches as PyTorch does: for each output, the flat position
``row * W + column`` of its maximum in the unpadded input plane (int64). When a window holds
the maximum more than once, the FIRST one in scan order (row by row, left to right) is the
switch, which is what PyTorch does on the CPU.

The work is vectorised over the whole batch: the Python loops run over the few kernel taps
(kH x kW), each tap a strided view of the input holding that tap of every window. The slow,
obvious loop versions, :func:`max_pool2d_reference` and :func:`avg_pool2d_reference`, are the
yardstick the fast ones are tested against.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine._checks import Array, PairLike, check_flag, to_batched
from engine._pool_windows import PoolWindows, pool_windows, restore_shape, target_shape

IndexArray = NDArray[np.int64]

# Planes are processed a block at a time so that the running maximum, the switch indices and the
# comparison mask of one block stay in the CPU cache across the kH*kW passes.
_BLOCK_ELEMENTS = 1 << 15


def _plane_blocks(planes: int, plane_elements: int) -> Iterator[slice]:
    step = max(1, _BLOCK_ELEMENTS // max(plane_elements, 1))
    for start in range(0, planes, step):
        yield slice(start, min(start + step, planes))


def _padded_planes(x: Array, windows: PoolWindows, fill: float) -> Array:
    """(N*C, rows, cols) planes holding every tap of every window: the input framed by ``fill``.

    The frame is the declared padding plus, with ``ceil_mode``, the overhang of the last
    windows past the padded input. No copy is made when there is no frame.
    """
    n, c, h, w = windows.input_shape
    (top, bottom), (left, right) = windows.frame
    planes = x.reshape(n * c, h, w)
    if top == bottom == left == right == 0:
        return planes
    framed = np.full((n * c, top + h + bottom, left + w + right), fill, dtype=x.dtype)
    framed[:, top : top + h, left : left + w] = planes
    return framed


def max_pool2d(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
) -> tuple[Array, IndexArray]:
    """Max pooling and its switches.

    Returns ``(output, indices)``, both shaped (N, C, oH, oW) (or (C, oH, oW)); ``indices`` are
    int64 flat positions ``row * W + column`` in each unpadded input plane. Padding cells act as
    -infinity, so they are never the maximum (every window must cover at least one input cell).
    """
    x, added_batch = to_batched(input, "input")
    windows = pool_windows(x.shape, kernel_size, stride, padding, dilation, ceil_mode, max_pool=True)
    n, c, _, w = windows.input_shape
    oh, ow = windows.output_size
    planes = _padded_planes(x, windows, -np.inf)
    output = np.empty((n * c, oh, ow), dtype=x.dtype)
    indices = np.empty((n * c, oh, ow), dtype=np.int64)
    (sh, sw), (ph, pw), (dh, dw) = windows.stride, windows.padding, windows.dilation
    taps = [planes[:, rows, cols] for rows, cols, _, _ in windows.taps()]
    # The switch is tracked as the tap number (small ints, cheap to update) and turned into a flat
    # input position once at the end: the window's first tap position plus the tap's offset.
    tap_dtype = np.min_scalar_type(len(taps) - 1)
    tap_offsets = np.array([i * dh * w + j * dw for i, j in np.ndindex(*windows.kernel)], dtype=np.int64)
    window_starts = np.add.outer((np.arange(oh) * sh - ph) * w, np.arange(ow) * sw - pw)
    for block in _plane_blocks(n * c, oh * ow):
        best, switch = output[block], indices[block]
        mask = np.empty(best.shape, dtype=np.bool_)
        tap, candidate_tap = np.zeros(best.shape, dtype=tap_dtype), np.empty(best.shape, dtype=tap_dtype)
        np.copyto(best, taps[0][block])
        for number, tap_view in enumerate(taps[1:], start=1):
            candidate = tap_view[block]
            # Strictly greater: a later tap that only equals the maximum leaves the first switch.
            np.greater(candidate, best, out=mask)
            # Tap numbers rise in scan order, so max(tap, mask * number) sets the new tap where
            # the mask holds and keeps the old one elsewhere, without a masked copy.
            np.multiply(mask, tap_dtype.type(number), out=candidate_tap)
            np.maximum(tap, candidate_tap, out=tap)
            np.maximum(best, candidate, out=best)
        np.take(tap_offsets, tap, out=switch, mode="clip")
        np.add(switch, window_starts, out=switch)
    return restore_shape(output, windows, added_batch), restore_shape(indices, windows, added_batch)


def max_pool2d_backward(grad_output: Any, indices: Any, input_shape: tuple[int, ...]) -> Array:
    """Route each output gradient to its switch; where windows overlap the gradients add up.

    Shapes: grad_output and indices (N, C, oH, oW) or (C, oH, oW); returns ``input_shape``.
    """
    grad, added_batch = to_batched(grad_output, "grad_output")
    switch = np.asarray(indices)
    if switch.shape != np.shape(grad_output):
        raise ValueError(
            f"indices must have grad_output's shape {np.shape(grad_output)}, got shape {switch.shape}"
        )
    if not np.issubdtype(switch.dtype, np.integer):
        raise ValueError(
            f"indices must be integers (flat positions in each input plane), got dtype {switch.dtype}"
        )
    n, c, h, w = target_shape(input_shape, grad.shape, added_batch)
    plane = h * w
    if switch.size and (switch.min() < 0 or switch.max() >= plane):
        bad = int(switch.min()) if switch.min() < 0 else int(switch.max())
        raise ValueError(f"index {bad} lies outside the input plane of {h}x{w} = {plane} positions")
    flat = switch.reshape(n * c, -1).astype(np.int64, copy=False) + np.arange(n * c)[:, None] * plane
    grad_input = np.zeros((n, c, h, w), dtype=grad.dtype)
    # add.at is unbuffered: a position named by several windows receives every gradient sent to
    # it (the overlap rule), where a plain fancy-index += would keep only one.
    np.add.at(grad_input.reshape(-1), flat.ravel(), grad.reshape(-1))
    return grad_input[0] if added_batch else grad_input


def avg_pool2d(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Array:
    """Average pooling: each window's sum divided by its divisor, by PyTorch's rule.

    With ``count_include_pad`` the divisor counts the window's cells inside the padded input
    (padding included, a ``ceil_mode`` overhang past the padding not); without it only the
    window's input cells. Shapes: input (N, C, H, W) or (C, H, W) -> (N, C, oH, oW) or (C, oH, oW).
    """
    x, added_batch = to_batched(input, "input")
    windows = pool_windows(x.shape, kernel_size, stride, padding, 1, ceil_mode)
    divisors = windows.divisors(count_include_pad).astype(x.dtype)
    n, c, _, _ = windows.input_shape
    oh, ow = windows.output_size
    planes = _padded_planes(x, windows, 0.0)
    taps = [planes[:, rows, cols] for rows, cols, _, _ in windows.taps()]
    output = np.empty((n * c, oh, ow), dtype=x.dtype)
    for block in _plane_blocks(n * c, oh * ow):
        total = output[block]
        np.copyto(total, taps[0][block])
        for tap_view in taps[1:]:
            np.add(total, tap_view[block], out=total)
        np.divide(total, divisors, out=total)
    return restore_shape(output, windows, added_batch)


def avg_pool2d_backward(
    grad_output: Any,
    input_shape: tuple[int, ...],
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Array:
    """Spread each output gradient evenly over its window (divided by the same divisor as forward).

    Shapes: grad_output (N, C, oH, oW) or (C, oH, oW); returns ``input_shape``.
    """
    grad, added_batch = to_batched(grad_output, "grad_output")
    shape = target_shape(input_shape, grad.shape, added_batch)
    windows = pool_windows(shape, kernel_size, stride, padding, 1, ceil_mode)
    windows.check_output(grad.shape, "grad_output")
    n, c, h, w = shape
    oh, ow = windows.output_size
    divisors = windows.divisors(count_include_pad).astype(grad.dtype)
    shares = grad.reshape(n * c, oh, ow)
    (top, bottom), (left, right) = windows.frame
    framed = np.zeros((n * c, top + h + bottom, left + w + right), dtype=grad.dtype)
    taps = [framed[:, rows, cols] for rows, cols, _, _ in windows.taps()]
    # When every window ends before the next begins, no two taps share a cell, so each tap's
    # share is written, not added; otherwise the shares of overlapping windows accumulate.
    disjoint = all(windows.stride[a] >= windows.kernel[a] for a in range(2))
    for block in _plane_blocks(n * c, oh * ow):
        share = shares[block] / divisors
        for target in taps:
            # One tap's view never names a cell twice, so the in-place add is exact.
            if disjoint:
                np.copyto(target[block], share)
            else:
                np.add(target[block], share, out=target[block])
    grad_input = framed[:, top : top + h, left : left + w]
    if framed.shape[1:] != (h, w):
        grad_input = np.ascontiguousarray(grad_input)
    grad_input = grad_input.reshape(shape)
    return grad_input[0] if added_batch else grad_input


def max_pool2d_reference(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
) -> tuple[Array, IndexArray]:
    """:func:`max_pool2d` one output at a time, with plain loops; for tests and small examples."""
    x, added_batch = to_batched(input, "input")
    windows = pool_windows(x.shape, kernel_size, stride, padding, dilation, ceil_mode, max_pool=True)
    n, c, h, w = windows.input_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = windows.kernel, windows.stride, windows.padding, windows.dilation
    oh, ow = windows.output_size
    output = np.empty((n * c, oh, ow), dtype=x.dtype)
    indices = np.empty((n * c, oh, ow), dtype=np.int64)
    planes = x.reshape(n * c, h, w)
    for plane in range(n * c):
        for oy in range(oh):
            for ox in range(ow):
                best, best_index = -np.inf, -1
                for i in range(kh):
                    for j in range(kw):
                        row, col = oy * sh - ph + i * dh, ox * sw - pw + j * dw
                        if 0 <= row < h and 0 <= col < w and planes[plane, row, col] > best:
                            best, best_index = planes[plane, row, col], row * w + col
                output[plane, oy, ox], indices[plane, oy, ox] = best, best_index
    return restore_shape(output, windows, added_batch), restore_shape(indices, windows, added_batch)


def avg_pool2d_reference(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Array:
    """:func:`avg_pool2d` one output at a time, with plain loops; for tests and small examples.

    The divisor is found by counting the window's cells: with ``count_include_pad`` every cell
    inside the padded input, otherwise every cell inside the input.
    """
    x, added_batch = to_batched(input, "input")
    windows = pool_windows(x.shape, kernel_size, stride, padding, 1, ceil_mode)
    include = check_flag(count_include_pad, "count_include_pad")
    n, c, h, w = windows.input_shape
    (kh, kw), (sh, sw), (ph, pw) = windows.kernel, windows.stride, windows.padding
    oh, ow = windows.output_size
    output = np.empty((n * c, oh, ow), dtype=x.dtype)
    planes = x.reshape(n * c, h, w)
    for plane in range(n * c):
        for oy in range(oh):
            for ox in range(ow):
                total, cells = 0.0, 0
                for i in range(kh):
                    for j in range(kw):
                        row, col = oy * sh - ph + i, ox * sw - pw + j
                        inside = 0 <= row < h and 0 <= col < w
                        in_padded = -ph <= row < h + ph and -pw <= col < w + pw
                        if inside:
                            total += float(planes[plane, row, col])
                        if inside or (include and in_padded):
                            cells += 1
                output[plane, oy, ox] = total / cells
    return restore_shape(output, windows, added_batch)
