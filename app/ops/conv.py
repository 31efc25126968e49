"""conv2d and conv_transpose2d requests, forward and backward, as jobs for the engine."""

from __future__ import annotations

import math
from typing import Any

from app.ops.job import Job, Outputs, axis_sizes, pair_of, parameters_of
from app.schemas import (
    Conv2dBackwardRequest,
    Conv2dRequest,
    ConvTranspose2dBackwardRequest,
    ConvTranspose2dRequest,
)
from app.settings import Settings
from app.tensors import CONV_WEIGHT, INPUT, TRANSPOSE_WEIGHT, VECTOR, Array, resolve, resolve_optional
from engine import conv2d_backward_frames, conv2d_frames, conv_transpose2d_frames, frame_count
from engine.activations import apply_activation
from engine.conv import conv2d, conv2d_backward, conv_transpose2d, conv_transpose2d_backward
from engine.shapes import conv2d_output_shape, conv_transpose_output_size


def _batch(x: Array) -> list[int]:
    """The batch axis of an output: [N] for an (N, C, H, W) input, none for (C, H, W)."""
    return [int(x.shape[0])] if x.ndim == 4 else []


def _conv_geometry(
    x: Array, w: Array, params: dict[str, Any]
) -> tuple[list[int], dict[str, dict[str, Any]], int]:
    """conv2d's output shape, its per-axis derivation and its multiply-adds."""
    rows, cols = conv2d_output_shape(
        (int(x.shape[-2]), int(x.shape[-1])),
        (int(w.shape[2]), int(w.shape[3])),
        params["stride"],
        params["padding"],
        params["dilation"],
    )
    shape = [*_batch(x), int(w.shape[0]), rows.size, cols.size]
    work = math.prod(shape) * math.prod(w.shape[1:])
    return shape, axis_sizes(rows, cols), work


def conv2d_job(body: Conv2dRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, INPUT)
    w = resolve(body.weight, "weight", settings, CONV_WEIGHT)
    b = resolve_optional(body.bias, "bias", settings, VECTOR)
    params = parameters_of(body, ("input", "weight", "bias"))
    count = frame_count("conv2d", input=x, weight=w, bias=b, **params)
    shape, sizes, work = _conv_geometry(x, w, params)
    activation = params.pop("activation")

    def compute() -> Outputs:
        pre = conv2d(x, w, b, **params)
        if activation == "none":
            return {"output": pre}
        return {"output": apply_activation(activation, pre), "pre_activation": pre}

    outputs = {"output": shape} | ({} if activation == "none" else {"pre_activation": shape})
    return Job(
        op="conv2d",
        inputs={"input": x, "weight": w, "bias": b},
        parameters=params | {"activation": activation},
        outputs=outputs,
        output_size=sizes,
        work=work,
        compute=compute,
        frames=lambda: conv2d_frames(x, w, b, activation=activation, **params),
        frame_count=count,
    )


def conv2d_backward_job(body: Conv2dBackwardRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, INPUT)
    w = resolve(body.weight, "weight", settings, CONV_WEIGHT)
    g = resolve(body.grad_output, "grad_output", settings, INPUT)
    params = parameters_of(body, ("input", "weight", "grad_output"))
    count = frame_count("conv2d_backward", input=x, weight=w, grad_output=g, **params)
    _, sizes, work = _conv_geometry(x, w, params)

    def compute() -> Outputs:
        grad_input, grad_weight, grad_bias = conv2d_backward(g, x, w, **params)
        return {"grad_input": grad_input, "grad_weight": grad_weight, "grad_bias": grad_bias}

    return Job(
        op="conv2d_backward",
        inputs={"input": x, "weight": w, "grad_output": g},
        parameters=params,
        outputs={"grad_input": list(x.shape), "grad_weight": list(w.shape), "grad_bias": [int(w.shape[0])]},
        output_size=sizes,
        work=2 * work,
        compute=compute,
        frames=lambda: conv2d_backward_frames(g, x, w, **params),
        frame_count=count,
    )


def _transpose_geometry(
    x: Array, w: Array, params: dict[str, Any]
) -> tuple[list[int], dict[str, dict[str, Any]], int]:
    """conv_transpose2d's output shape, its per-axis derivation and its multiply-adds."""
    stride, padding = pair_of(params["stride"]), pair_of(params["padding"])
    output_padding, dilation = pair_of(params["output_padding"]), pair_of(params["dilation"])
    rows, cols = (
        conv_transpose_output_size(
            int(x.shape[axis - 2]),  # the input's last two axes, whatever its rank
            int(w.shape[axis + 2]),
            stride[axis],
            padding[axis],
            output_padding[axis],
            dilation[axis],
        )
        for axis in (0, 1)
    )
    shape = [*_batch(x), int(w.shape[1]) * params["groups"], rows.size, cols.size]
    work = math.prod(x.shape) * math.prod(w.shape[1:])
    return shape, axis_sizes(rows, cols), work


def conv_transpose2d_job(body: ConvTranspose2dRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, INPUT)
    w = resolve(body.weight, "weight", settings, TRANSPOSE_WEIGHT)
    b = resolve_optional(body.bias, "bias", settings, VECTOR)
    params = parameters_of(body, ("input", "weight", "bias"))
    count = frame_count("conv_transpose2d", input=x, weight=w, bias=b, **params)
    shape, sizes, work = _transpose_geometry(x, w, params)
    return Job(
        op="conv_transpose2d",
        inputs={"input": x, "weight": w, "bias": b},
        parameters=params,
        outputs={"output": shape},
        output_size=sizes,
        work=work,
        compute=lambda: {"output": conv_transpose2d(x, w, b, **params)},
        frames=lambda: conv_transpose2d_frames(x, w, b, **params),
        frame_count=count,
    )


def conv_transpose2d_backward_job(body: ConvTranspose2dBackwardRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, INPUT)
    w = resolve(body.weight, "weight", settings, TRANSPOSE_WEIGHT)
    g = resolve(body.grad_output, "grad_output", settings, INPUT)
    params = parameters_of(body, ("input", "weight", "grad_output"))
    frame_count("conv_transpose2d", input=x, weight=w, **params)  # the forward's shape rules
    shape, sizes, work = _transpose_geometry(x, w, params)
    if list(g.shape) != shape:
        raise ValueError(
            f"grad_output must have the conv_transpose2d output's shape {shape}, got {list(g.shape)}"
        )

    def compute() -> Outputs:
        grad_input, grad_weight, grad_bias = conv_transpose2d_backward(g, x, w, **params)
        return {"grad_input": grad_input, "grad_weight": grad_weight, "grad_bias": grad_bias}

    return Job(
        op="conv_transpose2d_backward",
        inputs={"input": x, "weight": w, "grad_output": g},
        parameters=params,
        outputs={"grad_input": list(x.shape), "grad_weight": list(w.shape), "grad_bias": [shape[-3]]},
        output_size=sizes,
        work=2 * work,
        compute=compute,
    )
