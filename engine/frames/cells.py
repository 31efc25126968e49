"""Pieces every frame generator shares: the frame type and the layout of windows over a padded plane."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from engine._checks import IntArray

Frame = dict[str, Any]
"""One step: a plain JSON-ready dict (Python ints, floats, bools, lists, None and str only)."""

Result = TypeVar("Result")
Frames = Generator[Frame, None, Result]
"""A frame generator that, once its last frame is read, returns (as ``StopIteration.value``, the
value of ``yield from``) the operation's result assembled from the values its frames carry."""

Cell = list[int] | None
Matrix = list[list[Any]]


def head(index: Iterator[int], op: str, stage: str, **where: Any) -> Frame:
    """The start of every frame: its number (from ``index``), the operation, the stage, where it is."""
    return {"index": next(index), "op": op, "stage": stage, **where}


def tap_coords(out_size: int, stride: int, dilation: int, kernel: int, before: int) -> IntArray:
    """Unpadded input coordinate of tap k of window o along one axis: o*stride + k*dilation - before.

    Shape (out_size, kernel); values outside 0..size-1 fall in the padding.
    """
    o = np.arange(out_size)[:, None]
    k = np.arange(kernel)[None, :]
    return (o * stride + k * dilation - before).astype(np.intp)


def source_coords(coords: IntArray, size: int, padding_mode: str) -> IntArray:
    """The real input coordinate that a (possibly padded) coordinate copies, along one axis.

    reflect mirrors about the edge cell, replicate repeats it, circular wraps around; real
    coordinates map to themselves. Not meaningful for "zeros" (padding cells copy nothing).
    """
    if padding_mode == "reflect":
        mirrored = np.where(coords < 0, -coords, coords)
        return np.where(mirrored >= size, 2 * (size - 1) - mirrored, mirrored).astype(np.intp)
    if padding_mode == "replicate":
        return np.clip(coords, 0, size - 1).astype(np.intp)
    return np.mod(coords, size).astype(np.intp)


@dataclass(frozen=True)
class WindowGrid:
    """Where each window of a sliding scan reads, in unpadded input coordinates, ready for frames.

    Window (y, x) reads rows ``rows[y]`` and columns ``cols[x]``; cell (i, j) of the window is
    ``(rows[y][i], cols[x][j])``, so matrix position (i, j) is the kernel tap (ky, kx) = (i, j).
    ``padded[y][x]`` marks cells outside the input; ``source[y][x]`` gives, for non-zero padding
    modes, the real cell [row, col] each padded cell copies (None for real cells); it is None for
    zero padding, where padding cells copy nothing.
    """

    rows: list[list[int]]
    cols: list[list[int]]
    padded: list[list[Matrix]]
    source: list[list[Matrix]] | None
    any_padded: list[list[bool]]


def window_grid(
    row_taps: IntArray, col_taps: IntArray, height: int, width: int, padding_mode: str
) -> WindowGrid:
    """Lay out windows from per-axis taps: ``row_taps`` (oH, kH) and ``col_taps`` (oW, kW) coordinates."""
    row_out = (row_taps < 0) | (row_taps >= height)
    col_out = (col_taps < 0) | (col_taps >= width)
    padded = row_out[:, None, :, None] | col_out[None, :, None, :]
    any_padded = np.asarray(padded.any(axis=(2, 3)))
    source: list[list[Matrix]] | None = None
    if padding_mode != "zeros":
        row_src = source_coords(row_taps, height, padding_mode).tolist()
        col_src = source_coords(col_taps, width, padding_mode).tolist()
        row_pad = row_out.tolist()
        col_pad = col_out.tolist()
        source = []
        for y, rsrc in enumerate(row_src):
            line: list[Matrix] = []
            for x, csrc in enumerate(col_src):
                if not any_padded[y, x]:
                    line.append([[None] * len(csrc) for _ in rsrc])
                    continue
                rpad, cpad = row_pad[y], col_pad[x]
                line.append(
                    [
                        [[r, c] if rp or cp else None for c, cp in zip(csrc, cpad, strict=True)]
                        for r, rp in zip(rsrc, rpad, strict=True)
                    ]
                )
            source.append(line)
    return WindowGrid(
        rows=row_taps.tolist(),
        cols=col_taps.tolist(),
        padded=padded.tolist(),
        source=source,
        any_padded=any_padded.tolist(),
    )


def window_fields(grid: WindowGrid, i: int, j: int) -> Frame:
    """A window's part of a frame: the rows and columns it reads, which cells are padding and, for
    non-zero padding modes, the real cell each padding cell copies."""
    fields: Frame = {"rows": grid.rows[i], "cols": grid.cols[j], "padded": grid.padded[i][j]}
    if grid.source is not None:
        fields["source"] = grid.source[i][j]
    return fields


def gather_windows(padded_planes: np.ndarray[Any, Any], row_taps: IntArray, col_taps: IntArray) -> Any:
    """Every window of (..., Hp, Wp) padded planes at once: shape (..., oH, oW, kH, kW).

    ``row_taps``/``col_taps`` are coordinates in the padded planes (unpadded + top/left pad).
    """
    return padded_planes[..., row_taps[:, None, :, None], col_taps[None, :, None, :]]


def blank_where(values: Matrix, mask: Matrix) -> Matrix:
    """Replace the entries of a matrix where ``mask`` is true by None (cells with no value)."""
    return [
        [None if m else v for v, m in zip(vr, mr, strict=True)] for vr, mr in zip(values, mask, strict=True)
    ]
