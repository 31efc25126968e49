"""max_pool2d and avg_pool2d requests, forward and backward, as jobs for the engine.

Each builder makes the engine's pooling plan from the input's shape and the request's window
(every rule checked there) and reads the pooled shape, the output sizes, the window reads and
the frame count off it; the frames are generated on that plan.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Literal

from app.ops.job import Array, Inputs, Job, axis_sizes, prepare
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
    Frames,
    PoolPlan,
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_backward_plan_frames,
    avg_pool2d_plan_frames,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_backward_plan_frames,
    max_pool2d_plan_frames,
    pool_plan,
)

Vectorised = Callable[..., Any]  # the vectorised engine: the inputs and the parameters as keywords
PlanFrames = Callable[..., Frames[Any]]  # a frame generator: the plan, then the inputs as keywords


def _plan(op: str, inputs: Inputs, params: dict[str, Any]) -> PoolPlan:
    """The pooling plan of ``op`` ("max_pool2d", "avg_pool2d_backward", ...) for the request's input."""
    mode: Literal["max", "avg"] = "max" if op.startswith("max") else "avg"
    window = (params["kernel_size"], params["stride"], params["padding"], params.get("dilation", 1))
    include = params.get("count_include_pad", True)
    return pool_plan(
        inputs["input"].shape, *window, params["ceil_mode"], mode=mode, count_include_pad=include
    )


def switched_max_pool2d_backward(grad_output: Array, input: Array, **params: Any) -> Array:
    """The gradient follows the switches of the forward pass back."""
    _, indices = max_pool2d(input, **params)
    return max_pool2d_backward(grad_output, indices, input.shape)


def shaped_avg_pool2d_backward(grad_output: Array, input: Array, **params: Any) -> Array:
    """Average pooling's gradient needs the input's shape only, not its values."""
    return avg_pool2d_backward(grad_output, input.shape, **params)


def shaped_avg_pool2d_backward_frames(plan: PoolPlan, grad_output: Array, input: Array) -> Frames[Array]:
    """Average pooling's gradient frames: the plan holds the input's shape, its values are not used."""
    return avg_pool2d_backward_plan_frames(plan, grad_output)


def _job(op: str, body: OpRequest, settings: Settings, compute: Vectorised, frames: PlanFrames) -> Job:
    """A pooling pass: ``compute`` (the vectorised engine) and ``frames`` (a generator on the plan)
    take the inputs as keywords and return the outputs: each pooled forward, grad_input backward."""
    backward = op.endswith("_backward")
    layouts = {"input": INPUT, "grad_output": INPUT} if backward else {"input": INPUT}
    inputs, params = prepare(body, settings, **layouts)
    plan = _plan(op, inputs, params)
    if backward:
        plan.check_grad_output(inputs["grad_output"].shape)
        outputs = {"grad_input": list(inputs["input"].shape)}
        work, count = plan.backward_work, plan.backward_frame_count
    else:
        results = ("output", "indices") if op == "max_pool2d" else ("output",)
        outputs = {name: list(plan.output_shape) for name in results}
        work, count = plan.work, plan.frame_count
    calls = partial(compute, **inputs, **params), partial(frames, plan, **inputs)
    sizes, memory = axis_sizes(*plan.output_size), lambda: plan.memory_elements
    return Job(op, inputs, params, outputs, sizes, work, *calls, count, memory)


def max_pool2d_job(body: MaxPool2dRequest, settings: Settings) -> Job:
    return _job("max_pool2d", body, settings, max_pool2d, max_pool2d_plan_frames)


def max_pool2d_backward_job(body: MaxPool2dBackwardRequest, settings: Settings) -> Job:
    op = "max_pool2d_backward"
    return _job(op, body, settings, switched_max_pool2d_backward, max_pool2d_backward_plan_frames)


def avg_pool2d_job(body: AvgPool2dRequest, settings: Settings) -> Job:
    return _job("avg_pool2d", body, settings, avg_pool2d, avg_pool2d_plan_frames)


def avg_pool2d_backward_job(body: AvgPool2dBackwardRequest, settings: Settings) -> Job:
    op = "avg_pool2d_backward"
    return _job(op, body, settings, shaped_avg_pool2d_backward, shaped_avg_pool2d_backward_frames)
