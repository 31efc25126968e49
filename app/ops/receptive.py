"""POST /api/receptive-field: per-layer field, jump and start of a stack; where one unit looks.

The request's sides and limits are checked here, the engine computes every field and box, and
the answer is the JSON of :class:`app.schemas.ReceptiveFieldResponse`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from app.errors import ApiError, engine_error, limit_error
from app.schemas import ReceptiveFieldRequest, ReceptiveUnit
from app.settings import Settings
from engine import Box, EngineError, LayerField, effective_receptive_field, receptive_fields, unit_field


def _box(box: Box | None) -> dict[str, int] | None:
    return None if box is None else asdict(box)


def _layer(f: LayerField, g: LayerField) -> dict[str, Any]:
    """One layer's entry from its row field ``f`` and column field ``g`` (the same on a square input)."""
    square = f.output_size == g.output_size and f.input_size == g.input_size
    lay = f.layer
    return {
        "index": f.index,
        "type": lay.type,
        "kernel_size": lay.kernel_size,
        "stride": lay.stride,
        "padding": lay.padding,
        "dilation": lay.dilation,
        "ceil_mode": lay.ceil_mode,
        "output_size": f.output_size if square else None,
        "output_height": f.output_size,
        "output_width": g.output_size,
        "derivation": f.derivation if square else f"height: {f.derivation}; width: {g.derivation}",
        "receptive_field": f.receptive_field,
        "jump": f.jump,
        "start": f.start,
        "field_on_previous": f.field_on_previous,
    }


def _sides(body: ReceptiveFieldRequest) -> tuple[int, int]:
    """(H, W): input_size for a square input, or input_height and input_width, never a mix."""
    pair = (body.input_height, body.input_width)
    if body.input_size is not None:
        if pair != (None, None):
            raise ApiError(
                422,
                "invalid_value",
                "give input_size (a square input) or input_height and input_width, not both",
                "input_size",
            )
        return body.input_size, body.input_size
    if body.input_height is None or body.input_width is None:
        field = "input_size"
        if pair != (None, None):
            field = "input_width" if body.input_width is None else "input_height"
        raise ApiError(
            422,
            "missing_field",
            "the input's size is required: input_size for a square input, or input_height and input_width",
            field,
        )
    return body.input_height, body.input_width


def _refusal(error: EngineError) -> ApiError:
    """The engine names the layer at fault ("layers[2]", or the key of its spec, "layers[2].padding")
    or the unit; the answer points `field` at the layer as a whole, or at the unit."""
    field = None if error.field is None else error.field.partition(".")[0]
    if field is not None and field.startswith("layers["):
        return engine_error(error, field, "invalid_layer")
    return engine_error(error, field)


def _check_limits(body: ReceptiveFieldRequest, sides: tuple[int, int], settings: Settings) -> None:
    if len(body.layers) > settings.max_receptive_layers:
        what = f"`layers` has {len(body.layers)} layers, more than"
        raise limit_error(what, "max_receptive_layers", settings.max_receptive_layers, "layers")
    names = ("input_size", "input_size") if body.input_size is not None else ("input_height", "input_width")
    for name, side in zip(names, sides, strict=True):
        if side > settings.max_receptive_input:
            what = f"{name} {side} is more than"
            raise limit_error(what, "max_receptive_input", settings.max_receptive_input, name)


def _effective(
    body: ReceptiveFieldRequest,
    sides: tuple[int, int],
    layers: list[dict[str, Any]],
    fields: list[tuple[LayerField, LayerField]],
    settings: Settings,
) -> dict[str, Any]:
    unit = body.unit
    if unit is None:
        raise ApiError(422, "invalid_value", "effective needs a unit: send unit {layer, y, x}", "effective")
    # The backward pass of each layer reads every tap of every output position once.
    work = sum(f.output_size * g.output_size * f.layer.kernel_size**2 for f, g in fields[: unit.layer + 1])
    if work > settings.max_work:
        raise limit_error(
            f"the effective field needs {work:,} window reads, more than", "max_work", settings.max_work
        )
    grid = effective_receptive_field(sides, layers, unit.layer, unit.y, unit.x)
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


def _unit(sides: tuple[int, int], layers: list[dict[str, Any]], asked: ReceptiveUnit) -> dict[str, Any]:
    """Where unit (y, x) of a layer looks: its centre, its box on the input, its window on each layer."""
    unit = unit_field(sides, layers, asked.layer, asked.y, asked.x)
    return {
        "layer": unit.layer,
        "y": unit.y,
        "x": unit.x,
        "centre": list(unit.centre),
        "input_box": _box(unit.input_box),
        "clipped_box": _box(unit.clipped_box),
        "boxes": [
            {
                "layer": b.layer,
                "size": b.size,
                "height": b.height,
                "width": b.width,
                "box": _box(b.box),
                "clipped": _box(b.clipped),
            }
            for b in unit.boxes
        ],
    }


def receptive_field_result(body: ReceptiveFieldRequest, settings: Settings) -> dict[str, Any]:
    """The answer: every layer's field, and the unit's boxes and effective field when asked for."""
    sides = _sides(body)
    _check_limits(body, sides, settings)
    layers = [layer.model_dump() for layer in body.layers]
    try:
        rows = receptive_fields(sides[0], layers)
        columns = rows if sides[0] == sides[1] else receptive_fields(sides[1], layers)
        fields = list(zip(rows, columns, strict=True))
        result: dict[str, Any] = {
            "input_size": body.input_size,
            "input_height": sides[0],
            "input_width": sides[1],
            "layers": [_layer(f, g) for f, g in fields],
        }
        if body.unit is not None:
            result["unit"] = _unit(sides, layers, body.unit)
        if body.effective:
            result["effective"] = _effective(body, sides, layers, fields, settings)
    except EngineError as error:
        raise _refusal(error) from None
    return result
