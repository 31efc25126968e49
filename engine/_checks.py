"""Argument normalisation and validation shared by every operation.

Every check raises ``ValueError`` with a message that names the offending value and the rule it
breaks, because these messages reach learners verbatim through the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating[Any]]
IntPair = tuple[int, int]
PairLike = int | Sequence[int]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def pair(value: PairLike, name: str) -> IntPair:
    """Turn an int or a length-2 sequence into an (h, w) pair of ints."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    try:
        items = list(value)
    except TypeError:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}") from None
    if len(items) != 2 or not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in items):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(items[0]), int(items[1])


def positive_pair(value: PairLike, name: str) -> IntPair:
    """A pair whose entries are at least 1 (kernel sizes, strides, dilations)."""
    result = pair(value, name)
    for v in result:
        if v < 1:
            raise ValueError(f"{name} {v} must be at least 1")
    return result


def non_negative_pair(value: PairLike, name: str) -> IntPair:
    """A pair whose entries are at least 0 (explicit paddings)."""
    result = pair(value, name)
    for v in result:
        if v < 0:
            raise ValueError(f"{name} {v} must not be negative")
    return result


def as_float_array(value: Any, name: str) -> Array:
    """Return ``value`` as a floating NumPy array, rejecting NaN and infinity.

    Integer input becomes float64; float32/float64 keep their dtype, so "dtype follows the input".
    """
    arr = np.asarray(value)
    if arr.dtype == object:
        raise ValueError(f"{name} must be a rectangular array of numbers")
    if not np.issubdtype(arr.dtype, np.number) and arr.dtype != np.bool_:
        raise ValueError(f"{name} must contain numbers, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; every value must be finite")
    return arr


def to_batched(value: Any, name: str = "input") -> tuple[Array, bool]:
    """Accept (N, C, H, W) or (C, H, W); return the 4-D array and whether a batch axis was added."""
    arr = as_float_array(value, name)
    if arr.ndim == 3:
        return arr[None], True
    if arr.ndim == 4:
        return arr, False
    raise ValueError(f"{name} must have shape (N, C, H, W) or (C, H, W), got shape {arr.shape}")


def restore_rank(arr: Array, added_batch: bool) -> Array:
    """Undo :func:`to_batched`: drop the batch axis again when the caller gave (C, H, W)."""
    return arr[0] if added_batch else arr


def check_padding_mode(padding_mode: str) -> None:
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode {padding_mode!r} is not one of {', '.join(PADDING_MODES)}")


def pad_planes(x: Array, pads: tuple[int, int, int, int], padding_mode: str = "zeros") -> Array:
    """Pad the last two axes of ``x`` by (top, bottom, left, right) with PyTorch's padding modes.

    Shapes: (..., H, W) -> (..., H + top + bottom, W + left + right).
    """
    check_pad_sizes(pads, x.shape[-2], x.shape[-1], padding_mode)
    top, bottom, left, right = pads
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    numpy_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    return np.pad(x, widths, mode=numpy_mode[padding_mode])  # type: ignore[call-overload,no-any-return]


def check_pad_sizes(pads: tuple[int, int, int, int], height: int, width: int, padding_mode: str) -> None:
    """Check that (top, bottom, left, right) padding of a height x width plane is possible in this mode.

    Shape-only, so the cost of a request can be judged before any array exists.
    """
    check_padding_mode(padding_mode)
    top, bottom, left, right = pads
    # Reflection mirrors about the edge pixel, so it needs a pixel beyond the padding width.
    if padding_mode == "reflect" and (max(top, bottom) >= height or max(left, right) >= width):
        raise ValueError(
            f"reflect padding {pads} needs each pad smaller than the input size {height}x{width}"
        )
    if padding_mode == "circular" and (max(top, bottom) > height or max(left, right) > width):
        raise ValueError(
            f"circular padding {pads} can wrap at most once: each pad must be at most "
            f"the input size {height}x{width}"
        )


def check_flag(value: object, name: str) -> bool:
    """A True/False switch; 0/1 and other stand-ins are refused so a typo cannot flip a mode."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)
