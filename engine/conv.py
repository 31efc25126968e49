"""2-D convolution and transposed convolution, forward and backward, as ``torch.nn.functional`` computes them.

Shapes (a (C, H, W) input gives an output without the batch axis too):

- ``conv2d``: input (N, C, H, W), weight (O, C/groups, kH, kW), bias (O,) -> (N, O, oH, oW)
- ``conv_transpose2d``: input (N, C, H, W), weight (C, O/groups, kH, kW), bias (O,) -> (N, O, oH, oW)

Like every framework, "convolution" here is cross-correlation: the kernel is not flipped.
``padding_mode`` other than "zeros" pads the input with copies of its own cells first (as
``torch.nn.Conv2d`` does) and then convolves without padding; the gradient of a padding cell goes
back to the cell it copies. The result's dtype is the input's (integers become float64).

The vectorised work lives in :mod:`engine._im2col`; :func:`conv2d_reference` and
:func:`conv_transpose2d_reference` are the slow, evidently right loops it is tested against.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine._checks import Array, PairLike, pad_planes, restore_rank, to_batched
from engine._conv_args import conv_args, grad_output_array, transpose_args
from engine._im2col import correlate, correlate_input_grad, correlate_weight_grad

Gradients = tuple[Array, Array, Array]


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> Array:
    """Convolve (N, C, H, W) with (O, C/groups, kH, kW) and add bias (O,): returns (N, O, oH, oW).

    ``padding`` is an int, a (rows, columns) pair, "valid" (none) or "same" (stride 1 only; when
    the total d*(k-1) is odd the smaller half goes first, top and left).
    """
    x, added_batch = to_batched(input, "input")
    args = conv_args(x, weight, bias, stride, padding, dilation, groups, padding_mode)
    output = correlate(pad_planes(x, args.pads, padding_mode), args.weight, args.geometry)
    if args.bias is not None:
        output += args.bias[:, None, None]
    return restore_rank(output, added_batch)


def conv2d_backward(
    grad_output: Any,
    input: Any,
    weight: Any,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> Gradients:
    """Gradients of conv2d: (grad_input like input, grad_weight like weight, grad_bias (O,)).

    ``grad_output`` has the forward output's shape. The bias gradient does not depend on whether
    the forward pass had a bias: it is grad_output summed over the batch and every position.
    """
    x, added_batch = to_batched(input, "input")
    args = conv_args(x, weight, None, stride, padding, dilation, groups, padding_mode)
    expected = (x.shape[0], args.weight.shape[0], *args.geometry.out_size)
    grad = grad_output_array(grad_output, expected[1:] if added_batch else expected, x.dtype)
    grad = grad[None] if added_batch else grad
    padded = pad_planes(x, args.pads, padding_mode)
    grad_weight = correlate_weight_grad(grad, padded, args.geometry)
    grad_padded = correlate_input_grad(grad, args.weight, padded.shape[2:], args.geometry)
    grad_input = _unpad_gradient(grad_padded, args.pads, padding_mode, x.shape[2:])
    return restore_rank(grad_input, added_batch), grad_weight, grad.sum(axis=(0, 2, 3))


def _unpad_gradient(
    grad_padded: Array, pads: tuple[int, int, int, int], padding_mode: str, size: tuple[int, ...]
) -> Array:
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


def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> Array:
    """Transposed convolution of (N, C, H, W) with (C, O/groups, kH, kW): returns (N, O, oH, oW).

    oH = (H - 1)*sH - 2*pH + dH*(kH - 1) + output_padding + 1. Each input cell adds its value times
    the kernel onto an output window; equivalently, this is the gradient of conv2d (same weight,
    stride, padding, dilation) with respect to its input.
    """
    x, added_batch = to_batched(input, "input")
    args = transpose_args(x, weight, bias, stride, padding, output_padding, groups, dilation)
    full = correlate_input_grad(x, args.weight, args.full_size, args.geometry)
    (ph, pw), (out_h, out_w) = args.padding, args.out_size
    output = np.ascontiguousarray(full[:, :, ph : ph + out_h, pw : pw + out_w])
    if args.bias is not None:
        output += args.bias[:, None, None]
    return restore_rank(output, added_batch)


def conv_transpose2d_backward(
    grad_output: Any,
    input: Any,
    weight: Any,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> Gradients:
    """Gradients of conv_transpose2d: (grad_input like input, grad_weight like weight, grad_bias (O,)).

    The transposed convolution is conv2d's input gradient, so its own input gradient is conv2d
    of grad_output, and its weight gradient is conv2d's weight gradient with the roles swapped.
    """
    x, added_batch = to_batched(input, "input")
    args = transpose_args(x, weight, None, stride, padding, output_padding, groups, dilation)
    expected = (x.shape[0], args.weight.shape[1] * args.geometry.groups, *args.out_size)
    grad = grad_output_array(grad_output, expected[1:] if added_batch else expected, x.dtype)
    grad = grad[None] if added_batch else grad
    ph, pw = args.padding
    grad_full = pad_planes(grad, (ph, ph, pw, pw), "zeros")
    grad_input = correlate(grad_full, args.weight, args.geometry)
    grad_weight = correlate_weight_grad(x, grad_full, args.geometry)
    return restore_rank(grad_input, added_batch), grad_weight, grad.sum(axis=(0, 2, 3))


def conv2d_reference(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> Array:
    """:func:`conv2d` one output value at a time: the window times the kernel, summed, plus bias."""
    x, added_batch = to_batched(input, "input")
    args = conv_args(x, weight, bias, stride, padding, dilation, groups, padding_mode)
    padded = pad_planes(x, args.pads, padding_mode)
    w = args.weight
    out_channels, in_per_group, kh, kw = w.shape
    (sh, sw), (dh, dw) = args.geometry.stride, args.geometry.dilation
    out_h, out_w = args.geometry.out_size
    output = np.zeros((x.shape[0], out_channels, out_h, out_w), dtype=x.dtype)
    for n in range(x.shape[0]):
        for o in range(out_channels):
            group = o // (out_channels // args.geometry.groups)
            channels = slice(group * in_per_group, (group + 1) * in_per_group)
            for row in range(out_h):
                for col in range(out_w):
                    rows = slice(row * sh, row * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(col * sw, col * sw + dw * (kw - 1) + 1, dw)
                    output[n, o, row, col] = np.sum(padded[n, channels, rows, cols] * w[o])
            if args.bias is not None:
                output[n, o] += args.bias[o]
    return restore_rank(output, added_batch)


def conv_transpose2d_reference(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> Array:
    """:func:`conv_transpose2d` one input value at a time: each adds its value times the kernel
    onto the output window it reaches (the window starts at its position times the stride)."""
    x, added_batch = to_batched(input, "input")
    args = transpose_args(x, weight, bias, stride, padding, output_padding, groups, dilation)
    w = args.weight
    in_channels, out_per_group, kh, kw = w.shape
    (sh, sw), (dh, dw) = args.geometry.stride, args.geometry.dilation
    in_per_group = in_channels // args.geometry.groups
    full = np.zeros((x.shape[0], out_per_group * args.geometry.groups, *args.full_size), dtype=x.dtype)
    for n in range(x.shape[0]):
        for c in range(in_channels):
            group = c // in_per_group
            channels = slice(group * out_per_group, (group + 1) * out_per_group)
            for row in range(x.shape[2]):
                for col in range(x.shape[3]):
                    rows = slice(row * sh, row * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(col * sw, col * sw + dw * (kw - 1) + 1, dw)
                    full[n, channels, rows, cols] += x[n, c, row, col] * w[c]
    (ph, pw), (out_h, out_w) = args.padding, args.out_size
    output = full[:, :, ph : ph + out_h, pw : pw + out_w].copy()
    if args.bias is not None:
        output += args.bias[:, None, None]
    return restore_rank(output, added_batch)
