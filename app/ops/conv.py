"""conv2d and conv_transpose2d requests, forward and backward, as jobs for the engine."""

from __future__ import annotations

import math
from typing import Any

from app.ops.job import Array, Inputs, Job, axis_sizes, pair_of, prepare
from app.schemas import (
    Conv2dBackwardRequest,
    Conv2dRequest,
    ConvTranspose2dBackwardRequest,
    ConvTranspose2dRequest,
)
from app.settings import Settings
from app.tensors import CONV_WEIGHT, INPUT, TRANSPOSE_WEIGHT, VECTOR
from engine import (
    apply_activation,
    conv2d,
    conv2d_backward,
    conv2d_backward_frames,
    conv2d_frames,
    conv2d_output_shape,
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_frames,
    conv_transpose_output_size,
    frame_count,
)

Geometry = tuple[list[int], dict[str, dict[str, Any]], int]


def _batch(shape: tuple[int, ...]) -> list[int]:
    """The batch axis of an output: [N] for an (N, C, H, W) input, none for (C, H, W)."""
    return [int(shape[0])] if len(shape) == 4 else []


def _conv_geometry(inputs: Inputs, params: dict[str, Any]) -> Geometry:
    """conv2d's output shape, its per-axis derivation and its multiply-adds."""
    x, w = inputs["input"].shape, inputs["weight"].shape
    rows, cols = conv2d_output_shape(
        (int(x[-2]), int(x[-1])),
        (int(w[2]), int(w[3])),
        params["stride"],
        params["padding"],
        params["dilation"],
    )
    shape = [*_batch(x), int(w[0]), rows.size, cols.size]
    return shape, axis_sizes(rows, cols), math.prod(shape) * math.prod(w[1:])


def _transpose_geometry(inputs: Inputs, params: dict[str, Any]) -> Geometry:
    """conv_transpose2d's output shape, its per-axis derivation and its multiply-adds."""
    x, w = inputs["input"].shape, inputs["weight"].shape
    stride, padding = pair_of(params["stride"]), pair_of(params["padding"])
    output_padding, dilation = pair_of(params["output_padding"]), pair_of(params["dilation"])
    rows, cols = (
        conv_transpose_output_size(
            int(x[axis - 2]),  # the input's last two axes, whatever its rank
            int(w[axis + 2]),
            stride[axis],
            padding[axis],
            output_padding[axis],
            dilation[axis],
        )
        for axis in (0, 1)
    )
    shape = [*_batch(x), int(w[1]) * params["groups"], rows.size, cols.size]
    return shape, axis_sizes(rows, cols), math.prod(x) * math.prod(w[1:])


def _gradient_shapes(inputs: Inputs, out_channels: int) -> dict[str, list[int]]:
    """grad_input, grad_weight and grad_bias are shaped like input, weight and the bias would be."""
    x, w = inputs["input"], inputs["weight"]
    return {"grad_input": list(x.shape), "grad_weight": list(w.shape), "grad_bias": [out_channels]}


def activated_conv2d(activation: str, **arguments: Any) -> Array | tuple[Array, Array]:
    """conv2d, then the activation: the output, and the values before it when there is one."""
    pre = conv2d(**arguments)
    return pre if activation == "none" else (apply_activation(activation, pre), pre)


def conv2d_job(body: Conv2dRequest, settings: Settings) -> Job:
    op = "conv2d"
    inputs, params = prepare(body, settings, input=INPUT, weight=CONV_WEIGHT, bias=VECTOR)
    count = frame_count(op, **inputs, **params)
    shape, sizes, work = _conv_geometry(inputs, params)
    outputs = {"output": shape} | ({} if params["activation"] == "none" else {"pre_activation": shape})
    return Job(op, inputs, params, outputs, sizes, work, activated_conv2d, conv2d_frames, count)


def conv2d_backward_job(body: Conv2dBackwardRequest, settings: Settings) -> Job:
    op = "conv2d_backward"
    inputs, params = prepare(body, settings, input=INPUT, weight=CONV_WEIGHT, grad_output=INPUT)
    count = frame_count(op, **inputs, **params)
    _, sizes, work = _conv_geometry(inputs, params)
    outputs = _gradient_shapes(inputs, int(inputs["weight"].shape[0]))
    return Job(op, inputs, params, outputs, sizes, 2 * work, conv2d_backward, conv2d_backward_frames, count)


def conv_transpose2d_job(body: ConvTranspose2dRequest, settings: Settings) -> Job:
    op = "conv_transpose2d"
    inputs, params = prepare(body, settings, input=INPUT, weight=TRANSPOSE_WEIGHT, bias=VECTOR)
    count = frame_count(op, **inputs, **params)
    shape, sizes, work = _transpose_geometry(inputs, params)
    return Job(
        op, inputs, params, {"output": shape}, sizes, work, conv_transpose2d, conv_transpose2d_frames, count
    )


def conv_transpose2d_backward_job(body: ConvTranspose2dBackwardRequest, settings: Settings) -> Job:
    """No frames: the transposed convolution's input gradient is an ordinary conv2d's."""
    inputs, params = prepare(body, settings, input=INPUT, weight=TRANSPOSE_WEIGHT, grad_output=INPUT)
    x, w, g = inputs["input"], inputs["weight"], inputs["grad_output"]
    frame_count("conv_transpose2d", input=x, weight=w, **params)  # the forward's shape rules
    shape, sizes, work = _transpose_geometry(inputs, params)
    if list(g.shape) != shape:
        raise ValueError(
            f"grad_output must have the conv_transpose2d output's shape {shape}, got {list(g.shape)}"
        )
    outputs = _gradient_shapes(inputs, shape[-3])
    return Job(
        "conv_transpose2d_backward", inputs, params, outputs, sizes, 2 * work, conv_transpose2d_backward
    )
