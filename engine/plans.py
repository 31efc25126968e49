"""Which plan each operation has, and :func:`frame_count`: the frames of a request, from shapes alone.

A count builds the operation's own plan (the one its generator builds), so an invalid request
raises the same error here as it would when run, and a huge one can be refused before any array
exists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from engine.activations import activation as check_activation
from engine.conv.plan import conv_plan, transpose_plan
from engine.errors import EngineError
from engine.norm.plan import norm_backward_plan, norm_plan
from engine.pool.plan import PoolPlan, pool_plan

ARRAY_ARGUMENTS = ("input", "weight", "bias", "grad_output", "running_mean", "running_var")


def _pool_upstream(plan: PoolPlan, grad_output_shape: Sequence[int] | None) -> PoolPlan:
    """A counted pooling backward request's grad_output must have the pooled shape."""
    if grad_output_shape is not None:
        plan.check_grad_output(grad_output_shape)
    return plan


def _conv2d(activation: str = "none", **shapes: Any) -> int:
    plan = conv_plan(**shapes)
    check_activation(activation)
    return plan.frame_count


def _conv2d_backward(grad_output_shape: Sequence[int] | None = None, **shapes: Any) -> int:
    plan = conv_plan(**shapes)
    if grad_output_shape is not None:
        plan.check_grad_output(
            grad_output_shape
        )  # conv2d_backward's rule: the output's shape, in the input's rank
    return plan.backward_frame_count


def _max_pool2d(grad_output_shape: Sequence[int] | None = None, **shapes: Any) -> int:
    return _pool_upstream(pool_plan(**shapes, mode="max"), grad_output_shape).frame_count


def _avg_pool2d(grad_output_shape: Sequence[int] | None = None, **shapes: Any) -> int:
    return _pool_upstream(pool_plan(**shapes, mode="avg"), grad_output_shape).frame_count


COUNTS: dict[str, Callable[..., int]] = {
    "conv2d": _conv2d,
    "conv2d_backward": _conv2d_backward,
    "conv_transpose2d": lambda **shapes: transpose_plan(**shapes).frame_count,
    "max_pool2d": _max_pool2d,
    "max_pool2d_backward": _max_pool2d,
    "avg_pool2d": _avg_pool2d,
    "avg_pool2d_backward": _avg_pool2d,
    "batch_norm": lambda **shapes: norm_plan(**shapes).frame_count,
    "batch_norm_backward": lambda **shapes: norm_backward_plan(**shapes).backward_frame_count,
}
"""Per frame "op" name, the plan of its generator, given the generator's arguments with every
array replaced by its shape (``input`` by ``input_shape``, ...), and the frames it yields."""


def frame_count(op: str, **params: Any) -> int:
    """Exactly how many frames the generator of ``op`` yields for these arguments.

    ``op`` is a frame "op" name ("conv2d", "conv2d_backward", "conv_transpose2d", "max_pool2d",
    "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward", "batch_norm",
    "batch_norm_backward"; hyphens are accepted for underscores). ``params`` are the generator's
    keyword arguments; an array argument may be given as the array (``input=x``) or by its shape
    (``input_shape=(1, 3, 32, 32)``). Only shapes are looked at.
    """
    count = COUNTS.get(op.replace("-", "_"))
    if count is None:
        raise EngineError(
            "unknown_op", f"op {op!r} is not one of {', '.join(COUNTS)}", field="op", value=repr(op)
        )
    shapes = {key: value for key, value in params.items() if key not in ARRAY_ARGUMENTS}
    for key in ARRAY_ARGUMENTS:
        if key in params:
            shapes[f"{key}_shape"] = None if params[key] is None else np.shape(params[key])
    return count(**shapes)
