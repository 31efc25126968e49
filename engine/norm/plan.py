"""The batch-norm plan: every rule of batch_norm and its backward pass, from shapes and settings alone.

Statistics are taken per channel over the N*H*W values of that channel, so the plan is little
more than the shape; it also holds the checked mode, momentum and eps. The fast functions and
the frame generators work from one :class:`NormPlan`. The one rule on values (a running variance
is never negative) is :func:`check_running_var`, beside the plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from engine._checks import (
    Array,
    Shape,
    bad_shape,
    check_flag,
    check_vector,
    empty_dimension,
    int_shape,
    number,
)
from engine.errors import EngineError

Triple = tuple[Array, Array, Array]
"""What each pass returns: (output, new running_mean, new running_var) forward, (grad_input,
grad_weight, grad_bias) backward."""


@dataclass(frozen=True)
class NormPlan:
    """Batch norm of an (N, C, H, W) input: output (N, C, H, W), statistics (C,) over N*H*W values."""

    batch: int
    channels: int
    height: int
    width: int
    training: bool
    momentum: float
    eps: float

    @property
    def count(self) -> int:
        """m = N*H*W, the values behind each channel's statistics."""
        return self.batch * self.height * self.width

    @property
    def output_shape(self) -> Shape:
        return self.batch, self.channels, self.height, self.width

    @property
    def work(self) -> int:
        """Operations of the forward pass, counted as the app does: two passes over the input."""
        return 2 * math.prod(self.output_shape)

    @property
    def backward_work(self) -> int:
        """Three passes over the input: the statistics, the two sums, the gradient."""
        return 3 * math.prod(self.output_shape)

    @property
    def memory_elements(self) -> int:
        """Elements the forward pass allocates, of whatever dtype (an upper estimate): the mask of
        the finite check, the centred input, the output and its cast, a few per-channel vectors."""
        return 4 * math.prod(self.output_shape) + 8 * self.channels

    @property
    def frame_count(self) -> int:
        """Frames of batch_norm_frames: per channel, one "statistics" frame and one per element."""
        return self.channels * (1 + self.count)

    @property
    def backward_frame_count(self) -> int:
        """Frames of batch_norm_backward_frames: per channel, one "sums" frame and one per element."""
        return self.channels * (1 + self.count)

    def check_grad_output(self, shape: Sequence[int]) -> None:
        if tuple(shape) != self.output_shape:
            message = f"grad_output must have the input's shape {self.output_shape}, got shape {tuple(shape)}"
            raise EngineError(
                "shape_mismatch", message, field="grad_output", expected=self.output_shape, shape=tuple(shape)
            )


def norm_input_shape(shape: Sequence[int], name: str = "input") -> tuple[int, int, int, int]:
    """(N, C, H, W), every size at least 1.

    A 3-D array would be ambiguous: PyTorch reads it as (N, C, L), the rest of this engine as
    (C, H, W). Only the unambiguous 4-D layout is accepted.
    """
    dims = int_shape(shape, f"{name} shape", name)
    if len(dims) != 4:
        raise bad_shape(name, "(N, C, H, W)", dims)
    if min(dims) < 1:
        raise empty_dimension(name, dims)
    return dims[0], dims[1], dims[2], dims[3]


def check_momentum(momentum: float) -> float:
    rate = number(momentum, "momentum")
    if not 0.0 <= rate <= 1.0:
        message = f"momentum {momentum!r} must be between 0 and 1"
        raise EngineError("out_of_range", message, field="momentum", value=rate, low=0.0, high=1.0)
    return rate


def check_eps(eps: float) -> float:
    # eps keeps the division finite when a channel is constant (variance 0), so it must be > 0.
    epsilon = number(eps, "eps")
    if epsilon <= 0:
        raise EngineError(
            "must_be_positive", f"eps {eps!r} must be a positive finite number", field="eps", value=epsilon
        )
    return epsilon


def check_running_var(running_var: Array) -> None:
    """The one rule on values, not shapes: a running variance (C,) is never negative."""
    if np.any(running_var < 0):
        message = f"running_var {running_var.tolist()} must not be negative: it is a variance"
        raise EngineError("negative_variance", message, field="running_var", running_var=running_var.tolist())


def check_count(dims: Sequence[int]) -> None:
    """Training forms a variance per channel, which needs at least two values."""
    count = dims[0] * dims[2] * dims[3]
    if count < 2:
        message = (
            f"Expected more than 1 value per channel when training, got input shape {tuple(dims)} "
            f"(N*H*W = {count}): a variance needs at least two values"
        )
        raise EngineError("too_few_values", message, field="input", count=count)


def norm_plan(
    input_shape: Sequence[int],
    running_mean_shape: Sequence[int] | None = None,
    running_var_shape: Sequence[int] | None = None,
    weight_shape: Sequence[int] | None = None,
    bias_shape: Sequence[int] | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> NormPlan:
    """Check batch_norm's shapes and settings (in batch_norm's order) and plan it.

    Every vector is (C,); None means not given (weight None is gamma = 1, bias None is beta = 0).
    """
    n, c, h, w = norm_input_shape(input_shape)
    check_vector(running_mean_shape, c, "running_mean", "channel")
    check_vector(running_var_shape, c, "running_var", "channel")
    train = check_flag(training, "training")
    rate, epsilon = check_momentum(momentum), check_eps(eps)
    if train:
        check_count((n, c, h, w))
    check_vector(weight_shape, c, "weight", "channel")
    check_vector(bias_shape, c, "bias", "channel")
    return NormPlan(n, c, h, w, train, rate, epsilon)


def norm_backward_plan(
    input_shape: Sequence[int],
    grad_output_shape: Sequence[int] | None = None,
    weight_shape: Sequence[int] | None = None,
    eps: float = 1e-5,
) -> NormPlan:
    """Check batch_norm_backward's shapes: the backward pass of training mode (batch statistics)."""
    dims = norm_input_shape(input_shape)
    plan = NormPlan(*dims, training=True, momentum=0.0, eps=1.0)
    if grad_output_shape is not None:
        plan.check_grad_output(grad_output_shape)
    check_vector(weight_shape, dims[1], "weight", "channel")
    plan = replace(plan, eps=check_eps(eps))
    check_count(dims)
    return plan
