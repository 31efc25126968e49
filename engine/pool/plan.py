"""The pooling plan: every rule of max and average pooling, and where each window reads, from shapes alone.

Along one axis, window ``o`` has taps at input positions ``o*stride - padding + k*dilation`` for
``k`` in ``range(kernel)``; positions outside ``0..size-1`` are padding (or, with ``ceil_mode``,
the overhang of the last window past the padded input). The fast functions, their loop
references and the frame generators all work from one :class:`PoolPlan`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
from numpy.typing import NDArray

from engine._checks import (
    IntArray,
    IntPair,
    PairLike,
    Shape,
    batched_shape,
    check_flag,
    int_shape,
    non_negative_pair,
    positive_pair,
)
from engine.errors import EngineError
from engine.shapes import OutputSize, pool_output_size

Element = TypeVar("Element", bound=np.generic)
IndexArray = NDArray[np.int64]
"""Max pooling's switches: flat positions ``row * W + column`` in each input plane."""

BLOCK_ELEMENTS = 1 << 15
"""The fast path pools a block of planes at a time, so that the running maximum, the switch
indices and the comparison mask of one block stay in the CPU cache across the kH*kW passes."""
Mode = Literal["max", "avg"]


def tap_positions(out_size: int, stride: int, dilation: int, tap: int, before: int) -> IntArray:
    """Input position of one tap in every window along an axis, shape (out_size,)."""
    return (np.arange(out_size) * stride - before + tap * dilation).astype(np.intp)


@dataclass(frozen=True)
class PoolPlan:
    """Pooling of an (N, C, H, W) input (``batched`` False: the caller gave (C, H, W)) to (N, C, oH, oW).

    Every pair is (rows, columns). ``mode`` is "max" or "avg"; ``count_include_pad`` is average
    pooling's divisor rule.
    """

    input_shape: tuple[int, int, int, int]
    kernel: IntPair
    stride: IntPair
    padding: IntPair
    dilation: IntPair
    rows: OutputSize
    cols: OutputSize
    mode: Mode
    ceil_mode: bool
    count_include_pad: bool
    batched: bool

    @property
    def out_size(self) -> IntPair:
        """(oH, oW)."""
        return self.rows.size, self.cols.size

    @property
    def output_size(self) -> tuple[OutputSize, OutputSize]:
        """(rows, columns): each output axis with its derivation."""
        return self.rows, self.cols

    @property
    def planes(self) -> int:
        """N * C: each channel of each sample is pooled on its own."""
        return self.input_shape[0] * self.input_shape[1]

    @property
    def output_shape(self) -> Shape:
        """The pooled shape in the input's rank: (N, C, oH, oW), or (C, oH, oW)."""
        return (*self.input_shape[:2], *self.out_size)[0 if self.batched else 1 :]

    @property
    def work(self) -> int:
        """Window reads: every output value reads kH * kW cells (forward, and likewise backward)."""
        return self.planes * math.prod(self.out_size) * self.kernel[0] * self.kernel[1]

    @property
    def backward_work(self) -> int:
        """Window reads of the backward pass: each gradient goes back over the same kH * kW cells."""
        return self.work

    @property
    def memory_elements(self) -> int:
        """Elements the fast forward pass allocates, of whatever dtype (an upper estimate): the mask
        of the finite check, the framed planes (when there is a frame), the output (and max
        pooling's indices), a plane of divisors or window starts, and max pooling's running masks
        and tap numbers for one block of planes."""
        inputs = math.prod(self.input_shape)
        framed = (
            0
            if self.framed_size == tuple(self.input_shape[2:])
            else self.planes * math.prod(self.framed_size)
        )
        plane = math.prod(self.out_size)
        if self.mode == "avg":
            return inputs + framed + self.planes * plane + 2 * plane
        block = min(self.planes, max(1, BLOCK_ELEMENTS // plane)) * plane
        return inputs + framed + 2 * self.planes * plane + 2 * plane + 3 * block

    @property
    def frame_count(self) -> int:
        """Frames of the forward generators: one per output value."""
        return self.planes * math.prod(self.out_size)

    @property
    def backward_frame_count(self) -> int:
        """Frames of the backward generators: one per upstream gradient."""
        return self.frame_count

    @property
    def frame(self) -> tuple[IntPair, IntPair]:
        """Cells to add (before, after) each axis so that every tap of every window is in the array.

        Before: the padding. After: the padding the windows reach, plus any ``ceil_mode`` overhang.
        """
        sides = []
        for axis in range(2):
            size, pad = self.input_shape[2 + axis], self.padding[axis]
            reach = (self.out_size[axis] - 1) * self.stride[axis]
            reach += (self.kernel[axis] - 1) * self.dilation[axis] + 1
            sides.append((pad, max(reach - pad - size, 0)))
        return sides[0], sides[1]

    @property
    def framed_size(self) -> IntPair:
        """(rows, columns) of a plane framed by :attr:`frame`."""
        (top, bottom), (left, right) = self.frame
        return top + self.input_shape[2] + bottom, left + self.input_shape[3] + right

    def taps(self) -> Iterator[tuple[slice, slice, IntArray, IntArray]]:
        """For each tap (i, j) in scan order: the row and column slices of the framed planes
        (see :attr:`frame`) that hold this tap of every window, and the tap's unpadded input
        rows (oH,) and columns (oW,)."""
        (oh, ow), (sh, sw), (dh, dw) = self.out_size, self.stride, self.dilation
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

    def divisors(self) -> NDArray[np.float64]:
        """Average pooling's divisor of every window, (oH, oW), by PyTorch's rule.

        With ``count_include_pad`` the window is clipped to the padded input: padding cells count,
        cells of a ``ceil_mode`` window hanging past the padding do not. Without it, only input
        cells count.
        """
        counts = []
        for axis in range(2):
            size, pad, kernel = self.input_shape[2 + axis], self.padding[axis], self.kernel[axis]
            start = np.arange(self.out_size[axis]) * self.stride[axis] - pad
            end = np.minimum(start + kernel, size + pad)
            if not self.count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, size)
            counts.append(end - start)
        return np.multiply.outer(counts[0], counts[1]).astype(np.float64)

    def check_grad_output(self, shape: Sequence[int]) -> None:
        """An upstream gradient has the pooled output's shape (N, C, oH, oW); (C, oH, oW) is read as N = 1."""
        expected = (*self.input_shape[:2], *self.out_size)
        if batched_shape(shape, "grad_output") != expected:
            message = f"grad_output must have the output's shape {expected}, got shape {tuple(shape)}"
            raise EngineError(
                "shape_mismatch", message, field="grad_output", expected=expected, shape=tuple(shape)
            )

    def restore(self, planes: NDArray[Element]) -> NDArray[Element]:
        """(N*C, oH, oW) -> the output in the input's rank."""
        return planes.reshape(self.output_shape)


def _check_windows_reach_input(
    shape: Shape, kernel: IntPair, stride: IntPair, pads: IntPair, dilation: IntPair, sizes: IntPair
) -> None:
    """Max pooling refuses windows whose taps all fall in the padding (possible only with a
    dilation): they have no value to take; PyTorch would return -inf with a made-up index."""
    for axis, name in enumerate(("row", "column")):
        size = shape[2 + axis]
        taps = np.stack(
            [
                tap_positions(sizes[axis], stride[axis], dilation[axis], k, pads[axis])
                for k in range(kernel[axis])
            ],
            axis=1,
        )
        inside = ((taps >= 0) & (taps < size)).any(axis=1)
        if not inside.all():
            first = int(np.argmin(inside))
            message = (
                f"pooling window {first} along the {name}s reads only padding (taps at "
                f"{taps[first].tolist()}, input size {size}): every window must cover an input cell"
            )
            raise EngineError("window_only_padding", message, field="dilation", window=first, size=size)


def pool_plan(
    input_shape: Sequence[int],
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
    *,
    mode: Mode = "max",
    count_include_pad: bool = True,
) -> PoolPlan:
    """Check pooling arguments against an (N, C, H, W) or (C, H, W) shape and work out the windows.

    ``stride`` None means the kernel size (PyTorch's default). Average pooling takes no dilation
    (give 1); ``count_include_pad`` matters only to it.
    """
    shape = batched_shape(input_shape, "input")
    kernel = positive_pair(kernel_size, "kernel_size")
    steps = kernel if stride is None else positive_pair(stride, "stride")
    pads = non_negative_pair(padding, "padding")
    dilations = positive_pair(dilation, "dilation")
    ceil = check_flag(ceil_mode, "ceil_mode")
    rows, cols = (
        pool_output_size(shape[2 + axis], kernel[axis], steps[axis], pads[axis], dilations[axis], ceil)
        for axis in range(2)
    )
    if mode == "max":
        _check_windows_reach_input(shape, kernel, steps, pads, dilations, (rows.size, cols.size))
    include = check_flag(count_include_pad, "count_include_pad")
    batched = len(input_shape) == 4
    return PoolPlan(shape, kernel, steps, pads, dilations, rows, cols, mode, ceil, include, batched)


def target_shape(input_shape: Sequence[int], grad_shape: Shape, added_batch: bool) -> Shape:
    """The shape a backward pass must produce, checked against the gradient's (N, C, ...), in the
    caller's rank: 3 when the gradient came without a batch."""
    dims = int_shape(input_shape, "input_shape", "input_shape")
    rank = 3 if added_batch else 4
    if len(dims) != rank:
        message = (
            f"input_shape {dims} must have {rank} dimensions, like grad_output of shape "
            f"{grad_shape[1:] if added_batch else grad_shape}"
        )
        raise EngineError("bad_shape", message, field="input_shape", shape=dims)
    full = (1, *dims) if added_batch else dims
    if min(full) < 1:
        message = f"input_shape {dims} has an empty dimension; every size must be at least 1"
        raise EngineError("empty_dimension", message, field="input_shape", shape=dims)
    if tuple(full[:2]) != grad_shape[:2]:
        leading = grad_shape[1:2] if added_batch else grad_shape[:2]
        message = f"input_shape {dims} must start with grad_output's leading sizes {leading}"
        raise EngineError("shape_mismatch", message, field="input_shape", shape=dims, expected=leading)
    return dims
