"""POST /api/receptive-field: the route; app.ops.receptive computes the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from app import examples
from app.cache import cached_post
from app.openapi import result_responses
from app.ops.receptive import receptive_field_result
from app.schemas import ReceptiveFieldRequest, ReceptiveFieldResponse
from app.settings import SettingsDep

router = APIRouter(prefix="/api", tags=["receptive field"])

ReceptiveBody = Annotated[ReceptiveFieldRequest, Body(openapi_examples=examples.RECEPTIVE_FIELD)]


@router.post(
    "/receptive-field",
    summary="Receptive fields of a conv/pool stack",
    responses=result_responses(ReceptiveFieldResponse),
)
async def receptive_field(body: ReceptiveBody, request: Request, settings: SettingsDep) -> Response:
    """For each layer of a stack of conv, pool and batch-norm layers on an input of `input_size`
    squared, or `input_height` x `input_width`: the output size (with the floor shown), the
    receptive field on the input r_n = r_(n-1) + (k_eff - 1) * j_(n-1), the jump
    j_n = j_(n-1) * stride, the start (centre of unit 0's field) and the field on the previous layer
    k_eff = dilation*(kernel_size - 1) + 1. A conv's padding may be "same" (stride 1) or "valid"
    and comes back resolved; a pool may round up with `ceil_mode`; a `batch_norm` layer acts on each
    pixel alone (1x1, stride 1), so it leaves the geometry unchanged. On a non-square input
    `output_size` (and each box's `size`) is null: read `output_height` and `output_width`.

    With `unit` {layer, y, x} (layer 0 is the first layer's output): the unit's box on the input (it
    may reach into padding), the box clipped to the pixels it actually depends on, and its window on
    every earlier layer. With `effective: true` as well: the effective receptive field, the gradient
    of the unit with respect to the input through all-ones kernels and average pools, normalised to 1.

    Limits: `max_receptive_layers` layers, `max_receptive_input` for input_size, `max_work` for the effective
    field (413).
    """
    # The answer depends on the body alone: a repeat is answered from the app's cache.
    return await cached_post(request, body, lambda: receptive_field_result(body, settings))
