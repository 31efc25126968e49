"""The plans of the convolution family: every rule of conv2d and conv_transpose2d, from shapes alone.

A plan is built from the arrays' shapes and the operation's settings, before any arithmetic, by
:func:`conv_plan` or :func:`transpose_plan` (here, beside the classes); it is the only place
those rules are checked. It then knows everything a caller may want to judge before running:
the output shape and how each axis was reached, the multiply-adds, the elements the fast path
allocates, and how many frames the step-by-step versions yield. The fast path, the loop
reference and the frame generators all take a plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine._checks import (
    Array,
    IntPair,
    Pads,
    PairLike,
    Shape,
    batched_shape,
    check_pad_sizes,
    check_vector,
    int_shape,
    is_int,
    non_negative_pair,
    positive_pair,
)
from engine.conv.im2col import Correlation, correlation_of
from engine.errors import EngineError
from engine.shapes import OutputSize, conv_output_size, conv_transpose_output_size, resolve_conv_padding

Gradients = tuple[Array, Array, Array]
"""What a backward pass returns: (grad_input like the input, grad_weight like the weight, grad_bias (O,))."""


@dataclass(frozen=True)
class _ChannelPlan:
    """What conv2d and conv_transpose2d plans share: input (N, C, H, W), output (N, O, oH, oW).

    ``batched`` says whether the caller's input had the batch axis (a (C, H, W) input gives a
    (O, oH, oW) output); ``bias`` whether a bias is added.
    """

    batch: int
    in_channels: int
    height: int
    width: int
    out_channels: int
    groups: int
    kernel: IntPair
    stride: IntPair
    dilation: IntPair
    rows: OutputSize
    cols: OutputSize
    batched: bool
    bias: bool

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    @property
    def out_height(self) -> int:
        return self.rows.size

    @property
    def out_width(self) -> int:
        return self.cols.size

    @property
    def output_size(self) -> tuple[OutputSize, OutputSize]:
        """(rows, columns): each output axis with its derivation."""
        return self.rows, self.cols

    @property
    def input_shape(self) -> Shape:
        """The input's shape in the caller's rank."""
        return (self.batch, self.in_channels, self.height, self.width)[0 if self.batched else 1 :]

    @property
    def output_shape(self) -> Shape:
        """The output's shape in the input's rank: (N, O, oH, oW), or (O, oH, oW)."""
        return (self.batch, self.out_channels, self.out_height, self.out_width)[0 if self.batched else 1 :]

    @property
    def work(self) -> int:
        """Multiply-adds of the forward pass (see each plan)."""
        raise NotImplementedError

    @property
    def backward_work(self) -> int:
        """Multiply-adds of the backward pass: the input gradient and the weight gradient, one pass each."""
        return 2 * self.work

    @property
    def checked_elements(self) -> int:
        """Elements of the arrays checked for NaN and infinity (input, weight, bias): the check
        allocates a mask as large as each."""
        weight = self.out_channels * self.in_channels // self.groups * self.kernel[0] * self.kernel[1]
        return self.batch * self.in_channels * self.height * self.width + weight + self.out_channels

    def check_grad_output(self, shape: Sequence[int]) -> None:
        """An upstream gradient has the forward output's shape, in the input's rank."""
        expected = self.output_shape
        if tuple(shape) != expected:
            message = f"grad_output shape {tuple(shape)} does not match the output shape {expected}"
            raise EngineError(
                "shape_mismatch", message, field="grad_output", shape=tuple(shape), expected=expected
            )


@dataclass(frozen=True)
class ReadRegion:
    """The part of a zero-padded conv2d that its windows read, per axis (rows, then columns).

    ``outputs``: the output rows (columns) whose windows can reach a real cell; every other output
    reads only zero padding, so it is 0 (plus the bias). ``inputs``: the input rows (columns)
    those windows read, and ``pads`` (before, after): the padding they read around them. Padding a
    stride skips, and rows no window reaches, are never materialised. ``None`` for an axis where
    no window reaches a real cell (the whole output is 0 there).
    """

    outputs: tuple[slice, slice]
    inputs: tuple[slice, slice]
    pads: Pads

    @property
    def padded_size(self) -> IntPair:
        top, bottom, left, right = self.pads
        rows, cols = self.inputs
        return rows.stop - rows.start + top + bottom, cols.stop - cols.start + left + right


def read_axis(
    size: int, pads: IntPair, kernel: int, stride: int, dilation: int, out: int
) -> tuple[slice, slice, IntPair] | None:
    """One axis of :class:`ReadRegion`: (outputs, inputs, (before, after)), or None if no window
    reaches a real cell. Window y reads padded lines y*stride + i*dilation; real lines are
    before .. before + size - 1."""
    before = pads[0]
    reach = dilation * (kernel - 1)
    first = max(0, -((reach - before) // stride))  # the first window whose reach gets to line `before`
    last = min(out - 1, (before + size - 1) // stride)  # the last window starting on a real line
    if first > last:
        return None
    start, end = first * stride, last * stride + reach + 1  # padded lines [start, end) are read
    inputs = slice(max(0, start - before), min(size, end - before))
    return slice(first, last + 1), inputs, (max(0, before - start), max(0, end - before - size))


@dataclass(frozen=True)
class ConvPlan(_ChannelPlan):
    """conv2d: input (N, C, H, W), weight (O, C/groups, kH, kW), bias (O,), output (N, O, oH, oW).

    ``pads`` is (top, bottom, left, right); ``padding_mode`` says what the padding cells hold.
    """

    pads: Pads
    padding_mode: str

    @property
    def padded_size(self) -> IntPair:
        top, bottom, left, right = self.pads
        return self.height + top + bottom, self.width + left + right

    @property
    def correlation(self) -> Correlation:
        """How the kernel is laid over the padded input, for the im2col products."""
        return correlation_of(self.padded_size, self.kernel, self.stride, self.dilation, self.groups)

    @property
    def read_region(self) -> ReadRegion | None:
        """What the fast path pads and correlates (see :class:`ReadRegion`): with zero padding,
        only what the windows read; with a copying padding mode (pads smaller than the input), all.
        None when no window reaches a real cell."""
        top, bottom, left, right = self.pads
        if self.padding_mode != "zeros":
            whole = (slice(0, self.out_height), slice(0, self.out_width))
            return ReadRegion(whole, (slice(0, self.height), slice(0, self.width)), self.pads)
        rows = read_axis(
            self.height, (top, bottom), self.kernel[0], self.stride[0], self.dilation[0], self.out_height
        )
        cols = read_axis(
            self.width, (left, right), self.kernel[1], self.stride[1], self.dilation[1], self.out_width
        )
        if rows is None or cols is None:
            return None
        return ReadRegion((rows[0], cols[0]), (rows[1], cols[1]), (*rows[2], *cols[2]))

    @property
    def read_correlation(self) -> Correlation | None:
        """The correlation of the read region's padded planes (None when nothing is read)."""
        region = self.read_region
        if region is None:
            return None
        return correlation_of(region.padded_size, self.kernel, self.stride, self.dilation, self.groups)

    @property
    def work(self) -> int:
        """Multiply-adds of the forward pass: every output value reads C/groups * kH * kW weights."""
        return math.prod(self.output_shape) * self.in_per_group * self.kernel[0] * self.kernel[1]

    @property
    def memory_elements(self) -> int:
        """Elements the forward pass allocates, of whatever dtype (an upper estimate): the masks of
        the finite checks, the padded input, the output, and one im2col block with its product."""
        output = self.batch * self.out_channels * self.out_height * self.out_width
        region, correlation = self.read_region, self.read_correlation
        if region is None or correlation is None:
            return self.checked_elements + output
        padded = self.batch * self.in_channels * math.prod(region.padded_size)
        block = correlation.block_elements(self.batch, self.in_channels)
        product = block // (self.in_per_group * self.kernel[0] * self.kernel[1]) * self.out_per_group
        return self.checked_elements + 2 * padded + 2 * output + block + product

    @property
    def backward_memory_elements(self) -> int:
        """Elements the backward pass allocates: the forward's buffers, the gradient of the read
        region's padded input (the stride-1 correlation pads the upstream gradient by the kernel's
        reach and correlates it, one block at a time), the input gradient and the weight's."""
        region = self.read_region
        grad_input = self.batch * self.in_channels * self.height * self.width
        weights = self.out_channels * self.in_per_group * self.kernel[0] * self.kernel[1]
        if region is None:
            return self.memory_elements + grad_input + weights
        reach = (self.dilation[0] * (self.kernel[0] - 1), self.dilation[1] * (self.kernel[1] - 1))
        size = (region.padded_size[0] + reach[0], region.padded_size[1] + reach[1])
        channels = max(self.in_channels, self.out_channels)
        upstream = self.batch * channels * math.prod(size)
        block = correlation_of(size, self.kernel, (1, 1), self.dilation, self.groups).block_elements(
            self.batch, channels
        )
        grad_padded = self.batch * self.in_channels * math.prod(region.padded_size)
        return self.memory_elements + upstream + 2 * block + 2 * grad_padded + 2 * grad_input + weights

    @property
    def frames_memory_elements(self) -> int:
        """Elements conv2d_frames allocates (it pads nothing and runs no im2col): the masks of the
        finite checks, the input with one zero row and column, every window's cells (the input
        once per kernel tap) and their lists, the output before and after the activation."""
        taps = self.kernel[0] * self.kernel[1]
        windows = self.batch * self.in_channels * self.out_height * self.out_width * taps
        extended = self.batch * self.in_channels * (self.height + 1) * (self.width + 1)
        output = self.batch * self.out_channels * self.out_height * self.out_width
        return self.checked_elements + extended + 2 * windows + 2 * output

    @property
    def backward_frames_memory_elements(self) -> int:
        """Elements conv2d_backward_frames allocates: the forward frames' buffers, the gradients,
        and the upstream gradient read by every cell and tap of the whole padded plane."""
        taps = self.kernel[0] * self.kernel[1]
        upstream = self.batch * self.out_channels * math.prod(self.padded_size) * taps
        grad_input = self.batch * self.in_channels * self.height * self.width
        weights = self.out_channels * self.in_per_group * taps
        return self.frames_memory_elements + upstream + grad_input + weights

    @property
    def frame_count(self) -> int:
        """Frames of conv2d_frames: one per output value."""
        return self.batch * self.out_channels * self.out_height * self.out_width

    @property
    def backward_frame_count(self) -> int:
        """Frames of conv2d_backward_frames: the input gradient, one per weight, one per bias.

        With a non-zero padding mode the input gradient covers the whole padded plane and then
        folds each padding cell back onto the cell it copies, one frame per padding cell.
        """
        planes = self.batch * self.in_channels
        real = self.height * self.width
        padded = math.prod(self.padded_size)
        grad_input = planes * (real if self.padding_mode == "zeros" else 2 * padded - real)
        grad_weight = self.out_channels * self.in_per_group * self.kernel[0] * self.kernel[1]
        return grad_input + grad_weight + self.out_channels


@dataclass(frozen=True)
class TransposePlan(_ChannelPlan):
    """conv_transpose2d: input (N, C, H, W), weight (C, O/groups, kH, kW), bias (O,), output (N, O, oH, oW).

    ``padding`` crops (rows, columns) off each side of the full scatter, whose planes are
    ``full_size``; ``output_padding`` adds rows and columns at the bottom and right.
    """

    padding: IntPair
    output_padding: IntPair

    @property
    def full_size(self) -> IntPair:
        """The uncropped output plane every input cell scatters into: (oH + 2*pH, oW + 2*pW)."""
        return self.out_height + 2 * self.padding[0], self.out_width + 2 * self.padding[1]

    @property
    def correlation(self) -> Correlation:
        """The correlation whose input gradient this transposed convolution is.

        The full plane may hold more windows than the input has cells (output_padding >= stride
        adds a row no input reaches), so the window grid is the input's size, not derived from it.
        """
        return Correlation(self.kernel, self.stride, self.dilation, self.groups, (self.height, self.width))

    @property
    def work(self) -> int:
        """Multiply-adds: every input value times the O/groups * kH * kW weights it scatters."""
        return math.prod(self.input_shape) * self.out_per_group * self.kernel[0] * self.kernel[1]

    @property
    def memory_elements(self) -> int:
        """Elements the forward pass allocates, of whatever dtype (an upper estimate): the masks of
        the finite checks, the full scatter planes, the cropped output, one block of columns."""
        full = self.batch * self.out_channels * math.prod(self.full_size)
        output = self.batch * self.out_channels * self.out_height * self.out_width
        block = self.correlation.block_elements(self.batch, self.out_channels)
        return self.checked_elements + 2 * full + output + block

    @property
    def backward_memory_elements(self) -> int:
        """Elements the backward pass allocates: the padded upstream gradient (the full planes),
        the input gradient with one block of columns and its product, the weight gradient."""
        full = self.batch * self.out_channels * math.prod(self.full_size)
        grad_input = self.batch * self.in_channels * self.height * self.width
        block = self.correlation.block_elements(self.batch, self.out_channels)
        weights = self.in_channels * self.out_per_group * self.kernel[0] * self.kernel[1]
        return self.checked_elements + full + 2 * grad_input + 2 * block + weights

    @property
    def frame_count(self) -> int:
        """Frames of conv_transpose2d_frames: one scatter per input value, then one per output
        channel and sample for the bias."""
        scatters = self.batch * self.in_channels * self.height * self.width
        return scatters + (self.batch * self.out_channels if self.bias else 0)


def weight_dims(weight_shape: Sequence[int], layout: str) -> tuple[int, int, int, int]:
    dims = int_shape(weight_shape, "weight shape", "weight")
    if len(dims) != 4 or min(dims) < 1:
        raise EngineError(
            "bad_shape",
            f"weight must have shape ({layout}, kH, kW) with every size at least 1, got shape {dims}",
            field="weight",
            shape=dims,
        )
    return dims[0], dims[1], dims[2], dims[3]


def check_groups(groups: Any) -> int:
    if not is_int(groups) or groups < 1:
        code = "must_be_positive" if is_int(groups) else "not_an_int"
        raise EngineError(
            code, f"groups {groups!r} must be an int of at least 1", field="groups", value=repr(groups)
        )
    return int(groups)


def check_split(in_channels: int, out_channels: int, g: int, out_axis: str) -> None:
    """Both channel counts must split into the groups."""
    if in_channels % g:
        message = f"input channels {in_channels} are not divisible by groups {g}"
        raise EngineError("not_divisible_by_groups", message, field="groups", channels=in_channels, groups=g)
    if out_channels % g:
        message = f"output channels {out_channels} ({out_axis}) are not divisible by groups {g}"
        raise EngineError("not_divisible_by_groups", message, field="groups", channels=out_channels, groups=g)


def conv_axis(size: int, kernel: int, stride: int, pads: IntPair, dilation: int) -> OutputSize:
    """One output axis of a convolution; a kernel that does not fit is the weight's fault."""
    try:
        return conv_output_size(size, kernel, stride, pads, dilation)
    except EngineError as error:
        raise error.at("weight") from None


def conv_plan(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    bias_shape: Sequence[int] | None = None,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> ConvPlan:
    """Check conv2d's arguments against each other and work out the output (see :class:`ConvPlan`).

    ``input_shape`` is (N, C, H, W) or (C, H, W); ``bias_shape`` None means no bias.
    """
    n, c, h, w = batched_shape(input_shape, "input")
    out_channels, in_per_group, kh, kw = weight_dims(weight_shape, "out_channels, in_channels/groups")
    g = check_groups(groups)
    check_split(c, out_channels, g, "weight axis 0")
    if in_per_group * g != c:
        message = (
            f"weight expects {in_per_group} input channels per group x {g} groups = {in_per_group * g} "
            f"input channels, but the input has {c}"
        )
        raise EngineError("channel_mismatch", message, field="weight", expected=in_per_group * g, channels=c)
    check_vector(bias_shape, out_channels, "bias", "output channel")
    s, d = positive_pair(stride, "stride"), positive_pair(dilation, "dilation")
    pads = resolve_conv_padding(padding, (kh, kw), s, d)
    check_pad_sizes(pads, h, w, padding_mode)
    rows = conv_axis(h, kh, s[0], (pads[0], pads[1]), d[0])
    cols = conv_axis(w, kw, s[1], (pads[2], pads[3]), d[1])
    batched = len(input_shape) == 4
    return ConvPlan(
        n,
        c,
        h,
        w,
        out_channels,
        g,
        (kh, kw),
        s,
        d,
        rows,
        cols,
        batched,
        bias_shape is not None,
        pads,
        padding_mode,
    )


def transpose_plan(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    bias_shape: Sequence[int] | None = None,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> TransposePlan:
    """Check conv_transpose2d's arguments and work out the output (see :class:`TransposePlan`)."""
    n, c, h, w = batched_shape(input_shape, "input")
    weight_in, out_per_group, kh, kw = weight_dims(weight_shape, "in_channels, out_channels/groups")
    if weight_in != c:
        message = f"weight expects {weight_in} input channels (its axis 0), but the input has {c}"
        raise EngineError("channel_mismatch", message, field="weight", expected=weight_in, channels=c)
    g = check_groups(groups)
    check_split(c, out_per_group * g, g, "weight axis 1 x groups")
    check_vector(bias_shape, out_per_group * g, "bias", "output channel")
    s, d = positive_pair(stride, "stride"), positive_pair(dilation, "dilation")
    p, op = non_negative_pair(padding, "padding"), non_negative_pair(output_padding, "output_padding")
    rows, cols = (
        conv_transpose_output_size((h, w)[axis], (kh, kw)[axis], s[axis], p[axis], op[axis], d[axis])
        for axis in (0, 1)
    )
    batched = len(input_shape) == 4
    return TransposePlan(
        n, c, h, w, out_per_group * g, g, (kh, kw), s, d, rows, cols, batched, bias_shape is not None, p, op
    )
