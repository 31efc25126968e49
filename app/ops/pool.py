"""max_pool2d and avg_pool2d requests, forward and backward, as jobs for the engine."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from app.ops.job import Array, Compute, Frames, Inputs, Job, axis_sizes, pair_of, prepare
from app.schemas import (
    AvgPool2dBackwardRequest,
    AvgPool2dRequest,
    MaxPool2dBackwardRequest,
    MaxPool2dRequest,
    OpRequest,
)
from app.settings import Settings
from app.tensors import INPUT
from engine import (
    Frame,
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_backward_frames,
    avg_pool2d_frames,
    frame_count,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_backward_frames,
    max_pool2d_frames,
    pool_output_size,
)


def _geometry(inputs: Inputs, params: dict[str, Any]) -> tuple[list[int], dict[str, dict[str, Any]], int]:
    """The pooled shape, its per-axis derivation, and the window reads (outputs x kernel cells)."""
    x = inputs["input"].shape
    kernel = pair_of(params["kernel_size"])
    stride = kernel if params["stride"] is None else pair_of(params["stride"])
    padding = pair_of(params["padding"])
    dilation = pair_of(params.get("dilation", 1))
    rows, cols = (
        pool_output_size(
            int(x[axis - 2]),
            kernel[axis],
            stride[axis],
            padding[axis],
            dilation[axis],
            params["ceil_mode"],
        )
        for axis in (0, 1)
    )
    shape = [*(int(size) for size in x[:-2]), rows.size, cols.size]
    return shape, axis_sizes(rows, cols), math.prod(shape) * kernel[0] * kernel[1]


def switched_max_pool2d_backward(grad_output: Array, input: Array, **params: Any) -> Array:
    """The gradient follows the switches of the forward pass back."""
    _, indices = max_pool2d(input, **params)
    return max_pool2d_backward(grad_output, indices, input.shape)


def shaped_avg_pool2d_backward(grad_output: Array, input: Array, **params: Any) -> Array:
    """Average pooling's gradient needs the input's shape only, not its values."""
    return avg_pool2d_backward(grad_output, input.shape, **params)


def shaped_avg_pool2d_backward_frames(grad_output: Array, input: Array, **params: Any) -> Iterator[Frame]:
    return avg_pool2d_backward_frames(grad_output, input.shape, **params)


def _forward_job(
    op: str, body: OpRequest, settings: Settings, compute: Compute, frames: Frames, results: tuple[str, ...]
) -> Job:
    """A pooling: ``results`` names what ``compute`` returns, each shaped like the pooled output."""
    inputs, params = prepare(body, settings, input=INPUT)
    count = frame_count(op, **inputs, **params)
    shape, sizes, work = _geometry(inputs, params)
    return Job(op, inputs, params, dict.fromkeys(results, shape), sizes, work, compute, frames, count)


def _backward_job(op: str, body: OpRequest, settings: Settings, compute: Compute, frames: Frames) -> Job:
    """A pooling's gradient: ``compute`` returns grad_input, shaped like the input."""
    inputs, params = prepare(body, settings, input=INPUT, grad_output=INPUT)
    count = frame_count(op, **inputs, **params)
    _, sizes, work = _geometry(inputs, params)
    outputs = {"grad_input": list(inputs["input"].shape)}
    return Job(op, inputs, params, outputs, sizes, work, compute, frames, count)


def max_pool2d_job(body: MaxPool2dRequest, settings: Settings) -> Job:
    return _forward_job("max_pool2d", body, settings, max_pool2d, max_pool2d_frames, ("output", "indices"))


def max_pool2d_backward_job(body: MaxPool2dBackwardRequest, settings: Settings) -> Job:
    op = "max_pool2d_backward"
    return _backward_job(op, body, settings, switched_max_pool2d_backward, max_pool2d_backward_frames)


def avg_pool2d_job(body: AvgPool2dRequest, settings: Settings) -> Job:
    return _forward_job("avg_pool2d", body, settings, avg_pool2d, avg_pool2d_frames, ("output",))


def avg_pool2d_backward_job(body: AvgPool2dBackwardRequest, settings: Settings) -> Job:
    op = "avg_pool2d_backward"
    return _backward_job(op, body, settings, shaped_avg_pool2d_backward, shaped_avg_pool2d_backward_frames)
