"""The engine's shared types and the argument checks every operation uses.

Every check raises :class:`engine.errors.EngineError` with a message that names the offending
value and the rule it breaks, because these messages reach learners verbatim through the API,
and a code and a field, so that a caller can route the error without reading the prose.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from engine.errors import EngineError

Array = NDArray[np.floating[Any]]
"""A floating array of any precision: what every operation takes and returns."""
IntArray = NDArray[np.integer[Any]]
"""An integer array of any width: index arrays the engine builds (intp), class indices a caller gives."""
Shape = tuple[int, ...]
IntPair = tuple[int, int]
PairLike = int | Sequence[int]
Pads = tuple[int, int, int, int]
"""Padding of a plane: (top, bottom, left, right)."""

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def is_int(value: object) -> bool:
    """A Python or NumPy integer, and not a bool (True is an int to Python, never a size here)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def integer(value: Any, name: str, minimum: int | None = None, *, field: str | None = None) -> int:
    """``value`` as an int, refusing bools, floats and strings; at least ``minimum`` if given.

    ``name`` is how the message calls the value, ``field`` the argument it belongs to (``name``
    by default).
    """
    at = field or name
    if not is_int(value):
        raise EngineError("not_an_int", f"{name} must be an int, got {value!r}", field=at, value=repr(value))
    if minimum is not None and value < minimum:
        if minimum == 0:
            raise EngineError(
                "must_not_be_negative", f"{name} {value} must not be negative", field=at, value=value
            )
        raise EngineError(
            "must_be_positive",
            f"{name} {value} must be at least {minimum}",
            field=at,
            value=value,
            minimum=minimum,
        )
    return int(value)


def dimension(value: Any, ndim: int, name: str) -> int:
    """An axis wrapped into [0, ndim) as torch wraps a dim: -1 is the last axis.

    A 0-d array is treated as 1-d (dims -1 and 0 allowed), as torch treats scalars.
    """
    dim = integer(value, name)
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise EngineError(
            "dim_out_of_range",
            f"{name} {dim} is out of range for an array with {ndim} dimensions: "
            f"it must be in [{-size}, {size - 1}]",
            field=name,
            value=dim,
            low=-size,
            high=size - 1,
        )
    return dim % size


def number(value: Any, name: str) -> float:
    """A finite real number (int or float, not a bool) as a float.

    NaN is refused here once for every caller: it would pass every ``<`` check that follows.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise EngineError(
            "not_a_number", f"{name} must be a number, got {value!r}", field=name, value=repr(value)
        )
    try:
        result = float(value)
    except OverflowError:  # an int beyond the float range
        result = math.inf
    if not math.isfinite(result):
        raise EngineError(
            "not_finite", f"{name} {value!r} must be a finite number", field=name, value=repr(value)
        )
    return result


def non_negative(value: Any, name: str) -> float:
    """A finite number at least 0 (learning rates, momenta, decays, epsilons)."""
    result = number(value, name)
    if result < 0:
        raise EngineError(
            "must_not_be_negative", f"{name} {value!r} must not be negative", field=name, value=result
        )
    return result


def check_flag(value: object, name: str) -> bool:
    """A True/False switch; 0/1 and other stand-ins are refused so a typo cannot flip a mode."""
    if not isinstance(value, bool | np.bool_):
        raise EngineError(
            "not_a_flag", f"{name} must be True or False, got {value!r}", field=name, value=repr(value)
        )
    return bool(value)


def one_of(value: Any, options: Sequence[str], name: str, code: str) -> str:
    """One of the named ``options``; ``code`` is the rule's name ("unknown_padding_mode")."""
    if not isinstance(value, str) or value not in options:
        raise EngineError(
            code,
            f"{name} {value!r} is not one of {', '.join(options)}",
            field=name,
            value=repr(value),
            options=tuple(options),
        )
    return value


def _not_a_pair(value: object, name: str) -> EngineError:
    return EngineError(
        "not_an_int", f"{name} must be an int or a pair of ints, got {value!r}", field=name, value=repr(value)
    )


def pair(value: PairLike, name: str) -> IntPair:
    """Turn an int or a length-2 sequence into an (h, w) pair of ints."""
    if is_int(value):
        return int(value), int(value)  # type: ignore[arg-type]
    if isinstance(value, bool | str):
        raise _not_a_pair(value, name)
    try:
        items = list(value)  # type: ignore[arg-type]
    except TypeError:
        raise _not_a_pair(value, name) from None
    if len(items) != 2 or not all(is_int(v) for v in items):
        raise _not_a_pair(value, name)
    return int(items[0]), int(items[1])


def positive_pair(value: PairLike, name: str) -> IntPair:
    """A pair whose entries are at least 1 (kernel sizes, strides, dilations)."""
    first, second = pair(value, name)
    return integer(first, name, 1), integer(second, name, 1)


def non_negative_pair(value: PairLike, name: str) -> IntPair:
    """A pair whose entries are at least 0 (explicit paddings)."""
    first, second = pair(value, name)
    return integer(first, name, 0), integer(second, name, 0)


def int_shape(shape: Any, name: str, field: str) -> Shape:
    """A shape as a tuple of ints, refusing anything else (a float or bool size is a mistake)."""
    try:
        dims = tuple(shape)
    except TypeError:
        dims = (None,)
    if not all(is_int(v) for v in dims):
        raise EngineError(
            "not_an_int", f"{name} must be a sequence of ints, got {shape!r}", field=field, value=repr(shape)
        )
    return tuple(int(v) for v in dims)


def bad_shape(name: str, expected: str, shape: Sequence[int], field: str | None = None) -> EngineError:
    """ "``name`` must have shape ``expected``, got shape ...": the error of an array of the wrong rank."""
    got = tuple(shape)
    return EngineError(
        "bad_shape", f"{name} must have shape {expected}, got shape {got}", field=field or name, shape=got
    )


def empty_dimension(name: str, shape: Sequence[int], field: str | None = None) -> EngineError:
    got = tuple(shape)
    return EngineError(
        "empty_dimension",
        f"{name} shape {got} has an empty dimension; every size must be at least 1",
        field=field or name,
        shape=got,
    )


def batched_shape(shape: Sequence[int], name: str = "input") -> tuple[int, int, int, int]:
    """(N, C, H, W) from a 4-D or 3-D shape (a 3-D shape gets N = 1); every size at least 1."""
    dims = int_shape(shape, name, name)
    if len(dims) == 3:
        dims = (1, *dims)
    if len(dims) != 4:
        raise bad_shape(name, "(N, C, H, W) or (C, H, W)", shape)
    if min(dims) < 1:
        raise empty_dimension(name, shape)
    return dims[0], dims[1], dims[2], dims[3]


def check_vector(shape: Sequence[int] | None, length: int, name: str, what: str) -> None:
    """A per-channel vector (bias, running statistics, gamma, beta) must have shape (length,)."""
    if shape is not None and tuple(shape) != (length,):
        raise EngineError(
            "bad_shape",
            f"{name} must have shape ({length},), one value per {what}, got shape {tuple(shape)}",
            field=name,
            expected=(length,),
            shape=tuple(shape),
        )


def numeric_array(value: Any, name: str) -> NDArray[Any]:
    """``value`` as a NumPy array of numbers (bools count, as NumPy treats them); ragged lists,
    strings and objects are refused."""
    try:
        arr = np.asarray(value)
    except ValueError:  # a ragged nested list, on NumPy versions that refuse it outright
        arr = np.empty(0, dtype=object)
    if arr.dtype == object:
        raise EngineError("not_numeric", f"{name} must be a rectangular array of numbers", field=name)
    if not np.issubdtype(arr.dtype, np.number) and arr.dtype != np.bool_:
        raise EngineError("not_numeric", f"{name} must contain numbers, got dtype {arr.dtype}", field=name)
    return arr


def as_float_array(value: Any, name: str) -> Array:
    """Return ``value`` as a floating NumPy array, rejecting NaN and infinity.

    Integer input becomes float64; float32/float64 keep their dtype, so "dtype follows the input".
    """
    arr = numeric_array(value, name)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise EngineError(
            "not_finite", f"{name} contains NaN or infinity; every value must be finite", field=name
        )
    return arr


def check_dtype(arr: NDArray[Any], kind: DTypeLike, name: str, code: str, rule: str) -> None:
    """Refuse ``arr`` unless its dtype is of ``kind`` (np.integer, np.floating); ``rule`` says why."""
    if not np.issubdtype(arr.dtype, kind):
        raise EngineError(code, f"{name} has dtype {arr.dtype}; {rule}", field=name, dtype=str(arr.dtype))


def check_rank(arr: NDArray[Any], ranks: Sequence[int], name: str, layout: str) -> None:
    """Refuse ``arr`` unless it has one of ``ranks`` axes; ``layout`` names them, e.g. "(N, C)"."""
    if arr.ndim not in ranks:
        raise bad_shape(name, layout, arr.shape)


def check_shape(arr: NDArray[Any], expected: Shape, name: str, why: str) -> None:
    """Refuse ``arr`` unless its shape is ``expected``; ``why`` says where that shape comes from."""
    if arr.shape != expected:
        raise EngineError(
            "shape_mismatch",
            f"{name} must have shape {expected} ({why}), got shape {arr.shape}",
            field=name,
            expected=expected,
            shape=arr.shape,
        )


def to_batched(value: Any, name: str = "input") -> tuple[Array, bool]:
    """Accept (N, C, H, W) or (C, H, W); return the 4-D array and whether a batch axis was added."""
    arr = as_float_array(value, name)
    if arr.ndim == 3:
        return arr[None], True
    if arr.ndim == 4:
        return arr, False
    raise bad_shape(name, "(N, C, H, W) or (C, H, W)", arr.shape)


def restore_rank(arr: Array, added_batch: bool) -> Array:
    """Undo :func:`to_batched`: drop the batch axis again when the caller gave (C, H, W)."""
    return arr[0] if added_batch else arr


def check_padding_mode(padding_mode: str) -> None:
    one_of(padding_mode, PADDING_MODES, "padding_mode", "unknown_padding_mode")


def check_pad_sizes(pads: Pads, height: int, width: int, padding_mode: str) -> None:
    """Check that (top, bottom, left, right) padding of a height x width plane is possible in this mode.

    Shape-only, so the cost of a request can be judged before any array exists.
    """
    check_padding_mode(padding_mode)
    top, bottom, left, right = pads
    values = {"pads": pads, "height": height, "width": width}
    # Reflection mirrors about the edge pixel, so it needs a pixel beyond the padding width.
    if padding_mode == "reflect" and (max(top, bottom) >= height or max(left, right) >= width):
        message = f"reflect padding {pads} needs each pad smaller than the input size {height}x{width}"
        raise EngineError("padding_too_large", message, field="padding", **values)
    if padding_mode == "circular" and (max(top, bottom) > height or max(left, right) > width):
        message = (
            f"circular padding {pads} can wrap at most once: each pad must be at most "
            f"the input size {height}x{width}"
        )
        raise EngineError("padding_too_large", message, field="padding", **values)


def pad_planes(x: Array, pads: Pads, padding_mode: str = "zeros") -> Array:
    """Pad the last two axes of ``x`` by (top, bottom, left, right) with PyTorch's padding modes.

    Shapes: (..., H, W) -> (..., H + top + bottom, W + left + right). The caller checked the pads.
    """
    top, bottom, left, right = pads
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    numpy_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    return np.pad(x, widths, mode=numpy_mode[padding_mode])  # type: ignore[call-overload,no-any-return]
