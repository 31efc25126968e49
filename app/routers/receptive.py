"""POST /api/receptive-field: per-layer field, jump and start of a stack; where one unit looks."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from app.dependencies import SettingsDep
from app.errors import ApiError, limit_error
from app.routers.common import result_responses
from app.schemas import ReceptiveFieldRequest, ReceptiveFieldResponse
from app.settings import Settings
from engine.receptive import Box, LayerField, effective_receptive_field, receptive_fields, unit_field

router = APIRouter(prefix="/api", tags=["receptive field"])

EXAMPLES: dict[str, dict[str, Any]] = {
    "three_3x3": {
        "summary": "Three 3x3 convs then a 2x2 pool on 32x32; where unit (3, 3) of the pool looks",
        "value": {
            "input_size": 32,
            "layers": [
                {"type": "conv", "kernel_size": 3, "padding": 1},
                {"type": "conv", "kernel_size": 3, "padding": 1},
                {"type": "conv", "kernel_size": 3, "padding": 1},
                {"type": "pool", "kernel_size": 2},
            ],
            "unit": {"layer": 3, "y": 3, "x": 3},
            "effective": True,
        },
    },
    "strided": {
        "summary": "Stride and dilation: a 7x7 stride-2 conv, a 3x3 pool, a dilated 3x3 conv",
        "value": {
            "input_size": 64,
            "layers": [
                {"type": "conv", "kernel_size": 7, "stride": 2, "padding": 3},
                {"type": "pool", "kernel_size": 3, "stride": 2, "padding": 1},
                {"type": "conv", "kernel_size": 3, "padding": 2, "dilation": 2},
            ],
        },
    },
}

ReceptiveBody = Annotated[ReceptiveFieldRequest, Body(openapi_examples=EXAMPLES)]

_LAYER = re.compile(r"^layer (\d+)")


def _box(box: Box | None) -> dict[str, int] | None:
    return None if box is None else asdict(box)


def _layer(f: LayerField) -> dict[str, Any]:
    return {
        "index": f.index,
        **asdict(f.layer),
        "output_size": f.output_size,
        "derivation": f.derivation,
        "receptive_field": f.receptive_field,
        "jump": f.jump,
        "start": f.start,
        "field_on_previous": f.field_on_previous,
    }


def _engine_error(error: ValueError) -> ApiError:
    """The engine's message names the layer or the unit; point `field` at it."""
    message = str(error)
    match = _LAYER.match(message)
    field = f"layers[{match.group(1)}]" if match else "unit" if message.startswith("unit") else None
    return ApiError(422, "invalid_layer" if match else "invalid_value", message, field)


def _check_limits(body: ReceptiveFieldRequest, settings: Settings) -> None:
    if len(body.layers) > settings.max_receptive_layers:
        what = f"`layers` has {len(body.layers)} layers, more than"
        raise limit_error(what, "max_receptive_layers", settings.max_receptive_layers, "layers")
    if body.input_size > settings.max_receptive_input:
        what = f"input_size {body.input_size} is more than"
        raise limit_error(what, "max_receptive_input", settings.max_receptive_input, "input_size")


def _effective(
    body: ReceptiveFieldRequest, layers: list[dict[str, Any]], fields: list[LayerField], settings: Settings
) -> dict[str, Any]:
    unit = body.unit
    if unit is None:
        raise ApiError(422, "invalid_value", "effective needs a unit: send unit {layer, y, x}", "effective")
    # The backward pass of each layer reads every tap of every output position once.
    work = sum(f.output_size**2 * f.layer.kernel_size**2 for f in fields[: unit.layer + 1])
    if work > settings.max_work:
        raise limit_error(
            f"the effective field needs {work:,} window reads, more than", "max_work", settings.max_work
        )
    grid = effective_receptive_field(body.input_size, layers, unit.layer, unit.y, unit.x)
    rows, cols = np.nonzero(grid)
    support = (
        {"top": int(rows.min()), "left": int(cols.min()), "bottom": int(rows.max()), "right": int(cols.max())}
        if rows.size
        else None
    )
    peak = np.unravel_index(int(np.argmax(grid)), grid.shape)
    return {
        "map": np.round(grid, 6).tolist(),
        "peak": [int(peak[0]), int(peak[1])],
        "support": support,
    }


@router.post(
    "/receptive-field",
    summary="Receptive fields of a conv/pool stack",
    responses=result_responses(ReceptiveFieldResponse),
)
def receptive_field(body: ReceptiveBody, settings: SettingsDep) -> JSONResponse:
    """For each layer of a stack of conv and pool layers on a square input: the output size (with the
    floor shown), the receptive field on the input r_n = r_(n-1) + (k_eff - 1) * j_(n-1), the jump
    j_n = j_(n-1) * stride, the start (centre of unit 0's field) and the field on the previous layer
    k_eff = dilation*(kernel_size - 1) + 1.

    With `unit` {layer, y, x} (layer 0 is the first layer's output): the unit's box on the input (it
    may reach into padding), the box clipped to the pixels it actually depends on, and its window on
    every earlier layer. With `effective: true` as well: the effective receptive field, the gradient
    of the unit with respect to the input through all-ones kernels and average pools, normalised to 1.

    Limits: `max_receptive_layers` layers, `max_receptive_input` for input_size, `max_work` for the effective
    field (413).
    """
    _check_limits(body, settings)
    layers = [layer.model_dump() for layer in body.layers]
    try:
        fields = receptive_fields(body.input_size, layers)
        result: dict[str, Any] = {"input_size": body.input_size, "layers": [_layer(f) for f in fields]}
        if body.unit is not None:
            unit = unit_field(body.input_size, layers, body.unit.layer, body.unit.y, body.unit.x)
            result["unit"] = {
                "layer": unit.layer,
                "y": unit.y,
                "x": unit.x,
                "centre": list(unit.centre),
                "input_box": _box(unit.input_box),
                "clipped_box": _box(unit.clipped_box),
                "boxes": [
                    {"layer": b.layer, "size": b.size, "box": _box(b.box), "clipped": _box(b.clipped)}
                    for b in unit.boxes
                ],
            }
        if body.effective:
            result["effective"] = _effective(body, layers, fields, settings)
    except ValueError as error:
        raise _engine_error(error) from None
    return JSONResponse(result)
