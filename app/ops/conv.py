"""conv2d and conv_transpose2d requests, forward and backward, as jobs for the engine.

Each builder makes the engine's plan from the arrays' shapes and the request's settings (every
rule checked there) and reads the output shape, the output sizes, the work and the frame count
off it; the frames are generated on that plan.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from app.errors import ApiError
from app.ops.job import Array, Inputs, Job, axis_sizes, prepare
from app.schemas import (
    Conv2dBackwardRequest,
    Conv2dRequest,
    ConvTranspose2dBackwardRequest,
    ConvTranspose2dRequest,
)
from app.settings import Settings
from app.tensors import CONV_WEIGHT, INPUT, TRANSPOSE_WEIGHT, VECTOR, shape_of
from engine import (
    ConvPlan,
    TransposePlan,
    apply_activation,
    conv2d,
    conv2d_backward,
    conv2d_backward_plan_frames,
    conv2d_plan_frames,
    conv_plan,
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_plan_frames,
    transpose_plan,
)

CONV_SETTINGS = ("stride", "padding", "dilation", "groups", "padding_mode")
TRANSPOSE_SETTINGS = ("stride", "padding", "output_padding", "groups", "dilation")


def _conv_plan(inputs: Inputs, params: dict[str, Any]) -> ConvPlan:
    """conv2d's plan for the request's input, weight and (optional) bias."""
    settings = {name: params[name] for name in CONV_SETTINGS}
    bias = shape_of(inputs.get("bias"))
    return conv_plan(inputs["input"].shape, inputs["weight"].shape, bias, **settings)


def _transpose_plan(inputs: Inputs, params: dict[str, Any]) -> TransposePlan:
    """conv_transpose2d's plan for the request's input, weight and (optional) bias."""
    settings = {name: params[name] for name in TRANSPOSE_SETTINGS}
    bias = shape_of(inputs.get("bias"))
    return transpose_plan(inputs["input"].shape, inputs["weight"].shape, bias, **settings)


def _gradient_shapes(inputs: Inputs, plan: ConvPlan | TransposePlan) -> dict[str, list[int]]:
    """grad_input, grad_weight and grad_bias are shaped like input, weight and the bias would be."""
    x, w = inputs["input"], inputs["weight"]
    return {"grad_input": list(x.shape), "grad_weight": list(w.shape), "grad_bias": [plan.out_channels]}


def activated_conv2d(activation: str, **arguments: Any) -> Array | tuple[Array, Array]:
    """conv2d, then the activation: the output, and the values before it when there is one."""
    pre = conv2d(**arguments)
    return pre if activation == "none" else (apply_activation(activation, pre), pre)


def conv2d_job(body: Conv2dRequest, settings: Settings) -> Job:
    inputs, params = prepare(body, settings, input=INPUT, weight=CONV_WEIGHT, bias=VECTOR)
    plan = _conv_plan(inputs, params)
    shape = list(plan.output_shape)
    activation = params["activation"]
    outputs = {"output": shape} | ({} if activation == "none" else {"pre_activation": shape})
    compute = partial(activated_conv2d, **inputs, **params)
    frames = partial(conv2d_plan_frames, plan, **inputs, activation=activation)
    sizes = axis_sizes(*plan.output_size)
    return Job(
        "conv2d",
        inputs,
        params,
        outputs,
        sizes,
        plan.work,
        compute,
        frames,
        plan.frame_count,
        lambda: plan.memory_elements,
        lambda: plan.frames_memory_elements,
    )


def conv2d_backward_job(body: Conv2dBackwardRequest, settings: Settings) -> Job:
    inputs, params = prepare(body, settings, input=INPUT, weight=CONV_WEIGHT, grad_output=INPUT)
    plan = _conv_plan(inputs, params)
    plan.check_grad_output(inputs["grad_output"].shape)
    compute = partial(conv2d_backward, **inputs, **params)
    frames = partial(conv2d_backward_plan_frames, plan, **inputs)
    outputs, sizes = _gradient_shapes(inputs, plan), axis_sizes(*plan.output_size)
    work, count = plan.backward_work, plan.backward_frame_count
    memory = lambda: plan.backward_memory_elements, lambda: plan.backward_frames_memory_elements
    return Job("conv2d_backward", inputs, params, outputs, sizes, work, compute, frames, count, *memory)


def conv_transpose2d_job(body: ConvTranspose2dRequest, settings: Settings) -> Job:
    inputs, params = prepare(body, settings, input=INPUT, weight=TRANSPOSE_WEIGHT, bias=VECTOR)
    plan = _transpose_plan(inputs, params)
    outputs = {"output": list(plan.output_shape)}
    compute = partial(conv_transpose2d, **inputs, **params)
    frames = partial(conv_transpose2d_plan_frames, plan, **inputs)
    sizes, count, memory = axis_sizes(*plan.output_size), plan.frame_count, lambda: plan.memory_elements
    return Job("conv_transpose2d", inputs, params, outputs, sizes, plan.work, compute, frames, count, memory)


def conv_transpose2d_backward_job(body: ConvTranspose2dBackwardRequest, settings: Settings) -> Job:
    """No frames: the transposed convolution's input gradient is an ordinary conv2d's."""
    inputs, params = prepare(body, settings, input=INPUT, weight=TRANSPOSE_WEIGHT, grad_output=INPUT)
    plan = _transpose_plan(inputs, params)
    shape, given = list(plan.output_shape), list(inputs["grad_output"].shape)
    if given != shape:
        message = f"grad_output must have the conv_transpose2d output's shape {shape}, got {given}"
        values = {"shape": given, "expected": shape}
        raise ApiError(422, "invalid_value", message, "grad_output", rule="shape_mismatch", values=values)
    compute = partial(conv_transpose2d_backward, **inputs, **params)
    outputs, sizes = _gradient_shapes(inputs, plan), axis_sizes(*plan.output_size)
    work, memory = plan.backward_work, lambda: plan.backward_memory_elements
    return Job("conv_transpose2d_backward", inputs, params, outputs, sizes, work, compute, memory=memory)
