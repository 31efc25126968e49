"""The vectorised convolution family, on 4-D arrays and a checked plan (see :mod:`engine.conv.plan`).

Like every framework, "convolution" here is cross-correlation: the kernel is not flipped.
``padding_mode`` other than "zeros" pads the input with copies of its own cells first (as
``torch.nn.Conv2d`` does) and then convolves without padding; the gradient of a padding cell goes
back to the cell it copies. Arrays keep the input's dtype. The products themselves are im2col
matrix products (:mod:`engine.conv.im2col`).
"""

from __future__ import annotations

import numpy as np

from engine._checks import Array, Pads, pad_planes
from engine.conv.im2col import Correlation, correlate, correlate_input_grad, correlate_weight_grad
from engine.conv.plan import ConvPlan, Gradients, ReadRegion, TransposePlan


def _read_planes(plan: ConvPlan, x: Array) -> tuple[ReadRegion, Array, Correlation] | None:
    """The padded planes of the part of ``x`` the windows read (see :class:`ReadRegion`), with
    their correlation; None when no window reaches a real cell."""
    region, correlation = plan.read_region, plan.read_correlation
    if region is None or correlation is None:
        return None
    rows, cols = region.inputs
    return region, pad_planes(x[:, :, rows, cols], region.pads, plan.padding_mode), correlation


def forward(plan: ConvPlan, x: Array, weight: Array, bias: Array | None) -> Array:
    """conv2d of (N, C, H, W) with (O, C/groups, kH, kW), plus bias (O,): (N, O, oH, oW).

    Only the read region is padded and correlated; outputs whose windows read padding alone are 0.
    """
    read = _read_planes(plan, x)
    output = np.zeros((plan.batch, plan.out_channels, plan.out_height, plan.out_width), dtype=x.dtype)
    if read is not None:
        region, padded, correlation = read
        rows, cols = region.outputs
        output[:, :, rows, cols] = correlate(padded, weight, correlation)
    if bias is not None:
        output += bias[:, None, None]
    return output


def backward(plan: ConvPlan, grad: Array, x: Array, weight: Array) -> Gradients:
    """conv2d's gradients from grad_output (N, O, oH, oW): (like x, like weight, (O,)).

    The bias gradient does not depend on whether the forward pass had a bias: it is grad_output
    summed over the batch and every position.
    """
    grad_bias = grad.sum(axis=(0, 2, 3))
    read = _read_planes(plan, x)
    if read is None:  # every window read zero padding only
        return np.zeros_like(x), np.zeros_like(weight), grad_bias
    region, padded, correlation = read
    out_rows, out_cols = region.outputs
    upstream = np.ascontiguousarray(grad[:, :, out_rows, out_cols])
    grad_weight = correlate_weight_grad(upstream, padded, correlation)
    grad_padded = correlate_input_grad(upstream, weight, region.padded_size, correlation)
    rows, cols = region.inputs
    size = (rows.stop - rows.start, cols.stop - cols.start)
    grad_read = _unpad_gradient(grad_padded, region.pads, plan.padding_mode, size)
    if size == tuple(x.shape[2:]):
        return grad_read, grad_weight, grad_bias
    grad_input = np.zeros_like(x, dtype=grad_read.dtype)
    grad_input[:, :, rows, cols] = grad_read
    return grad_input, grad_weight, grad_bias


def _unpad_gradient(grad_padded: Array, pads: Pads, padding_mode: str, size: tuple[int, ...]) -> Array:
    """The adjoint of :func:`engine._checks.pad_planes`: (N, C, Hp, Wp) -> (N, C, H, W).

    Zero padding cells are constants, so their gradient is dropped; a reflected, replicated or
    wrapped cell is a copy of an input cell, so its gradient is added to that cell's.
    """
    top, bottom, left, right = pads
    height, width = size
    if padding_mode == "zeros":
        return np.ascontiguousarray(grad_padded[:, :, top : top + height, left : left + width])
    rows_folded = _fold_axis(grad_padded, top, height, bottom, padding_mode, axis=2)
    return np.ascontiguousarray(_fold_axis(rows_folded, left, width, right, padding_mode, axis=3))


def _fold_axis(grad: Array, before: int, size: int, after: int, padding_mode: str, axis: int) -> Array:
    """Fold the padded lines of one axis back onto the lines they copy; the axis shrinks to ``size``."""
    lines = np.moveaxis(grad, axis, 0)
    # Padding the line numbers themselves says which input line each padded line copies, by the
    # very rule the forward pass used.
    numbers = np.arange(size, dtype=np.float64).reshape(1, size)
    source = pad_planes(numbers, (0, 0, before, after), padding_mode)[0].astype(np.intp)
    folded = lines[before : before + size].copy()
    for padded_line in [*range(before), *range(before + size, before + size + after)]:
        folded[source[padded_line]] += lines[padded_line]
    return np.moveaxis(folded, 0, axis)


def transpose_forward(plan: TransposePlan, x: Array, weight: Array, bias: Array | None) -> Array:
    """conv_transpose2d of (N, C, H, W) with (C, O/groups, kH, kW), plus bias (O,): (N, O, oH, oW).

    Each input cell adds its value times the kernel onto an output window; equivalently, this is
    the gradient of conv2d (same weight, stride, padding, dilation) with respect to its input:
    the full planes, then ``padding`` cropped off each side.
    """
    full = correlate_input_grad(x, weight, plan.full_size, plan.correlation)
    ph, pw = plan.padding
    output = np.ascontiguousarray(full[:, :, ph : ph + plan.out_height, pw : pw + plan.out_width])
    if bias is not None:
        output += bias[:, None, None]
    return output


def transpose_backward(plan: TransposePlan, grad: Array, x: Array, weight: Array) -> Gradients:
    """conv_transpose2d's gradients from grad_output (N, O, oH, oW): (like x, like weight, (O,)).

    The transposed convolution is conv2d's input gradient, so its own input gradient is conv2d
    of grad_output, and its weight gradient is conv2d's weight gradient with the roles swapped.
    """
    ph, pw = plan.padding
    grad_full = pad_planes(grad, (ph, ph, pw, pw), "zeros")
    grad_input = correlate(grad_full, weight, plan.correlation)
    grad_weight = correlate_weight_grad(x, grad_full, plan.correlation)
    return grad_input, grad_weight, grad.sum(axis=(0, 2, 3))
