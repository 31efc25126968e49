"""Checks every frame test shares: frame streams are JSON-ready and numbered, running totals add up."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

PLAIN = (int, float, bool, str, type(None))


def _assert_plain(value: Any, where: str) -> None:
    """Only Python's own JSON types, so no NumPy scalar or array slips into a frame."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, where
            _assert_plain(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _assert_plain(item, f"{where}[{i}]")
    else:
        assert type(value) in PLAIN, f"{where} is {type(value).__name__}"


def check_frames(frames: Iterable[dict[str, Any]], op: str) -> list[dict[str, Any]]:
    """The frames as a list, after the checks every stream must pass."""
    result = list(frames)
    json.dumps(result, allow_nan=False)  # raises on NaN or infinity
    assert [f["index"] for f in result] == list(range(len(result)))
    for frame in result:
        assert frame["op"] == op
        assert isinstance(frame["stage"], str)
        _assert_plain(frame, f"frame {frame['index']}")
    return result


def check_window_totals(
    totals: dict[tuple[int, ...], float],
    where: tuple[int, ...],
    window: tuple[Sequence[int], Sequence[int]],
    skipped: list[list[bool]],
    before_after: tuple[list[list[Any]], list[list[Any]]],
    added: float | list[list[float]],
) -> None:
    """One frame's window onto running totals (``where`` + (row, column) keys): a skipped cell has
    no before or after; any other cell's before is its total so far, its after adds ``added``
    (one number, or a matrix of one per cell)."""
    before, after = before_after
    for i, r in enumerate(window[0]):
        for j, c in enumerate(window[1]):
            if skipped[i][j]:
                assert before[i][j] is None
                assert after[i][j] is None
                continue
            step = added if isinstance(added, float | int) else added[i][j]
            key = (*where, r, c)
            assert before[i][j] == totals.get(key, 0.0)
            assert after[i][j] == before[i][j] + step
            totals[key] = after[i][j]
