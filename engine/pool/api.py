"""Max and average pooling as ``torch.nn.functional`` names them, forward and backward.

Shapes: input (N, C, H, W) or (C, H, W); output (N, C, oH, oW) or (C, oH, oW), the input's rank.
Output sizes follow PyTorch's rule, ``ceil_mode`` included (see :func:`engine.shapes.pool_output_size`).
Max pooling returns the switches as PyTorch does: the flat position ``row * W + column`` of each
window's first maximum in scan order, in the unpadded input plane (int64).

Each function takes the arrays, builds the plan from their shapes (:mod:`engine.pool.plan`,
where every rule is checked) and runs one of three implementations on it: the vectorised one
(:mod:`engine.pool.fast`), the plain loops (:mod:`engine.pool.reference`) or the frame
generators (:mod:`engine.pool.frames`, frames in float64, returning the result they assembled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine._checks import Array, PairLike, as_float_array, to_batched
from engine.errors import EngineError
from engine.frames.cells import Frames
from engine.pool import fast, frames, reference
from engine.pool.plan import IndexArray, Mode, PoolPlan, pool_plan, target_shape


def _planned(
    input: Any, settings: tuple[Any, ...], mode: Mode, count_include_pad: Any = True
) -> tuple[PoolPlan, Array]:
    """(plan, 4-D input): the input checked, the plan built from its shape and ``settings``."""
    x = as_float_array(input, "input")
    plan = pool_plan(x.shape, *settings, mode=mode, count_include_pad=count_include_pad)
    return plan, x if plan.batched else x[None]


def _upstream(plan: PoolPlan, grad_output: Any) -> Array:
    """grad_output as a 4-D array of the pooled output's shape."""
    g, _ = to_batched(grad_output, "grad_output")
    plan.check_grad_output(g.shape)
    return g


def _backward_plan(
    grad_output: Any, input_shape: Sequence[int], settings: tuple[Any, ...], include: Any
) -> tuple[PoolPlan, Array]:
    """Average pooling's plan for an ``input_shape`` checked against grad_output, and grad_output (4-D)."""
    g, added_batch = to_batched(grad_output, "grad_output")
    plan = pool_plan(
        target_shape(input_shape, g.shape, added_batch), *settings, mode="avg", count_include_pad=include
    )
    plan.check_grad_output(g.shape)
    return plan, g


def max_pool2d(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
) -> tuple[Array, IndexArray]:
    """Max pooling and its switches.

    Returns ``(output, indices)``, both shaped (N, C, oH, oW) (or (C, oH, oW)); ``indices`` are
    int64 flat positions ``row * W + column`` in each unpadded input plane. Padding cells act as
    -infinity, so they are never the maximum (every window must cover at least one input cell).
    """
    plan, x = _planned(input, (kernel_size, stride, padding, dilation, ceil_mode), "max")
    output, indices = fast.max_forward(plan, x)
    return plan.restore(output), plan.restore(indices)


def max_pool2d_reference(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
) -> tuple[Array, IndexArray]:
    """:func:`max_pool2d` one output at a time, with plain loops; for tests and small examples."""
    plan, x = _planned(input, (kernel_size, stride, padding, dilation, ceil_mode), "max")
    output, indices = reference.max_forward(plan, x)
    return plan.restore(output), plan.restore(indices)


def max_pool2d_frames(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
) -> Frames[tuple[Array, IndexArray]]:
    """Frames of max pooling: each window's values, its switch (first maximum) and the output.

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0); output (N, C, oH, oW). The
    generator returns what :func:`max_pool2d` returns, assembled from its frames.
    """
    plan, x = _planned(input, (kernel_size, stride, padding, dilation, ceil_mode), "max")
    return frames.max_pool2d_plan_frames(plan, x)


def max_pool2d_backward(grad_output: Any, indices: Any, input_shape: Sequence[int]) -> Array:
    """Route each output gradient to its switch; where windows overlap the gradients add up.

    Shapes: grad_output and indices (N, C, oH, oW) or (C, oH, oW); returns ``input_shape``.
    """
    grad, added_batch = to_batched(grad_output, "grad_output")
    switch = np.asarray(indices)
    if switch.shape != np.shape(grad_output):
        message = f"indices must have grad_output's shape {np.shape(grad_output)}, got shape {switch.shape}"
        raise EngineError(
            "shape_mismatch", message, field="indices", shape=switch.shape, expected=np.shape(grad_output)
        )
    if not np.issubdtype(switch.dtype, np.integer):
        message = f"indices must be integers (flat positions in each input plane), got dtype {switch.dtype}"
        raise EngineError("bad_indices", message, field="indices", dtype=str(switch.dtype))
    shape = target_shape(input_shape, grad.shape, added_batch)
    n, c, h, w = (1, *shape) if added_batch else shape
    plane = h * w
    if switch.size and (switch.min() < 0 or switch.max() >= plane):
        bad = int(switch.min()) if switch.min() < 0 else int(switch.max())
        message = f"index {bad} lies outside the input plane of {h}x{w} = {plane} positions"
        raise EngineError("bad_indices", message, field="indices", index=bad, positions=plane)
    grad_input = fast.max_backward(grad, switch, (n, c, h, w))
    return grad_input[0] if added_batch else grad_input


def max_pool2d_backward_frames(
    grad_output: Any,
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
) -> Frames[Array]:
    """Frames of max pooling's backward pass: each upstream gradient routed to its window's switch.

    Shapes: grad_output (N, C, oH, oW), input (N, C, H, W) (3-D arrays read as N = 1). Where
    windows overlap a cell can receive several gradients; ``before``/``after`` give its running total.
    The generator returns grad_input (the input's shape), assembled from its frames.
    """
    plan, x = _planned(input, (kernel_size, stride, padding, dilation, ceil_mode), "max")
    return frames.max_pool2d_backward_plan_frames(plan, _upstream(plan, grad_output), x)


def avg_pool2d(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Array:
    """Average pooling: each window's sum divided by its divisor, by PyTorch's rule.

    With ``count_include_pad`` the divisor counts the window's cells inside the padded input
    (padding included, a ``ceil_mode`` overhang past the padding not); without it only the
    window's input cells. Shapes: input (N, C, H, W) or (C, H, W) -> (N, C, oH, oW) or (C, oH, oW).
    """
    plan, x = _planned(input, (kernel_size, stride, padding, 1, ceil_mode), "avg", count_include_pad)
    return plan.restore(fast.avg_forward(plan, x))


def avg_pool2d_reference(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Array:
    """:func:`avg_pool2d` one output at a time, with plain loops, counting each window's cells."""
    plan, x = _planned(input, (kernel_size, stride, padding, 1, ceil_mode), "avg", count_include_pad)
    return plan.restore(reference.avg_forward(plan, x))


def avg_pool2d_frames(
    input: Any,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Frames[Array]:
    """Frames of average pooling: each window's values, their sum, the divisor and which cells it counts.

    Shapes: input (N, C, H, W) or (C, H, W) (reported as n = 0); output (N, C, oH, oW). The
    generator returns the output, assembled from its frames.
    """
    plan, x = _planned(input, (kernel_size, stride, padding, 1, ceil_mode), "avg", count_include_pad)
    return frames.avg_pool2d_plan_frames(plan, x)


def avg_pool2d_backward(
    grad_output: Any,
    input_shape: Sequence[int],
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Array:
    """Spread each output gradient evenly over its window (divided by the same divisor as forward).

    Shapes: grad_output (N, C, oH, oW) or (C, oH, oW); returns ``input_shape``.
    """
    plan, g = _backward_plan(
        grad_output, input_shape, (kernel_size, stride, padding, 1, ceil_mode), count_include_pad
    )
    grad_input = fast.avg_backward(plan, g)
    return grad_input if plan.batched else grad_input[0]


def avg_pool2d_backward_frames(
    grad_output: Any,
    input_shape: Sequence[int],
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Frames[Array]:
    """Frames of average pooling's backward pass: each gradient spread evenly over its window.

    Every counted cell receives share = grad / divisor; only real cells keep it (``before``/``after``
    give their running totals, None for padding cells). Shapes: grad_output (N, C, oH, oW) and
    ``input_shape`` (N, C, H, W) or (C, H, W). The generator returns grad_input (``input_shape``),
    assembled from its frames.
    """
    plan, g = _backward_plan(
        grad_output, input_shape, (kernel_size, stride, padding, 1, ceil_mode), count_include_pad
    )
    return frames.avg_pool2d_backward_plan_frames(plan, g)
