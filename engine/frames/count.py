"""How many frames a generator will yield, from shapes alone, so a huge request can be refused early.

The counts apply the generators' own validation (the shared plans), so an invalid request raises
the same ValueError here as it would when run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine._checks import PairLike, check_flag
from engine.frames._geometry import (
    Shape,
    batched_shape,
    conv_plan,
    norm_plan,
    pool_plan,
    transpose_plan,
)
from engine.frames.conv import check_activation

ARRAY_ARGUMENTS = ("input", "weight", "bias", "grad_output", "running_mean", "running_var")


def frame_count(op: str, **params: Any) -> int:
    """Exactly how many frames the generator of ``op`` yields for these arguments.

    ``op`` is a frame "op" name ("conv2d", "conv2d_backward", "conv_transpose2d", "max_pool2d",
    "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward", "batch_norm",
    "batch_norm_backward"; hyphens are accepted for underscores). ``params`` are the generator's
    keyword arguments; an array argument may be given as the array (``input=x``) or by its shape
    (``input_shape=(1, 3, 32, 32)``). Only shapes are looked at.
    """
    counter = _COUNTERS.get(op.replace("-", "_"))
    if counter is None:
        raise ValueError(f"op {op!r} is not one of {', '.join(_COUNTERS)}")
    shapes: dict[str, Any] = {}
    for key, value in params.items():
        if key in ARRAY_ARGUMENTS:
            shapes[f"{key}_shape"] = None if value is None else np.shape(value)
        else:
            shapes[key] = value
    return counter(**shapes)


def _check_upstream(grad_output_shape: Shape | None, expected: tuple[int, ...]) -> None:
    if grad_output_shape is not None and batched_shape(grad_output_shape, "grad_output") != expected:
        raise ValueError(
            f"grad_output must have the output's shape {expected}, got shape {tuple(grad_output_shape)}"
        )


def _conv2d(
    input_shape: Shape,
    weight_shape: Shape,
    bias_shape: Shape | None = None,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    activation: str = "none",
) -> int:
    plan = conv_plan(input_shape, weight_shape, bias_shape, stride, padding, dilation, groups, padding_mode)
    check_activation(activation)
    return plan.batch * plan.out_channels * plan.out_height * plan.out_width


def _conv2d_backward(
    input_shape: Shape,
    weight_shape: Shape,
    grad_output_shape: Shape | None = None,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> int:
    plan = conv_plan(input_shape, weight_shape, None, stride, padding, dilation, groups, padding_mode)
    batched = (plan.batch, plan.out_channels, plan.out_height, plan.out_width)
    expected = batched[1:] if len(input_shape) == 3 else batched
    if grad_output_shape is not None and tuple(grad_output_shape) != expected:
        # conv2d_backward's rule: the forward output's shape, in the input's rank.
        raise ValueError(
            f"grad_output shape {tuple(grad_output_shape)} does not match the output shape {expected}"
        )
    planes = plan.batch * plan.in_channels
    real = plan.height * plan.width
    padded_h, padded_w = plan.padded_size
    # Non-zero padding: frames over the whole padded plane, then one fold frame per padding cell.
    grad_input = planes * real if padding_mode == "zeros" else planes * (2 * padded_h * padded_w - real)
    grad_weight = plan.out_channels * plan.in_per_group * plan.kernel[0] * plan.kernel[1]
    return grad_input + grad_weight + plan.out_channels


def _conv_transpose2d(
    input_shape: Shape,
    weight_shape: Shape,
    bias_shape: Shape | None = None,
    stride: PairLike = 1,
    padding: PairLike = 0,
    output_padding: PairLike = 0,
    groups: int = 1,
    dilation: PairLike = 1,
) -> int:
    plan = transpose_plan(
        input_shape, weight_shape, bias_shape, stride, padding, output_padding, groups, dilation
    )
    scatters = plan.batch * plan.in_channels * plan.height * plan.width
    return scatters + (0 if bias_shape is None else plan.batch * plan.out_channels)


def _pool_outputs(plan: Any) -> int:
    return int(np.prod(plan.input_shape[:2]) * np.prod(plan.output_size))


def _max_pool2d(
    input_shape: Shape,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    dilation: PairLike = 1,
    ceil_mode: bool = False,
    grad_output_shape: Shape | None = None,
) -> int:
    plan = pool_plan(input_shape, kernel_size, stride, padding, dilation, ceil_mode, max_pool=True)
    _check_upstream(grad_output_shape, (*plan.input_shape[:2], *plan.output_size))
    return _pool_outputs(plan)


def _avg_pool2d(
    input_shape: Shape,
    kernel_size: PairLike,
    stride: PairLike | None = None,
    padding: PairLike = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    grad_output_shape: Shape | None = None,
) -> int:
    plan = pool_plan(input_shape, kernel_size, stride, padding, 1, ceil_mode)
    _check_upstream(grad_output_shape, (*plan.input_shape[:2], *plan.output_size))
    return _pool_outputs(plan)


def _batch_norm(
    input_shape: Shape,
    running_mean_shape: Shape | None,
    running_var_shape: Shape | None,
    weight_shape: Shape | None = None,
    bias_shape: Shape | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> int:
    plan = norm_plan(
        input_shape,
        check_flag(training, "training"),
        (running_mean_shape, "running_mean"),
        (running_var_shape, "running_var"),
        (weight_shape, "weight"),
        (bias_shape, "bias"),
    )
    return plan.channels * (1 + plan.count)


def _batch_norm_backward(
    input_shape: Shape,
    grad_output_shape: Shape | None = None,
    weight_shape: Shape | None = None,
    eps: float = 1e-5,
) -> int:
    plan = norm_plan(input_shape, True, (weight_shape, "weight"))
    if grad_output_shape is not None and tuple(grad_output_shape) != tuple(input_shape):
        got = tuple(grad_output_shape)
        raise ValueError(f"grad_output must have the input's shape {tuple(input_shape)}, got shape {got}")
    return plan.channels * (1 + plan.count)


_COUNTERS: dict[str, Callable[..., int]] = {
    "conv2d": _conv2d,
    "conv2d_backward": _conv2d_backward,
    "conv_transpose2d": _conv_transpose2d,
    "max_pool2d": _max_pool2d,
    "max_pool2d_backward": _max_pool2d,
    "avg_pool2d": _avg_pool2d,
    "avg_pool2d_backward": _avg_pool2d,
    "batch_norm": _batch_norm,
    "batch_norm_backward": _batch_norm_backward,
}
