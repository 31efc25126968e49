"""Cross-correlation of an already padded input and its two gradients, vectorised with im2col + GEMM.

Every function here works on an input that is already padded (padding modes are the caller's
business), in four dimensions:

- ``padded``  (N, C, Hp, Wp)
- ``weight``  (O, C/groups, kH, kW)
- ``output``  (N, O, oH, oW) with oH = (Hp - dH*(kH - 1) - 1) // sH + 1, likewise oW

im2col lays the windows of a block of outputs side by side as the columns of a matrix
(C/groups*kH*kW rows, one column per output position), so that one matrix product per group
(BLAS, the groups stacked) computes the block for every output channel. A block is a few whole
images, or a few output rows of one large image. Blocks are bounded in size because one buffer for
the whole batch is slower (every fresh page of a large allocation costs a page fault, and a small
block is still in the cache when the product reads it). The Python loops run over blocks and
kernel taps, never over pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine._checks import Array, IntPair

# Values in one unfolded block (2 MB in float32): big enough for BLAS to run at full speed, small
# enough to stay in the cache between being written and being read by the product.
_BLOCK_ELEMENTS = 1 << 19


@dataclass(frozen=True)
class Correlation:
    """The geometry of one correlation: how the kernel is laid over the padded input."""

    kernel: IntPair
    stride: IntPair
    dilation: IntPair
    groups: int
    out_size: IntPair

    def taps(self) -> Iterator[IntPair]:
        for i in range(self.kernel[0]):
            for j in range(self.kernel[1]):
                yield i, j

    def tap_slices(self, tap: IntPair, rows: slice) -> tuple[slice, slice]:
        """Padded-input rows and columns read by kernel tap (i, j) for output rows ``rows``."""
        (i, j), (sh, sw), (dh, dw) = tap, self.stride, self.dilation
        top = i * dh + rows.start * sh
        left = j * dw
        return (
            slice(top, top + (rows.stop - rows.start - 1) * sh + 1, sh),
            slice(left, left + (self.out_size[1] - 1) * sw + 1, sw),
        )

    def blocks(self, batch: int, channels: int) -> Iterator[tuple[slice, slice]]:
        """(images, output rows) blocks whose unfolded columns hold about ``_BLOCK_ELEMENTS`` values.

        Small images are taken several at a time, so that there are few, large matrix products
        (many small ones spend their time starting BLAS threads); large images a few rows at a time.
        """
        out_h, out_w = self.out_size
        row_elements = channels * self.kernel[0] * self.kernel[1] * out_w
        if row_elements * out_h <= _BLOCK_ELEMENTS:
            step = _BLOCK_ELEMENTS // (row_elements * out_h)
            for start in range(0, batch, step):
                yield slice(start, min(start + step, batch)), slice(0, out_h)
            return
        step = max(1, _BLOCK_ELEMENTS // row_elements)
        for image in range(batch):
            for start in range(0, out_h, step):
                yield slice(image, image + 1), slice(start, min(start + step, out_h))

    def block_elements(self, batch: int, channels: int) -> int:
        """Values in the largest block :meth:`blocks` unfolds: the size of the im2col buffer."""
        images, rows = next(self.blocks(batch, channels))
        positions = int(images.stop - images.start) * int(rows.stop - rows.start) * self.out_size[1]
        return positions * channels * self.kernel[0] * self.kernel[1]


def correlation_of(
    padded_size: IntPair, kernel: IntPair, stride: IntPair, dilation: IntPair, groups: int
) -> Correlation:
    """The geometry of correlating a padded plane of ``padded_size``; the caller checked the kernel fits."""
    out_size = (
        (padded_size[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1,
        (padded_size[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1,
    )
    return Correlation(kernel, stride, dilation, groups, out_size)


def _windows(padded: Array, geometry: Correlation) -> Array:
    """A read-only view (N, C, kH, kW, oH, oW): element [n, c, i, j, y, x] is tap (i, j) of window (y, x)."""
    (kh, kw), (sh, sw), (dh, dw) = geometry.kernel, geometry.stride, geometry.dilation
    out_h, out_w = geometry.out_size
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = sliding_window_view(padded, extent, axis=(2, 3))
    view = view[:, :, : (out_h - 1) * sh + 1 : sh, : (out_w - 1) * sw + 1 : sw, ::dh, ::dw]
    return view.transpose(0, 1, 4, 5, 2, 3)


def _unfold(windows: Array, images: slice, rows: slice, groups: int) -> Array:
    """The im2col matrix of a block: (groups, C/groups*kH*kW, images*rows*oW), contiguous."""
    block = windows[images, :, :, :, rows]
    count, channels, kh, kw, height, width = block.shape
    columns = np.empty((channels, kh, kw, count, height, width), dtype=windows.dtype)
    columns[...] = block.transpose(1, 2, 3, 0, 4, 5)
    return columns.reshape(groups, channels // groups * kh * kw, count * height * width)


def _gather(planes: Array, images: slice, rows: slice, groups: int) -> Array:
    """A block of (N, O, oH, oW) as a matrix per group: (groups, O/groups, images*rows*oW)."""
    block = planes[images, :, rows]
    count, channels, height, width = block.shape
    if count == 1:
        return block.reshape(groups, channels // groups, height * width)
    gathered = np.ascontiguousarray(block.transpose(1, 0, 2, 3))
    return gathered.reshape(groups, channels // groups, count * height * width)


def _place(planes: Array, images: slice, rows: slice, block: Array) -> None:
    """Write a (groups, O/groups, images*rows*oW) block into (N, O, oH, oW): the inverse of _gather."""
    target = planes[images, :, rows]
    count, channels, height, width = target.shape
    target[...] = block.reshape(channels, count, height, width).transpose(1, 0, 2, 3)


def correlate(padded: Array, weight: Array, geometry: Correlation) -> Array:
    """Cross-correlate (N, C, Hp, Wp) with (O, C/groups, kH, kW): returns (N, O, oH, oW), no bias."""
    batch, channels = padded.shape[:2]
    out_channels, groups = weight.shape[0], geometry.groups
    kernels = weight.reshape(groups, out_channels // groups, -1)
    output = np.empty((batch, out_channels, *geometry.out_size), dtype=padded.dtype)
    windows = _windows(padded, geometry)
    for images, rows in geometry.blocks(batch, channels):
        _place(output, images, rows, kernels @ _unfold(windows, images, rows, groups))
    return output


def correlate_weight_grad(grad_output: Array, padded: Array, geometry: Correlation) -> Array:
    """d(loss)/d(weight) from grad_output (N, O, oH, oW) and the padded input: (O, C/groups, kH, kW)."""
    batch, channels = padded.shape[:2]
    out_channels, groups = grad_output.shape[1], geometry.groups
    taps = geometry.kernel[0] * geometry.kernel[1]
    grad = np.zeros((groups, out_channels // groups, channels // groups * taps), dtype=padded.dtype)
    windows = _windows(padded, geometry)
    for images, rows in geometry.blocks(batch, channels):
        columns = _unfold(windows, images, rows, groups)
        grad += _gather(grad_output, images, rows, groups) @ columns.transpose(0, 2, 1)
    return grad.reshape(out_channels, channels // groups, *geometry.kernel)


def correlate_input_grad(
    grad_output: Array, weight: Array, padded_size: IntPair, geometry: Correlation
) -> Array:
    """d(loss)/d(padded input) (N, C, Hp, Wp) from grad_output (N, O, oH, oW) and the weight.

    Each output's gradient flows back to every input cell its window read (col2im): the columns'
    gradients come from one matrix product per block, then each kernel tap adds its slice of them
    onto the cells it read, a strided view of the input gradient.
    """
    if geometry.stride == (1, 1):
        return _input_grad_by_correlation(grad_output, weight, padded_size, geometry)
    batch, out_channels = grad_output.shape[:2]
    groups = geometry.groups
    channels = weight.shape[1] * groups
    kh, kw = geometry.kernel
    kernels_t = weight.reshape(groups, out_channels // groups, -1).transpose(0, 2, 1)
    grad = np.zeros((batch, channels, *padded_size), dtype=grad_output.dtype)
    for images, rows in geometry.blocks(batch, channels):
        columns = kernels_t @ _gather(grad_output, images, rows, groups)
        # (C, kH, kW, images, rows, oW), then each tap is (images, C, rows, oW) like its target.
        columns = columns.reshape(channels, kh, kw, images.stop - images.start, rows.stop - rows.start, -1)
        for i, j in geometry.taps():
            tap_rows, tap_cols = geometry.tap_slices((i, j), rows)
            grad[images, :, tap_rows, tap_cols] += columns[:, i, j].transpose(1, 0, 2, 3)
    return grad


def _input_grad_by_correlation(
    grad_output: Array, weight: Array, padded_size: IntPair, geometry: Correlation
) -> Array:
    """The stride-1 input gradient as a forward correlation: (N, O, oH, oW) -> (N, C, Hp, Wp).

    With stride 1, cell y of the padded input is read by tap i of output y - d*i, so its gradient is
    grad_output, zero-padded by the dilated kernel's reach on each side, correlated with the kernel
    flipped in both axes and with its in and out channels swapped (per group). That is one im2col
    product per block instead of a scatter-add per kernel tap, which is bound by memory traffic.
    Rows and columns of ``padded_size`` that no window reaches (a transposed convolution's
    output_padding) get zero gradient from the extra zero padding at the bottom and right.
    """
    (kh, kw), (dh, dw), groups = geometry.kernel, geometry.dilation, geometry.groups
    out_channels, group_channels = weight.shape[:2]
    reach_h, reach_w = dh * (kh - 1), dw * (kw - 1)
    out_h, out_w = grad_output.shape[2:]
    below, right = padded_size[0] - out_h, padded_size[1] - out_w
    padded = np.pad(grad_output, ((0, 0), (0, 0), (reach_h, below), (reach_w, right)))
    # (groups, O/g, C/g, kH, kW) -> (groups, C/g, O/g, kH, kW), flipped in both axes -> (C, O/g, kH, kW)
    swapped = weight.reshape(groups, out_channels // groups, group_channels, kh, kw).transpose(0, 2, 1, 3, 4)
    flipped = np.ascontiguousarray(swapped[..., ::-1, ::-1]).reshape(groups * group_channels, -1, kh, kw)
    return correlate(padded, flipped, correlation_of(padded.shape[2:], (kh, kw), (1, 1), (dh, dw), groups))
