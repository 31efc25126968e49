"""Max and average pooling, vectorised, on 4-D arrays and a checked plan (see :mod:`engine.pool.plan`).

Each channel is pooled on its own. Max pooling's switches are, for each output, the flat position
``row * W + column`` of its maximum in the unpadded input plane (int64); when a window holds the
maximum more than once, the FIRST one in scan order (row by row, left to right) is the switch,
which is what PyTorch does on the CPU.

The work is vectorised over the whole batch: the Python loops run over the few kernel taps
(kH x kW), each tap a strided view of the input holding that tap of every window.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine._checks import Array
from engine.pool.plan import BLOCK_ELEMENTS, IndexArray, PoolPlan


def _plane_blocks(planes: int, plane_elements: int) -> Iterator[slice]:
    """Blocks of about BLOCK_ELEMENTS values (see :data:`engine.pool.plan.BLOCK_ELEMENTS`)."""
    step = max(1, BLOCK_ELEMENTS // max(plane_elements, 1))
    for start in range(0, planes, step):
        yield slice(start, min(start + step, planes))


def _padded_planes(x: Array, windows: PoolPlan, fill: float) -> Array:
    """(N*C, rows, cols) planes holding every tap of every window: the input framed by ``fill``.

    The frame is the declared padding plus, with ``ceil_mode``, the overhang of the last
    windows past the padded input. No copy is made when there is no frame.
    """
    n, c, h, w = windows.input_shape
    (top, _), (left, _) = windows.frame
    planes = x.reshape(n * c, h, w)
    if windows.framed_size == (h, w):
        return planes
    framed = np.full((n * c, *windows.framed_size), fill, dtype=x.dtype)
    framed[:, top : top + h, left : left + w] = planes
    return framed


def max_forward(windows: PoolPlan, x: Array) -> tuple[Array, IndexArray]:
    """Max pooling of (N, C, H, W) and its switches, both (N*C, oH, oW).

    Padding cells act as -infinity, so they are never the maximum (the plan made sure every
    window covers at least one input cell).
    """
    n, c, _, w = windows.input_shape
    oh, ow = windows.out_size
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
    return output, indices


def max_backward(grad: Array, switch: NDArray[np.integer[Any]], shape: tuple[int, ...]) -> Array:
    """Route each output gradient (N, C, oH, oW) to its switch: the gradient (N, C, H, W) of ``shape``.

    Where windows overlap the gradients add up.
    """
    n, c, h, w = shape
    plane = h * w
    flat = switch.reshape(n * c, -1).astype(np.int64, copy=False) + np.arange(n * c)[:, None] * plane
    grad_input = np.zeros((n, c, h, w), dtype=grad.dtype)
    # add.at is unbuffered: a position named by several windows receives every gradient sent to
    # it (the overlap rule), where a plain fancy-index += would keep only one.
    np.add.at(grad_input.reshape(-1), flat.ravel(), grad.reshape(-1))
    return grad_input


def avg_forward(windows: PoolPlan, x: Array) -> Array:
    """Average pooling of (N, C, H, W): each window's sum over its divisor, (N*C, oH, oW)."""
    divisors = windows.divisors().astype(x.dtype)
    n, c, _, _ = windows.input_shape
    oh, ow = windows.out_size
    planes = _padded_planes(x, windows, 0.0)
    taps = [planes[:, rows, cols] for rows, cols, _, _ in windows.taps()]
    output = np.empty((n * c, oh, ow), dtype=x.dtype)
    for block in _plane_blocks(n * c, oh * ow):
        total = output[block]
        np.copyto(total, taps[0][block])
        for tap_view in taps[1:]:
            np.add(total, tap_view[block], out=total)
        np.divide(total, divisors, out=total)
    return output


def avg_backward(windows: PoolPlan, grad: Array) -> Array:
    """Spread each output gradient of (N, C, oH, oW) evenly over its window (divided by the same
    divisor as forward): the gradient (N, C, H, W)."""
    shape = windows.input_shape
    n, c, h, w = shape
    oh, ow = windows.out_size
    divisors = windows.divisors().astype(grad.dtype)
    shares = grad.reshape(n * c, oh, ow)
    (top, _), (left, _) = windows.frame
    framed = np.zeros((n * c, *windows.framed_size), dtype=grad.dtype)
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
    return grad_input.reshape(shape)
