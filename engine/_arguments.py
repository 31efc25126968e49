"""Argument checks for the classifier head and the optimizers, each raising :class:`EngineError`.

Every check names the argument (``field``), a stable rule ``code`` and the values the message
quotes, so the app can route the error to a control and say it again in another language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from engine.errors import EngineError

Array = NDArray[np.floating[Any]]
IntArray = NDArray[np.integer[Any]]


def _numeric(value: Any, field: str) -> NDArray[Any]:
    """``value`` as an array of numbers (bool counts, as NumPy treats it); ragged lists refused."""
    try:
        arr = np.asarray(value)
    except ValueError:  # NumPy refuses ragged nested lists outright
        arr = np.asarray(None)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise EngineError(
            "not_numeric",
            f"{field} must be a rectangular array of numbers, got {type(value).__name__} "
            f"of dtype {arr.dtype}",
            field=field,
            dtype=str(arr.dtype),
        )
    return arr


def float_array(value: Any, field: str) -> Array:
    """``value`` as a floating array with every value finite.

    Integers and bools become float64; float32 and float64 keep their dtype, so the dtype of a
    result follows its input, as in the rest of the engine.
    """
    arr = _numeric(value, field)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise EngineError(
            "not_finite", f"{field} contains NaN or infinity; every value must be finite", field=field
        )
    return arr


def integer_array(value: Any, field: str) -> IntArray:
    """``value`` as an array of integers: class indices are counted, never rounded from floats."""
    arr = _numeric(value, field)
    check_dtype(arr, np.integer, "not_integer", field, "class indices must be integers")
    return arr


def check_dtype(arr: NDArray[Any], kind: DTypeLike, code: str, field: str, rule: str) -> None:
    """Refuse ``arr`` unless its dtype is of ``kind`` (np.integer, np.floating); ``rule`` says why."""
    if not np.issubdtype(arr.dtype, kind):
        raise EngineError(code, f"{field} has dtype {arr.dtype}; {rule}", field=field, dtype=str(arr.dtype))


def check_shape(arr: NDArray[Any], expected: tuple[int, ...], field: str, why: str) -> None:
    """Refuse ``arr`` unless its shape is ``expected``; ``why`` says where that shape comes from."""
    if arr.shape != expected:
        raise EngineError(
            "shape_mismatch",
            f"{field} must have shape {expected} ({why}), got shape {arr.shape}",
            field=field,
            expected=expected,
            shape=arr.shape,
        )


def check_rank(arr: NDArray[Any], ranks: Sequence[int], field: str, layout: str) -> None:
    """Refuse ``arr`` unless it has one of ``ranks`` axes; ``layout`` names them, e.g. "(N, C)"."""
    if arr.ndim not in ranks:
        raise EngineError(
            "wrong_rank",
            f"{field} must have shape {layout}, got shape {arr.shape}",
            field=field,
            shape=arr.shape,
            layout=layout,
        )


def integer(value: Any, field: str) -> int:
    """A Python int; bools and floats are refused, so ``True`` or ``1.0`` cannot stand for a dim."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise EngineError(
            "not_an_integer", f"{field} must be an int, got {value!r}", field=field, value=value
        )
    return int(value)


def dimension(value: Any, ndim: int, field: str) -> int:
    """A dim wrapped into [0, ndim) as torch wraps it: -1 is the last axis.

    A 0-d array is treated as 1-d (dims -1 and 0 allowed), as torch treats scalars.
    """
    dim = integer(value, field)
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise EngineError(
            "dim_out_of_range",
            f"{field} {dim} is out of range for an array with {ndim} dimensions: "
            f"it must be in [{-size}, {size - 1}]",
            field=field,
            value=dim,
            low=-size,
            high=size - 1,
        )
    return dim % size


def number(value: Any, field: str) -> float:
    """A finite real number; bools, strings and NaN are refused (NaN would pass every ``<`` check)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise EngineError(
            "not_a_number", f"{field} must be a number, got {value!r}", field=field, value=value
        )
    result = float(value)
    if not math.isfinite(result):
        raise EngineError(
            "not_finite", f"{field} {value!r} must be a finite number", field=field, value=value
        )
    return result


def non_negative(value: Any, field: str) -> float:
    """A finite number at least 0 (learning rates, momenta, decays, epsilons)."""
    result = number(value, field)
    if result < 0:
        raise EngineError("negative", f"{field} {value!r} must not be negative", field=field, value=value)
    return result


def flag(value: Any, field: str) -> bool:
    """True or False; 0/1 and other stand-ins are refused, so a typo cannot flip a mode."""
    if not isinstance(value, bool | np.bool_):
        raise EngineError(
            "not_a_flag", f"{field} must be True or False, got {value!r}", field=field, value=value
        )
    return bool(value)


def one_of(value: Any, options: Sequence[str], field: str) -> str:
    """One of the named ``options``."""
    if not isinstance(value, str) or value not in options:
        raise EngineError(
            "not_one_of",
            f"{field} {value!r} is not one of {', '.join(options)}",
            field=field,
            value=value,
            options=tuple(options),
        )
    return value
