"""batch_norm requests, forward and backward, as jobs for the engine.

Each builder makes the engine's batch-norm plan from the arrays' shapes and the settings (every
rule checked there, and the running variance's sign beside it) and reads the shapes, the work and
the frame count off it; the frames are generated on that plan.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from app.errors import engine_error, limit_error
from app.ops.job import Inputs, Job, parameters_of, prepare
from app.schemas import (
    BatchNormBackwardRequest,
    BatchNormRequest,
    BatchNormStepsRequest,
    SpecKind,
    TensorSpec,
)
from app.settings import Settings
from app.tensors import BATCH, VECTOR, Array, resolve, resolve_optional, shape_of
from engine import (
    EngineError,
    batch_norm,
    batch_norm_backward,
    batch_norm_backward_plan_frames,
    batch_norm_plan_frames,
    batch_norm_training_steps,
    check_running_var,
    norm_backward_plan,
    norm_plan,
)

FRESH_LAYER: dict[str, SpecKind] = {
    "running_mean": "zeros",
    "running_var": "ones",
}  # torch.nn.BatchNorm2d's initial state


def _running_stats(
    body: BatchNormRequest | BatchNormStepsRequest, channels: int, settings: Settings
) -> dict[str, Array]:
    """The request's running_mean and running_var (C,), a fresh layer's where omitted."""
    stats = {}
    for name, kind in FRESH_LAYER.items():
        given = getattr(body, name)
        value = TensorSpec(shape=[channels], kind=kind) if given is None else given
        stats[name] = resolve(value, name, settings, VECTOR)
    return stats


def batch_norm_job(body: BatchNormRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, BATCH)
    channels = int(x.shape[1])
    inputs: Inputs = {"input": x, **_running_stats(body, channels, settings)}
    inputs |= {
        name: resolve_optional(getattr(body, name), name, settings, VECTOR) for name in ("weight", "bias")
    }
    params = parameters_of(body, inputs)
    mean, var, gamma, beta = (
        shape_of(inputs[name]) for name in ("running_mean", "running_var", "weight", "bias")
    )
    plan = norm_plan(x.shape, mean, var, gamma, beta, **params)
    check_running_var(inputs["running_var"])
    outputs = {"output": list(plan.output_shape), "running_mean": [channels], "running_var": [channels]}
    compute = partial(batch_norm, **inputs, **params)
    frames = partial(batch_norm_plan_frames, plan, **inputs)
    count, memory = plan.frame_count, lambda: plan.memory_elements
    return Job("batch_norm", inputs, params, outputs, None, plan.work, compute, frames, count, memory)


def batch_norm_backward_job(body: BatchNormBackwardRequest, settings: Settings) -> Job:
    inputs, params = prepare(body, settings, input=BATCH, grad_output=BATCH, weight=VECTOR)
    x, g, gamma = inputs["input"], inputs["grad_output"], inputs["weight"]
    plan = norm_backward_plan(x.shape, g.shape, shape_of(gamma), **params)
    shape = list(plan.output_shape)
    outputs = {"grad_input": shape, "grad_weight": [shape[1]], "grad_bias": [shape[1]]}
    compute = partial(batch_norm_backward, **inputs, **params)
    frames = partial(batch_norm_backward_plan_frames, plan, **inputs)
    count = plan.backward_frame_count
    return Job(
        "batch_norm_backward",
        inputs,
        params,
        outputs,
        None,
        plan.backward_work,
        compute,
        frames,
        count,
        lambda: plan.memory_elements,
    )


def batch_norm_steps_result(body: BatchNormStepsRequest, settings: Settings) -> dict[str, Any]:
    """T training steps, each on the running statistics of the step before; arrays (T, C) as lists."""
    batches = []
    total = 0
    for t, value in enumerate(body.inputs):
        batch = resolve(value, f"inputs[{t}]", settings, BATCH)
        total += batch.size
        if total > settings.max_tensor_elements:
            raise limit_error(
                f"the batches hold {total:,} values together (by inputs[{t}]), beyond",
                "max_tensor_elements",
                settings.max_tensor_elements,
                "inputs",
            )
        batches.append(batch)
    channels = int(batches[0].shape[1])
    stats = _running_stats(body, channels, settings)
    try:
        steps = batch_norm_training_steps(batches, stats["running_mean"], stats["running_var"], body.momentum)
    except EngineError as error:
        # The engine names a running statistic, or a batch ("inputs[1]", or batch_norm's "input"):
        # every batch is the body's field inputs.
        raise engine_error(error, error.field if error.field in FRESH_LAYER else "inputs") from None
    return {
        "op": "batch_norm_steps",
        "steps": len(batches),
        "start": {name: value.tolist() for name, value in stats.items()},
        **{name: value.tolist() for name, value in steps.items()},
    }
