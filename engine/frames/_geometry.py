"""Validated shapes ("plans") of every operation that has frames, from shapes alone.

The frame generators and :func:`engine.frames.count.frame_count` share these, so a request is
refused with the same message whether it is counted or run, and the count needs no arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine._checks import PairLike, check_pad_sizes, non_negative_pair, positive_pair
from engine._pool_windows import PoolWindows, pool_windows
from engine.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    resolve_conv_padding,
)

Shape = Sequence[int]
IntArray = NDArray[np.intp]


def int_shape(shape: Shape, name: str) -> tuple[int, ...]:
    """A shape as a tuple of ints, refusing anything else (a float or bool size is a mistake)."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of ints, got {shape!r}") from None
    if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in dims):
        raise ValueError(f"{name} must be a sequence of ints, got {shape!r}")
    return tuple(int(v) for v in dims)


def batched_shape(shape: Shape, name: str) -> tuple[int, int, int, int]:
    """(N, C, H, W) from a 4-D or 3-D shape (a 3-D shape gets N = 1); every size at least 1."""
    dims = int_shape(shape, name)
    if len(dims) == 3:
        dims = (1, *dims)
    if len(dims) != 4:
        raise ValueError(f"{name} must have shape (N, C, H, W) or (C, H, W), got shape {tuple(shape)}")
    if min(dims) < 1:
        raise ValueError(f"{name} shape {tuple(shape)} has an empty dimension; every size must be at least 1")
    return dims[0], dims[1], dims[2], dims[3]


def check_groups(groups: int) -> int:
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"groups {groups!r} must be an int of at least 1")
    return int(groups)


def check_vector(shape: Shape | None, length: int, name: str, what: str) -> None:
    """A per-channel vector (bias, running statistics) must have shape (length,)."""
    if shape is not None and tuple(shape) != (length,):
        raise ValueError(
            f"{name} must have shape ({length},), one value per {what}, got shape {tuple(shape)}"
        )


def tap_coords(out_size: int, stride: int, dilation: int, kernel: int, before: int) -> IntArray:
    """Unpadded input coordinate of tap k of window o along one axis: o*stride + k*dilation - before.

    Shape (out_size, kernel); values outside 0..size-1 fall in the padding.
    """
    o = np.arange(out_size)[:, None]
    k = np.arange(kernel)[None, :]
    return (o * stride + k * dilation - before).astype(np.intp)


def source_coords(coords: IntArray, size: int, padding_mode: str) -> IntArray:
    """The real input coordinate that a (possibly padded) coordinate copies, along one axis.

    reflect mirrors about the edge cell, replicate repeats it, circular wraps around; real
    coordinates map to themselves. Not meaningful for "zeros" (padding cells copy nothing).
    """
    if padding_mode == "reflect":
        mirrored = np.where(coords < 0, -coords, coords)
        return np.where(mirrored >= size, 2 * (size - 1) - mirrored, mirrored).astype(np.intp)
    if padding_mode == "replicate":
        return np.clip(coords, 0, size - 1).astype(np.intp)
    return np.mod(coords, size).astype(np.intp)


@dataclass(frozen=True)
class ConvPlan:
    """conv2d geometry. Input (N, C, H, W), weight (O, C/groups, kH, kW), output (N, O, oH, oW)."""

    batch: int
    in_channels: int
    height: int
    width: int
    out_channels: int
    groups: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[int, int, int, int]  # top, bottom, left, right
    padding_mode: str
    out_height: int
    out_width: int

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    @property
    def padded_size(self) -> tuple[int, int]:
        top, bottom, left, right = self.pads
        return self.height + top + bottom, self.width + left + right


def _check_channel_split(in_channels: int, out_channels: int, groups: int, weight_axis: str) -> None:
    if in_channels % groups:
        raise ValueError(f"input channels {in_channels} are not divisible by groups {groups}")
    if out_channels % groups:
        raise ValueError(
            f"output channels {out_channels} ({weight_axis}) are not divisible by groups {groups}"
        )


def conv_plan(
    input_shape: Shape,
    weight_shape: Shape,
    bias_shape: Shape | None = None,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> ConvPlan:
    """Check conv2d's arguments against each other and work out the output size."""
    n, c, h, w = batched_shape(input_shape, "input")
    weight_dims = int_shape(weight_shape, "weight shape")
    if len(weight_dims) != 4 or min(weight_dims) < 1:
        raise ValueError(
            f"weight must have shape (out_channels, in_channels/groups, kH, kW) with every size at "
            f"least 1, got shape {tuple(weight_shape)}"
        )
    out_channels, in_per_group, kh, kw = weight_dims
    g = check_groups(groups)
    _check_channel_split(c, out_channels, g, "weight axis 0")
    if in_per_group * g != c:
        raise ValueError(
            f"weight expects {in_per_group} input channels per group x {g} groups = {in_per_group * g} "
            f"input channels, but the input has {c}"
        )
    check_vector(bias_shape, out_channels, "bias", "output channel")
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    pads = resolve_conv_padding(padding, (kh, kw), s, d)
    check_pad_sizes(pads, h, w, padding_mode)
    out_h = conv_output_size(h, kh, s[0], (pads[0], pads[1]), d[0]).size
    out_w = conv_output_size(w, kw, s[1], (pads[2], pads[3]), d[1]).size
    return ConvPlan(n, c, h, w, out_channels, g, (kh, kw), s, d, pads, padding_mode, out_h, out_w)


@dataclass(frozen=True)
class TransposePlan:
    """conv_transpose2d geometry. Input (N, C, H, W), weight (C, O/groups, kH, kW), output (N, O, oH, oW)."""

    batch: int
    in_channels: int
    height: int
    width: int
    out_channels: int
    groups: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int]
    out_height: int
    out_width: int

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups


def transpose_plan(
    input_shape: Shape,
    weight_shape: Shape,
    bias_shape: Shape | None = None,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> TransposePlan:
    """Check conv_transpose2d's arguments and work out the output size."""
    n, c, h, w = batched_shape(input_shape, "input")
    weight_dims = int_shape(weight_shape, "weight shape")
    if len(weight_dims) != 4 or min(weight_dims) < 1:
        raise ValueError(
            f"weight must have shape (in_channels, out_channels/groups, kH, kW) with every size at "
            f"least 1, got shape {tuple(weight_shape)}"
        )
    weight_in, out_per_group, kh, kw = weight_dims
    if weight_in != c:
        raise ValueError(f"weight expects {weight_in} input channels (its axis 0), but the input has {c}")
    g = check_groups(groups)
    _check_channel_split(c, out_per_group * g, g, "weight axis 1 x groups")
    check_vector(bias_shape, out_per_group * g, "bias", "output channel")
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    p = non_negative_pair(padding, "padding")
    op = non_negative_pair(output_padding, "output_padding")
    out_h = conv_transpose_output_size(h, kh, s[0], p[0], op[0], d[0]).size
    out_w = conv_transpose_output_size(w, kw, s[1], p[1], op[1], d[1]).size
    return TransposePlan(n, c, h, w, out_per_group * g, g, (kh, kw), s, d, p, out_h, out_w)


def pool_plan(
    input_shape: Shape,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
    *,
    max_pool: bool = False,
) -> PoolWindows:
    """Pooling geometry of a 4-D or 3-D input shape, checked by the pooling functions' own rules.

    ``max_pool`` refuses windows that read only padding (max pooling has no value to take there).
    """
    return pool_windows(
        batched_shape(input_shape, "input"),
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        max_pool=max_pool,
    )


@dataclass(frozen=True)
class NormPlan:
    """Batch-norm geometry: input (N, C, H, W), statistics over N*H*W values per channel."""

    batch: int
    channels: int
    height: int
    width: int

    @property
    def count(self) -> int:
        return self.batch * self.height * self.width


def norm_plan(input_shape: Shape, training: bool, *vectors: tuple[Shape | None, str]) -> NormPlan:
    """Check a batch-norm input (N, C, H, W) and its per-channel vectors (running stats, gamma, beta)."""
    # Messages as engine.norm gives them, so counting and running refuse alike.
    dims = int_shape(input_shape, "input shape")
    if len(dims) != 4:
        raise ValueError(f"input must have shape (N, C, H, W), got shape {dims}")
    if min(dims) < 1:
        raise ValueError(f"input shape {dims} has an empty dimension; every size must be at least 1")
    plan = NormPlan(*dims)
    for shape, name in vectors:
        check_vector(shape, plan.channels, name, "channel")
    if training and plan.count < 2:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input shape {dims} "
            f"(N*H*W = {plan.count}): a variance needs at least two values"
        )
    return plan
