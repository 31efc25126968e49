"""max_pool2d and avg_pool2d requests, forward and backward, as jobs for the engine."""

from __future__ import annotations

import math
from typing import Any

from app.ops.job import Job, Outputs, axis_sizes, pair_of, parameters_of
from app.schemas import AvgPool2dBackwardRequest, AvgPool2dRequest, MaxPool2dBackwardRequest, MaxPool2dRequest
from app.settings import Settings
from app.tensors import INPUT, Array, resolve
from engine import (
    avg_pool2d_backward_frames,
    avg_pool2d_frames,
    frame_count,
    max_pool2d_backward_frames,
    max_pool2d_frames,
)
from engine.pool import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from engine.shapes import pool_output_size


def _geometry(x: Array, params: dict[str, Any]) -> tuple[list[int], dict[str, dict[str, Any]], int]:
    """The pooled shape, its per-axis derivation, and the window reads (outputs x kernel cells)."""
    kernel = pair_of(params["kernel_size"])
    stride = kernel if params["stride"] is None else pair_of(params["stride"])
    padding = pair_of(params["padding"])
    dilation = pair_of(params.get("dilation", 1))
    rows, cols = (
        pool_output_size(
            int(x.shape[axis - 2]),
            kernel[axis],
            stride[axis],
            padding[axis],
            dilation[axis],
            params["ceil_mode"],
        )
        for axis in (0, 1)
    )
    shape = [*(int(size) for size in x.shape[:-2]), rows.size, cols.size]
    return shape, axis_sizes(rows, cols), math.prod(shape) * kernel[0] * kernel[1]


def max_pool2d_job(body: MaxPool2dRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, INPUT)
    params = parameters_of(body, ("input",))
    count = frame_count("max_pool2d", input=x, **params)
    shape, sizes, work = _geometry(x, params)

    def compute() -> Outputs:
        output, indices = max_pool2d(x, **params)
        return {"output": output, "indices": indices}

    return Job(
        op="max_pool2d",
        inputs={"input": x},
        parameters=params,
        outputs={"output": shape, "indices": shape},
        output_size=sizes,
        work=work,
        compute=compute,
        frames=lambda: max_pool2d_frames(x, **params),
        frame_count=count,
    )


def max_pool2d_backward_job(body: MaxPool2dBackwardRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, INPUT)
    g = resolve(body.grad_output, "grad_output", settings, INPUT)
    params = parameters_of(body, ("input", "grad_output"))
    count = frame_count("max_pool2d_backward", input=x, grad_output=g, **params)
    _, sizes, work = _geometry(x, params)

    def compute() -> Outputs:
        # The switches come from the forward pass; the gradient follows them back.
        _, indices = max_pool2d(x, **params)
        return {"grad_input": max_pool2d_backward(g, indices, x.shape)}

    return Job(
        op="max_pool2d_backward",
        inputs={"input": x, "grad_output": g},
        parameters=params,
        outputs={"grad_input": list(x.shape)},
        output_size=sizes,
        work=work,
        compute=compute,
        frames=lambda: max_pool2d_backward_frames(g, x, **params),
        frame_count=count,
    )


def avg_pool2d_job(body: AvgPool2dRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, INPUT)
    params = parameters_of(body, ("input",))
    count = frame_count("avg_pool2d", input=x, **params)
    shape, sizes, work = _geometry(x, params)
    return Job(
        op="avg_pool2d",
        inputs={"input": x},
        parameters=params,
        outputs={"output": shape},
        output_size=sizes,
        work=work,
        compute=lambda: {"output": avg_pool2d(x, **params)},
        frames=lambda: avg_pool2d_frames(x, **params),
        frame_count=count,
    )


def avg_pool2d_backward_job(body: AvgPool2dBackwardRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, INPUT)
    g = resolve(body.grad_output, "grad_output", settings, INPUT)
    params = parameters_of(body, ("input", "grad_output"))
    count = frame_count("avg_pool2d_backward", input=x, grad_output=g, **params)
    _, sizes, work = _geometry(x, params)
    return Job(
        op="avg_pool2d_backward",
        inputs={"input": x, "grad_output": g},
        parameters=params,
        outputs={"grad_input": list(x.shape)},
        output_size=sizes,
        work=work,
        compute=lambda: {"grad_input": avg_pool2d_backward(g, x.shape, **params)},
        frames=lambda: avg_pool2d_backward_frames(g, x.shape, **params),
        frame_count=count,
    )
