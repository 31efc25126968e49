"""Argument checking for the convolution family: everything is checked before any arithmetic runs.

Each check raises ``ValueError`` naming the offending value and the rule, in the same words as
the frame plans (:mod:`engine.frames._geometry`), so a request is refused alike either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine._checks import (
    Array,
    IntPair,
    PairLike,
    as_float_array,
    check_pad_sizes,
    non_negative_pair,
    positive_pair,
)
from engine._im2col import Correlation, correlation_of
from engine.shapes import conv_output_size, conv_transpose_output_size, resolve_conv_padding


@dataclass(frozen=True)
class ConvArgs:
    """Checked conv2d arguments, weight and bias in the input's dtype.

    ``pads`` is (top, bottom, left, right); ``geometry`` describes the correlation of the padded
    input, whose output is (N, O, oH, oW) with ``geometry.out_size`` = (oH, oW).
    """

    weight: Array
    bias: Array | None
    pads: tuple[int, int, int, int]
    padding_mode: str
    geometry: Correlation


@dataclass(frozen=True)
class TransposeArgs:
    """Checked conv_transpose2d arguments. Output (N, O, oH, oW) with ``out_size`` = (oH, oW).

    ``geometry`` describes the correlation whose input gradient the transposed convolution is:
    a correlation of the (oH + 2*pH, oW + 2*pW) ``full_size`` plane giving the (H, W) input.
    """

    weight: Array
    bias: Array | None
    padding: IntPair
    out_size: IntPair
    full_size: IntPair
    geometry: Correlation


def check_input_shape(shape: tuple[int, ...]) -> None:
    if min(shape) < 1:
        raise ValueError(f"input shape {shape} has an empty dimension; every size must be at least 1")


def check_groups(groups: Any) -> int:
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"groups {groups!r} must be an int of at least 1")
    return int(groups)


def _weight(weight: Any, dtype: np.dtype[Any], layout: str) -> Array:
    w = as_float_array(weight, "weight")
    if w.ndim != 4 or min(w.shape) < 1:
        raise ValueError(
            f"weight must have shape ({layout}, kH, kW) with every size at least 1, got shape {w.shape}"
        )
    return w.astype(dtype, copy=False)


def _bias(bias: Any, out_channels: int, dtype: np.dtype[Any]) -> Array | None:
    if bias is None:
        return None
    b = as_float_array(bias, "bias")
    if b.shape != (out_channels,):
        raise ValueError(
            f"bias must have shape ({out_channels},), one value per output channel, got shape {b.shape}"
        )
    return b.astype(dtype, copy=False)


def _check_channel_split(in_channels: int, out_channels: int, groups: int, weight_axis: str) -> None:
    if in_channels % groups:
        raise ValueError(f"input channels {in_channels} are not divisible by groups {groups}")
    if out_channels % groups:
        raise ValueError(
            f"output channels {out_channels} ({weight_axis}) are not divisible by groups {groups}"
        )


def conv_args(
    input: Array,
    weight: Any,
    bias: Any,
    stride: PairLike,
    padding: PairLike | str,
    dilation: PairLike,
    groups: Any,
    padding_mode: str,
) -> ConvArgs:
    """Check conv2d's arguments against a (N, C, H, W) input."""
    check_input_shape(input.shape)
    _, channels, height, width = input.shape
    w = _weight(weight, input.dtype, "out_channels, in_channels/groups")
    out_channels, in_per_group, kh, kw = w.shape
    g = check_groups(groups)
    _check_channel_split(channels, out_channels, g, "weight axis 0")
    if in_per_group * g != channels:
        raise ValueError(
            f"weight expects {in_per_group} input channels per group x {g} groups = {in_per_group * g} "
            f"input channels, but the input has {channels}"
        )
    b = _bias(bias, out_channels, input.dtype)
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    pads = resolve_conv_padding(padding, (kh, kw), s, d)
    check_pad_sizes(pads, height, width, padding_mode)
    # Called for its checks: the (dilated) kernel must fit in the padded input.
    conv_output_size(height, kh, s[0], (pads[0], pads[1]), d[0])
    conv_output_size(width, kw, s[1], (pads[2], pads[3]), d[1])
    padded_size = (height + pads[0] + pads[1], width + pads[2] + pads[3])
    return ConvArgs(w, b, pads, padding_mode, correlation_of(padded_size, (kh, kw), s, d, g))


def transpose_args(
    input: Array,
    weight: Any,
    bias: Any,
    stride: PairLike,
    padding: PairLike,
    output_padding: PairLike,
    groups: Any,
    dilation: PairLike,
) -> TransposeArgs:
    """Check conv_transpose2d's arguments against a (N, C, H, W) input."""
    check_input_shape(input.shape)
    _, channels, height, width = input.shape
    w = _weight(weight, input.dtype, "in_channels, out_channels/groups")
    weight_in, out_per_group, kh, kw = w.shape
    if weight_in != channels:
        raise ValueError(
            f"weight expects {weight_in} input channels (its axis 0), but the input has {channels}"
        )
    g = check_groups(groups)
    _check_channel_split(channels, out_per_group * g, g, "weight axis 1 x groups")
    b = _bias(bias, out_per_group * g, input.dtype)
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    p = non_negative_pair(padding, "padding")
    op = non_negative_pair(output_padding, "output_padding")
    out_size = (
        conv_transpose_output_size(height, kh, s[0], p[0], op[0], d[0]).size,
        conv_transpose_output_size(width, kw, s[1], p[1], op[1], d[1]).size,
    )
    full_size = (out_size[0] + 2 * p[0], out_size[1] + 2 * p[1])
    # The full plane may hold more windows than the input has cells (output_padding >= stride
    # adds a row no input reaches), so the window grid is the input's size, not derived from it.
    geometry = Correlation((kh, kw), s, d, g, (height, width))
    return TransposeArgs(w, b, p, out_size, full_size, geometry)


def grad_output_array(grad_output: Any, expected: tuple[int, ...], dtype: np.dtype[Any]) -> Array:
    """grad_output as an array of the forward output's shape ``expected`` (the input's rank), in ``dtype``."""
    g = as_float_array(grad_output, "grad_output")
    if g.shape != expected:
        raise ValueError(f"grad_output shape {g.shape} does not match the output shape {expected}")
    return g.astype(dtype, copy=False)
