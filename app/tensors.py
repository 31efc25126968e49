"""Tensors of a request: nested lists checked and converted, specs generated, results serialised.

Every check names the field and, for a bad value, where it sits (``input[0][2][1]``), because the
message goes straight to a learner. Lists are checked before NumPy sees them: NumPy would turn
``true`` or ``"1"`` into 1.0 and a ragged list into an opaque error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.errors import ApiError, limit_error
from app.schemas import TensorSpec
from app.settings import Settings
from engine import generate

Array = NDArray[Any]
Layouts = dict[int, str]  # accepted rank -> how the error message names it

INPUT: Layouts = {3: "(C, H, W)", 4: "(N, C, H, W)"}
BATCH: Layouts = {4: "(N, C, H, W)"}
CONV_WEIGHT: Layouts = {4: "(out_channels, in_channels / groups, kH, kW)"}
TRANSPOSE_WEIGHT: Layouts = {4: "(in_channels, out_channels / groups, kH, kW)"}
VECTOR: Layouts = {1: "(C,), one value per channel"}
_NUMBER_TYPES = frozenset({int, float})


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _at(name: str, path: tuple[int, ...]) -> str:
    return name + "".join(f"[{i}]" for i in path)


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


def _first_shape(value: list[Any]) -> tuple[int, ...]:
    """Shape read along the first entries; the full walk then checks every other entry against it."""
    shape: list[int] = []
    level: Any = value
    while isinstance(level, list):
        shape.append(len(level))
        if not level:
            break
        level = level[0]
    return tuple(shape)


def _check_leaf_row(row: list[Any], name: str, path: tuple[int, ...], max_abs: float) -> None:
    # set(map(type, row)) and max(map(abs, row)) run in C: a million numbers take milliseconds.
    if not set(map(type, row)) <= _NUMBER_TYPES:
        for i, item in enumerate(row):
            if type(item) not in _NUMBER_TYPES:
                where = _at(name, (*path, i))
                if isinstance(item, list):
                    raise ApiError(
                        422,
                        "ragged_tensor",
                        f"{where} is a list where a number was expected: "
                        "every entry must have the same depth",
                        name,
                    )
                raise ApiError(422, "not_a_number", f"{where} is {_show(item)}, not a number", name)
    if not _all_finite(row) or max(map(abs, row)) > max_abs:
        for i, item in enumerate(row):
            if not _all_finite((item,)) or abs(item) > max_abs:
                shown = _magnitude(item)
                raise ApiError(
                    422,
                    "value_too_large",
                    f"{_at(name, (*path, i))} is {shown}, beyond the limit max_abs_value = {max_abs:g}",
                    name,
                    limit=("max_abs_value", max_abs),
                )


def _all_finite(row: Iterable[Any]) -> bool:
    """Every number is finite; an integer too large for a float (over about 1e308) is not."""
    try:
        return all(map(math.isfinite, row))
    except OverflowError:
        return False


def _magnitude(item: Any) -> str:
    """A number as a message shows it: ``1e+13``, or ``an integer of about 400 digits``."""
    try:
        return f"{item:g}"
    except OverflowError:
        return f"an integer of about {int(item.bit_length() * math.log10(2)) + 1} digits"


def _walk(value: Any, shape: tuple[int, ...], name: str, path: tuple[int, ...], max_abs: float) -> None:
    depth = len(path)
    if not isinstance(value, list):
        raise ApiError(
            422,
            "ragged_tensor",
            f"{_at(name, path)} is {_show(value)} where a list of "
            f"{shape[depth]} entries was expected: every entry must have the same depth",
            name,
        )
    if len(value) != shape[depth]:
        first = _at(name, (*path[:-1], 0)) if path else name
        raise ApiError(
            422,
            "ragged_tensor",
            f"{_at(name, path)} has {_entries(len(value))} but {first} has {shape[depth]}: "
            "a tensor must be rectangular (every row the same length)",
            name,
        )
    if depth == len(shape) - 1:
        _check_leaf_row(value, name, path, max_abs)
        return
    for i, item in enumerate(value):
        _walk(item, shape, name, (*path, i), max_abs)


def _check_rank(shape: tuple[int, ...], name: str, layouts: Layouts) -> None:
    if len(shape) not in layouts:
        expected = " or ".join(layouts.values())
        raise ApiError(
            422,
            "wrong_rank",
            f"{name} must have shape {expected}, got {len(shape)}-D shape {list(shape)}",
            name,
        )


def _check_elements(shape: tuple[int, ...], name: str, settings: Settings) -> None:
    elements = math.prod(shape)
    if elements > settings.max_tensor_elements:
        raise limit_error(
            f"{name} has {elements:,} values (shape {list(shape)}), more than",
            "max_tensor_elements",
            settings.max_tensor_elements,
            name,
        )


def nested_to_array(value: list[Any], name: str, settings: Settings, layouts: Layouts) -> Array:
    """Check nested lists (rectangular, numbers, finite, within limits) and return them as float64.

    ``layouts`` maps each accepted number of dimensions to its layout, e.g. {3: "(C, H, W)"}.
    """
    shape = _first_shape(value)
    if 0 in shape:
        raise ApiError(
            422, "empty_tensor", f"{name} has shape {list(shape)}: every size must be at least 1", name
        )
    _check_rank(shape, name, layouts)
    _check_elements(shape, name, settings)
    _walk(value, shape, name, (), settings.max_abs_value)
    return np.asarray(value, dtype=np.float64)


def spec_to_array(spec: TensorSpec, name: str, settings: Settings, layouts: Layouts) -> Array:
    """Generate the tensor a spec describes, after checking its rank and size."""
    _check_rank(tuple(spec.shape), name, layouts)
    _check_elements(tuple(spec.shape), name, settings)
    try:
        return generate(spec.shape, spec.kind, spec.seed, spec.low, spec.high)
    except ValueError as exc:
        raise ApiError(422, "invalid_spec", f"{name}: {exc}", name) from None


def resolve(value: list[Any] | TensorSpec, name: str, settings: Settings, layouts: Layouts) -> Array:
    """The array a request field stands for: a spec is generated, nested lists are checked."""
    if isinstance(value, TensorSpec):
        return spec_to_array(value, name, settings, layouts)
    return nested_to_array(value, name, settings, layouts)


def resolve_optional(
    value: list[Any] | TensorSpec | None, name: str, settings: Settings, layouts: Layouts
) -> Array | None:
    """As :func:`resolve`, with None (an absent bias or weight) staying None."""
    return None if value is None else resolve(value, name, settings, layouts)


def as_list(array: Array | None) -> Any:
    """A NumPy array as nested lists of Python numbers (JSON-ready), None as None."""
    return None if array is None else array.tolist()


def shape_of(array: Array | None) -> list[int] | None:
    return None if array is None else list(array.shape)
