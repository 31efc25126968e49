"""Output-size arithmetic for convolution, transposed convolution and pooling, one axis at a time.

Each function returns the size together with a derivation a learner can read, with the floor (or
ceiling) made visible, e.g. ``"(200 + 2*1 - 5) / 2 + 1 = 99.5 -> 99"``, and the input positions
that no window ever reads (the rows or columns the floor throws away).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from engine._checks import PairLike, integer, non_negative_pair, pair, positive_pair
from engine.errors import EngineError


@dataclass(frozen=True)
class OutputSize:
    """The size of one output axis and how it was reached.

    ``unvisited`` lists input indices (0-based, in the unpadded input) that no kernel tap reads.
    """

    size: int
    derivation: str
    exact: bool
    unvisited: tuple[int, ...] = ()


def unchanged(size: int) -> OutputSize:
    """The size of an axis a layer leaves as it is (batch norm, an activation)."""
    return OutputSize(size, f"{size} (unchanged)", True)


def _format_fraction(value: Fraction) -> str:
    """Show a rational as a short decimal: 99.5, 4.33..., 12."""
    if value.denominator == 1:
        return str(value.numerator)
    rounded = round(float(value), 2)
    text = f"{rounded:.2f}".rstrip("0").rstrip(".")
    return text if Fraction(text) == value else f"{text}..."


def _check_scalar(value: int, name: str, minimum: int) -> int:
    return integer(value, name, minimum, field="input" if name == "input size" else name)


def _pad_pair(padding: int | tuple[int, int]) -> tuple[int, int]:
    """Padding before and after one axis; an int pads both sides equally."""
    if isinstance(padding, tuple):
        return non_negative_pair(padding, "padding")
    return (_check_scalar(padding, "padding", 0),) * 2


def _pad_term(before: int, after: int) -> str:
    return f"2*{before}" if before == after else f"{before} + {after}"


def _window_term(kernel: int, dilation: int) -> tuple[int, str]:
    """Extent of a (possibly dilated) kernel and how to write it in the formula."""
    if dilation == 1:
        return kernel, f"{kernel}"
    return dilation * (kernel - 1) + 1, f"{dilation}*({kernel} - 1) - 1"


def _unvisited(
    input_size: int, out: int, stride: int, kernel: int, dilation: int, before: int
) -> tuple[int, ...]:
    """Input indices that no tap of any of the ``out`` windows lands on."""
    seen = [False] * input_size
    for o in range(out):
        for k in range(kernel):
            i = o * stride + k * dilation - before
            if 0 <= i < input_size:
                seen[i] = True
    return tuple(i for i, hit in enumerate(seen) if not hit)


def conv_output_size(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int | tuple[int, int] = 0,
    dilation: int = 1,
) -> OutputSize:
    """out = floor((N + 2P - D*(F-1) - 1) / S) + 1, with the working shown.

    ``padding`` is an int, or (before, after) for the asymmetric "same" padding.
    """
    n = _check_scalar(input_size, "input size", 1)
    k = _check_scalar(kernel_size, "kernel_size", 1)
    s = _check_scalar(stride, "stride", 1)
    d = _check_scalar(dilation, "dilation", 1)
    before, after = _pad_pair(padding)
    extent, window_text = _window_term(k, d)
    padded = n + before + after
    if extent > padded:
        what = f"dilated kernel {extent} (kernel {k}, dilation {d})" if d > 1 else f"kernel {k}"
        message = f"{what} is larger than the padded input {padded}"
        raise EngineError(
            "kernel_too_large", message, field="kernel_size", kernel=extent, padded_input=padded
        )
    span = padded - extent
    value = Fraction(span, s) + 1
    size = span // s + 1
    pad_text = f" + {_pad_term(before, after)}" if before or after else ""
    derivation = f"({n}{pad_text} - {window_text}) / {s} + 1 = {_format_fraction(value)}"
    if value.denominator != 1:
        derivation += f" -> {size}"
    return OutputSize(
        size=size,
        derivation=derivation,
        exact=value.denominator == 1,
        unvisited=_unvisited(n, size, s, k, d, before),
    )


def pool_output_size(
    input_size: int,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> OutputSize:
    """PyTorch's pooling size: like convolution, optionally rounding up.

    With ``ceil_mode`` the last window must still start inside the input or its left padding,
    so a window that would start in the right padding is dropped (PyTorch's rule).
    """
    k = _check_scalar(kernel_size, "kernel_size", 1)
    s = k if stride is None else _check_scalar(stride, "stride", 1)
    p = _check_scalar(padding, "padding", 0)
    if p > k // 2:
        message = f"pooling padding {p} must be at most half the kernel size {k} (that is {k // 2})"
        raise EngineError("padding_too_large", message, field="padding", padding=p, kernel=k)
    floor_result = conv_output_size(input_size, k, s, p, dilation)
    if not ceil_mode or floor_result.exact:
        return floor_result
    n, d = input_size, dilation
    extent = d * (k - 1) + 1
    span = n + 2 * p - extent
    size = -(-span // s) + 1
    note = ""
    if (size - 1) * s >= n + p:
        size -= 1
        note = f", but window {size + 1} would start in the padding, so {size}"
    value = Fraction(span, s) + 1
    head = floor_result.derivation.split(" -> ")[0]
    return OutputSize(
        size=size,
        derivation=f"{head} -> ceil {math.ceil(value)}{note}",
        exact=False,
        unvisited=_unvisited(n, size, s, k, d, p),
    )


def conv_transpose_output_size(
    input_size: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> OutputSize:
    """out = (N - 1)*S - 2P + D*(F - 1) + output_padding + 1: the inverse of convolution's size."""
    n = _check_scalar(input_size, "input size", 1)
    k = _check_scalar(kernel_size, "kernel_size", 1)
    s = _check_scalar(stride, "stride", 1)
    d = _check_scalar(dilation, "dilation", 1)
    p = _check_scalar(padding, "padding", 0)
    op = _check_scalar(output_padding, "output_padding", 0)
    if op >= s and op >= d:
        message = f"output_padding {op} must be smaller than either the stride {s} or the dilation {d}"
        raise EngineError(
            "output_padding_too_large",
            message,
            field="output_padding",
            output_padding=op,
            stride=s,
            dilation=d,
        )
    size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if size < 1:
        message = f"padding {p} removes the whole output: the size would be {size}"
        raise EngineError("padding_removes_output", message, field="padding", padding=p, size=size)
    kernel_text = f"{d}*({k} - 1)" if d != 1 else f"({k} - 1)"
    op_text = f" + {op}" if op else ""
    derivation = f"({n} - 1)*{s} - 2*{p} + {kernel_text}{op_text} + 1 = {size}"
    return OutputSize(size=size, derivation=derivation, exact=True)


def resolve_conv_padding(
    padding: PairLike | str,
    kernel_size: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Turn conv2d's ``padding`` argument into (top, bottom, left, right).

    "same" pads d*(k-1) in total per axis, the smaller half first, as PyTorch does; PyTorch
    allows it only at stride 1, because with a stride no padding keeps the size.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding == "same":
            if stride != (1, 1):
                message = f"padding 'same' needs stride 1, got stride {stride}"
                raise EngineError("same_needs_stride_1", message, field="padding", stride=stride)
            pads: list[int] = []
            for k, d in zip(kernel_size, dilation, strict=True):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
            return pads[0], pads[1], pads[2], pads[3]
        message = f"padding {padding!r} must be an int, a pair, 'same' or 'valid'"
        raise EngineError("unknown_padding", message, field="padding", value=repr(padding))
    ph, pw = non_negative_pair(padding, "padding")
    return ph, ph, pw, pw


def conv2d_output_shape(
    input_hw: tuple[int, int],
    kernel_size: PairLike,
    stride: PairLike = 1,
    padding: PairLike | str = 0,
    dilation: PairLike = 1,
) -> tuple[OutputSize, OutputSize]:
    """Both axes of a conv2d output: (rows, columns)."""
    k = positive_pair(kernel_size, "kernel_size")
    s = positive_pair(stride, "stride")
    d = positive_pair(dilation, "dilation")
    top, bottom, left, right = resolve_conv_padding(padding, k, s, d)
    h, w = pair(input_hw, "input size")
    return (
        conv_output_size(h, k[0], s[0], (top, bottom), d[0]),
        conv_output_size(w, k[1], s[1], (left, right), d[1]),
    )
