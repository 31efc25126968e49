"""2-D convolution and transposed convolution as ``torch.nn.functional`` names them, forward and backward.

Shapes (a (C, H, W) input gives an output without the batch axis too):

- ``conv2d``: input (N, C, H, W), weight (O, C/groups, kH, kW), bias (O,) -> (N, O, oH, oW)
- ``conv_transpose2d``: input (N, C, H, W), weight (C, O/groups, kH, kW), bias (O,) -> (N, O, oH, oW)

Each function here takes the arrays, builds the plan from their shapes
(:func:`engine.conv.plan.conv_plan`, :func:`engine.conv.plan.transpose_plan`: every rule is
checked there, before any arithmetic) and hands both to one of three implementations: the
vectorised one (:mod:`engine.conv.fast`), the plain loops (:mod:`engine.conv.reference`) or the
frame generators (``*_frames``, one JSON-ready dict per step, returning the result their frames
assembled). The result's dtype is the input's (integers become float64); frames are in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import DTypeLike

from engine._checks import Array, PairLike, as_float_array, restore_rank
from engine.activations import activation as check_activation
from engine.conv import fast, reference
from engine.conv.backward_frames import conv2d_backward_plan_frames
from engine.conv.frames import Activated, conv2d_plan_frames
from engine.conv.plan import ConvPlan, Gradients, TransposePlan, conv_plan, transpose_plan
from engine.conv.transpose_frames import conv_transpose2d_plan_frames
from engine.frames.cells import Frames

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
    """(plan, input, weight, bias): the arrays checked, the plan built from their shapes."""
    x, w, b = _arrays(input, weight, bias, dtype)
    plan = build(x.shape, w.shape, None if b is None else b.shape, *settings)
    return plan, x, w, b


def _batched(plan: ConvPlan | TransposePlan, x: Array) -> Array:
    """An array in the caller's rank as the 4-D array the fast path and the loops take."""
    return x if plan.batched else x[None]


def _upstream(plan: ConvPlan | TransposePlan, grad_output: Any, dtype: DTypeLike | None) -> Array:
    """grad_output (the forward output's shape, in the input's rank) checked, in ``dtype``."""
    g = as_float_array(grad_output, "grad_output")
    plan.check_grad_output(g.shape)
    return g.astype(dtype, copy=False)


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
    return restore_rank(fast.forward(plan, _batched(plan, x), w, b), not plan.batched)


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
    return restore_rank(reference.forward(plan, _batched(plan, x), w, b), not plan.batched)


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
) -> Frames[Activated]:
    """Frames of conv2d (cross-correlation) followed by an optional activation.

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0), weight (O, C/groups, kH, kW),
    bias (O,) or None; one frame per output value of (N, O, oH, oW). Arguments are checked here,
    before the first frame, and raise ValueError. The generator returns the output, and with an
    activation (output, pre_activation), assembled from its frames.
    """
    settings = (stride, padding, dilation, groups, padding_mode)
    plan, x, w, b = _planned(conv_plan, input, weight, bias, np.float64, settings)
    check_activation(activation)
    return conv2d_plan_frames(plan, x, w, b, activation)


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
    plan, x, w, _ = _planned(
        conv_plan, input, weight, None, None, (stride, padding, dilation, groups, padding_mode)
    )
    g = _upstream(plan, grad_output, x.dtype)
    grad_input, grad_weight, grad_bias = fast.backward(plan, _batched(plan, g), _batched(plan, x), w)
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
) -> Frames[Gradients]:
    """Frames of the gradients of conv2d with respect to its input, weight and bias.

    Shapes: grad_output (N, O, oH, oW), input (N, C, H, W), weight (O, C/groups, kH, kW); an
    unbatched input (C, H, W) takes grad_output (O, oH, oW) and is reported as n = 0. Order:
    every grad_input frame (n, in_channel, y, x; folds after each plane), then grad_weight
    (out_channel, in_channel, ky, kx), then grad_bias (out_channel). The generator returns what
    :func:`conv2d_backward` returns, assembled from its frames.
    """
    settings = (stride, padding, dilation, groups, padding_mode)
    plan, x, w, _ = _planned(conv_plan, input, weight, None, np.float64, settings)
    return conv2d_backward_plan_frames(plan, _upstream(plan, grad_output, np.float64), x, w)


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
    return restore_rank(fast.transpose_forward(plan, _batched(plan, x), w, b), not plan.batched)


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
    return restore_rank(reference.transpose_forward(plan, _batched(plan, x), w, b), not plan.batched)


def conv_transpose2d_frames(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> Frames[Array]:
    """Frames of the transposed convolution (the gradient of conv2d with respect to its input).

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0), weight (C, O/groups, kH, kW),
    bias (O,) or None. Scan order (n, in_channel, y, x), one "scatter" frame per input value;
    after each sample's scatters, one "bias" frame per output channel when there is a bias. The
    generator returns the output its frames built.
    """
    settings = (stride, padding, output_padding, groups, dilation)
    plan, x, w, b = _planned(transpose_plan, input, weight, bias, np.float64, settings)
    return conv_transpose2d_plan_frames(plan, x, w, b)


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
    settings = (stride, padding, output_padding, groups, dilation)
    plan, x, w, _ = _planned(transpose_plan, input, weight, None, None, settings)
    g = _upstream(plan, grad_output, x.dtype)
    grad_input, grad_weight, grad_bias = fast.transpose_backward(
        plan, _batched(plan, g), _batched(plan, x), w
    )
    return restore_rank(grad_input, not plan.batched), grad_weight, grad_bias
