"""Pooling window geometry shared by the fast pooling functions and their loop references.

Along one axis, window ``o`` has taps at input positions ``o*stride - padding + k*dilation`` for
``k`` in ``range(kernel)``; positions outside ``0..size-1`` are padding (or, with ``ceil_mode``,
the overhang of the last window past the padded input).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from engine._checks import IntPair, PairLike, check_flag, non_negative_pair, positive_pair
from engine.shapes import pool_output_size

Shape4 = tuple[int, int, int, int]
IntVector = NDArray[np.intp]
Element = TypeVar("Element", bound=np.generic)


def tap_positions(out_size: int, stride: int, dilation: int, tap: int, before: int) -> IntVector:
    """Input position of one tap in every window along an axis, shape (out_size,)."""
    return np.arange(out_size) * stride - before + tap * dilation


@dataclass(frozen=True)
class PoolWindows:
    """Validated pooling geometry of an (N, C, H, W) input; every pair is (rows, columns)."""

    input_shape: Shape4
    kernel: IntPair
    stride: IntPair
    padding: IntPair
    dilation: IntPair
    output_size: IntPair

    @property
    def frame(self) -> tuple[IntPair, IntPair]:
        """Cells to add (before, after) each axis so that every tap of every window is in the array.

        Before: the padding. After: the padding the windows reach, plus any ``ceil_mode`` overhang.
        """
        sides = []
        for axis in range(2):
            size, pad = self.input_shape[2 + axis], self.padding[axis]
            reach = (self.output_size[axis] - 1) * self.stride[axis]
            reach += (self.kernel[axis] - 1) * self.dilation[axis] + 1
            sides.append((pad, max(reach - pad - size, 0)))
        return sides[0], sides[1]

    def taps(self) -> Iterator[tuple[slice, slice, IntVector, IntVector]]:
        """For each tap (i, j) in scan order: the row and column slices of the framed planes
        (see :attr:`frame`) that hold this tap of every window, and the tap's unpadded input
        rows (oH,) and columns (oW,)."""
        (oh, ow), (sh, sw), (dh, dw) = self.output_size, self.stride, self.dilation
        for i in range(self.kernel[0]):
            rows = slice(i * dh, i * dh + (oh - 1) * sh + 1, sh)
            for j in range(self.kernel[1]):
                cols = slice(j * dw, j * dw + (ow - 1) * sw + 1, sw)
                yield (
                    rows,
                    cols,
                    tap_positions(oh, sh, dh, i, self.padding[0]),
                    tap_positions(ow, sw, dw, j, self.padding[1]),
                )

    def divisors(self, count_include_pad: bool) -> NDArray[np.float64]:
        """Average pooling's divisor of every window, (oH, oW), by PyTorch's rule.

        With ``count_include_pad`` the window is clipped to the padded input: padding cells count,
        cells of a ``ceil_mode`` window hanging past the padding do not. Without it, only input
        cells count.
        """
        include = check_flag(count_include_pad, "count_include_pad")
        counts = []
        for axis in range(2):
            size, pad, kernel = self.input_shape[2 + axis], self.padding[axis], self.kernel[axis]
            start = np.arange(self.output_size[axis]) * self.stride[axis] - pad
            end = np.minimum(start + kernel, size + pad)
            if not include:
                start, end = np.maximum(start, 0), np.minimum(end, size)
            counts.append(end - start)
        return np.multiply.outer(counts[0], counts[1]).astype(np.float64)

    def check_output(self, shape: tuple[int, ...], name: str) -> None:
        """``shape`` (N, C, oH, oW) must be the pooled output's shape."""
        expected = (*self.input_shape[:2], *self.output_size)
        if tuple(shape) != expected:
            raise ValueError(
                f"{name} must have the pooled output's shape {expected}, got shape {tuple(shape)}"
            )


def pool_windows(
    input_shape: tuple[int, ...],
    kernel_size: PairLike,
    stride: PairLike | None,
    padding: PairLike,
    dilation: PairLike,
    ceil_mode: bool,
    *,
    max_pool: bool = False,
) -> PoolWindows:
    """Check pooling arguments against an (N, C, H, W) shape and work out the windows.

    ``max_pool`` refuses windows whose taps all fall in the padding (possible only with a
    dilation): they have no value to take; PyTorch would return -inf with a made-up index.
    """
    if len(input_shape) != 4 or min(input_shape) < 1:
        raise ValueError(
            f"input shape {tuple(input_shape)} has an empty dimension; every size must be at least 1"
        )
    shape: Shape4 = (input_shape[0], input_shape[1], input_shape[2], input_shape[3])
    kernel = positive_pair(kernel_size, "kernel_size")
    steps = kernel if stride is None else positive_pair(stride, "stride")
    pads = non_negative_pair(padding, "padding")
    dilations = positive_pair(dilation, "dilation")
    ceil = check_flag(ceil_mode, "ceil_mode")
    sizes = [
        pool_output_size(shape[2 + axis], kernel[axis], steps[axis], pads[axis], dilations[axis], ceil).size
        for axis in range(2)
    ]
    windows = PoolWindows(shape, kernel, steps, pads, dilations, (sizes[0], sizes[1]))
    if max_pool:
        for axis, name in enumerate(("row", "column")):
            size = shape[2 + axis]
            taps = np.stack(
                [
                    tap_positions(sizes[axis], steps[axis], dilations[axis], k, pads[axis])
                    for k in range(kernel[axis])
                ],
                axis=1,
            )
            inside = ((taps >= 0) & (taps < size)).any(axis=1)
            if not inside.all():
                first = int(np.argmin(inside))
                raise ValueError(
                    f"pooling window {first} along the {name}s reads only padding (taps at "
                    f"{taps[first].tolist()}, input size {size}): every window must cover an input cell"
                )
    return windows


def target_shape(input_shape: Sequence[int], grad_shape: tuple[int, ...], added_batch: bool) -> Shape4:
    """The (N, C, H, W) a backward pass must produce, checked against the gradient's (N, C, ...).

    ``input_shape`` has the rank the caller's input had: 3 when the gradient came without a batch.
    """
    try:
        dims = tuple(input_shape)
    except TypeError:
        raise ValueError(f"input_shape must be a sequence of ints, got {input_shape!r}") from None
    if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in dims):
        raise ValueError(f"input_shape must be a sequence of ints, got {input_shape!r}")
    rank = 3 if added_batch else 4
    if len(dims) != rank:
        raise ValueError(
            f"input_shape {dims} must have {rank} dimensions, like grad_output of shape "
            f"{grad_shape[1:] if added_batch else grad_shape}"
        )
    full = (1, *dims) if added_batch else dims
    if min(full) < 1:
        raise ValueError(f"input_shape {dims} has an empty dimension; every size must be at least 1")
    if tuple(full[:2]) != grad_shape[:2]:
        leading = grad_shape[1:2] if added_batch else grad_shape[:2]
        raise ValueError(f"input_shape {dims} must start with grad_output's leading sizes {leading}")
    return int(full[0]), int(full[1]), int(full[2]), int(full[3])


def restore_shape(planes: NDArray[Element], windows: PoolWindows, added_batch: bool) -> NDArray[Element]:
    """(N*C, oH, oW) -> (N, C, oH, oW), or (C, oH, oW) when the caller gave no batch axis."""
    pooled = planes.reshape(*windows.input_shape[:2], *windows.output_size)
    return pooled[0] if added_batch else pooled
