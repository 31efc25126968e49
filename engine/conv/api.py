"""2-D convolution and transposed convolution as ``torch.nn.functional`` names them, forward and backward.

Shapes (a (C, H, W) input gives an output without the batch axis too):

- ``conv2d``: input (N, C, H, W), weight (O, C/groups, kH, kW), bias (O,) -> (N, O, oH, oW)
- ``conv_transpose2d``: input (N, C, H, W), weight (C, O/groups, kH, kW), bias (O,) -> (N, O, oH, oW)

Each function here takes the arrays, builds the plan from their shapes (:func:`conv_plan`,
:func:`transpose_plan`: every rule is checked there, before any arithmetic) and hands both to
one of three implementations: the vectorised
one (:mod:`engine.conv.fast`), the plain loops (:mod:`engine.conv.reference`) or the frame
generators (``*_frames``, one JSON-ready dict per step). The result's dtype is the input's
(integers become float64); frames are in float64.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import DTypeLike

from engine._checks import (
    Array,
    PairLike,
    as_float_array,
    batched_shape,
    check_pad_sizes,
    check_vector,
    non_negative_pair,
    positive_pair,
    restore_rank,
)
from engine.activations import activation as check_activation
from engine.conv import fast, reference
from engine.conv.backward_frames import backward_frames
from engine.conv.frames import forward_frames
from engine.conv.plan import ConvPlan, TransposePlan, check_groups, check_split, conv_axis, weight_dims
from engine.conv.transpose_frames import transpose_frames
from engine.errors import EngineError
from engine.frames.cells import Frame
from engine.shapes import conv_transpose_output_size, resolve_conv_padding

Plan = TypeVar("Plan", ConvPlan, TransposePlan)


def _arrays(input: Any, weight: Any, bias: Any, dtype: DTypeLike | None) -> tuple[Array, Array, Array | None]:
    """input, weight and bias as finite float arrays in ``dtype`` (None: the input's dtype)."""
    x = as_float_array(input, "input")
    target = x.dtype if dtype is None else np.dtype(dtype)
    w = as_float_array(weight, "weight").astype(target, copy=False)
    b = None if bias is None else as_float_array(bias, "bias").astype(target, copy=False)
    return x.astype(target, copy=False), w, b


def _planned(
    build: Callable[..., Plan],
    input: Any,
    weight: Any,
    bias: Any,
    dtype: DTypeLike | None,
    settings: tuple[Any, ...],
) -> tuple[Plan, Array, Array, Array | None]:
    """(plan, 4-D input, weight, bias): the arrays checked, the plan built from their shapes."""
    x, w, b = _arrays(input, weight, bias, dtype)
    plan = build(x.shape, w.shape, None if b is None else b.shape, *settings)
    return plan, x if plan.batched else x[None], w, b


def _upstream(plan: ConvPlan | TransposePlan, grad_output: Any, dtype: DTypeLike | None) -> Array:
    """grad_output (the forward output's shape, in the input's rank) as a 4-D array in ``dtype``."""
    g = as_float_array(grad_output, "grad_output")
    plan.check_grad_output(g.shape)
    g = g.astype(dtype, copy=False)
    return g if plan.batched else g[None]


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
    plan, x, w, b = _planned(
        conv_plan, input, weight, bias, None, (stride, padding, dilation, groups, padding_mode)
    )
    return restore_rank(fast.forward(plan, x, w, b), not plan.batched)


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
    """:func:`conv2d` one output value at a time (:func:`engine.conv.reference.forward`)."""
    plan, x, w, b = _planned(
        conv_plan, input, weight, bias, None, (stride, padding, dilation, groups, padding_mode)
    )
    return restore_rank(reference.forward(plan, x, w, b), not plan.batched)


def conv2d_frames(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    activation: str = "none",
) -> Iterator[Frame]:
    """Frames of conv2d (cross-correlation) followed by an optional activation.

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0), weight (O, C/groups, kH, kW),
    bias (O,) or None; one frame per output value of (N, O, oH, oW). Arguments are checked here,
    before the first frame, and raise ValueError.
    """
    settings = (stride, padding, dilation, groups, padding_mode)
    plan, x, w, b = _planned(conv_plan, input, weight, bias, np.float64, settings)
    check_activation(activation)
    return forward_frames(plan, x, w, b, activation)


def conv2d_backward(
    grad_output: Any,
    input: Any,
    weight: Any,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> fast.Gradients:
    """Gradients of conv2d: (grad_input like input, grad_weight like weight, grad_bias (O,)).

    ``grad_output`` has the forward output's shape. The bias gradient does not depend on whether
    the forward pass had a bias: it is grad_output summed over the batch and every position.
    """
    plan, x, w, _ = _planned(
        conv_plan, input, weight, None, None, (stride, padding, dilation, groups, padding_mode)
    )
    grad_input, grad_weight, grad_bias = fast.backward(plan, _upstream(plan, grad_output, x.dtype), x, w)
    return restore_rank(grad_input, not plan.batched), grad_weight, grad_bias


def conv2d_backward_frames(
    grad_output: Any,
    input: Any,
    weight: Any,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> Iterator[Frame]:
    """Frames of the gradients of conv2d with respect to its input, weight and bias.

    Shapes: grad_output (N, O, oH, oW), input (N, C, H, W), weight (O, C/groups, kH, kW); an
    unbatched input (C, H, W) takes grad_output (O, oH, oW) and is reported as n = 0. Order:
    every grad_input frame (n, in_channel, y, x; folds after each plane), then grad_weight
    (out_channel, in_channel, ky, kx), then grad_bias (out_channel).
    """
    settings = (stride, padding, dilation, groups, padding_mode)
    plan, x, w, _ = _planned(conv_plan, input, weight, None, np.float64, settings)
    return backward_frames(plan, _upstream(plan, grad_output, np.float64), x, w)


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
    settings = (stride, padding, output_padding, groups, dilation)
    plan, x, w, b = _planned(transpose_plan, input, weight, bias, None, settings)
    return restore_rank(fast.transpose_forward(plan, x, w, b), not plan.batched)


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
    """:func:`conv_transpose2d` one input value at a time (see :mod:`engine.conv.reference`)."""
    settings = (stride, padding, output_padding, groups, dilation)
    plan, x, w, b = _planned(transpose_plan, input, weight, bias, None, settings)
    return restore_rank(reference.transpose_forward(plan, x, w, b), not plan.batched)


def conv_transpose2d_frames(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> Iterator[Frame]:
    """Frames of the transposed convolution (the gradient of conv2d with respect to its input).

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0), weight (C, O/groups, kH, kW),
    bias (O,) or None. Scan order (n, in_channel, y, x), one "scatter" frame per input value;
    after each sample's scatters, one "bias" frame per output channel when there is a bias.
    """
    settings = (stride, padding, output_padding, groups, dilation)
    plan, x, w, b = _planned(transpose_plan, input, weight, bias, np.float64, settings)
    return transpose_frames(plan, x, w, b)


def conv_transpose2d_backward(
    grad_output: Any,
    input: Any,
    weight: Any,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> fast.Gradients:
    """Gradients of conv_transpose2d: (grad_input like input, grad_weight like weight, grad_bias (O,)).

    The transposed convolution is conv2d's input gradient, so its own input gradient is conv2d
    of grad_output, and its weight gradient is conv2d's weight gradient with the roles swapped.
    """
    settings = (stride, padding, output_padding, groups, dilation)
    plan, x, w, _ = _planned(transpose_plan, input, weight, None, None, settings)
    grad_input, grad_weight, grad_bias = fast.transpose_backward(
        plan, _upstream(plan, grad_output, x.dtype), x, w
    )
    return restore_rank(grad_input, not plan.batched), grad_weight, grad_bias
