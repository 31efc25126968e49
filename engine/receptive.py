"""Receptive fields of a stack of conv, pool and batch-norm layers, one axis at a time.

With ``k_eff = d*(k - 1) + 1`` (the dilated kernel's extent) and, for the input, ``r_0 = 1``,
``j_0 = 1``, ``start_0 = 0`` (the centre of input pixel 0), layer n gives:

- receptive field on the input ``r_n = r_(n-1) + (k_eff_n - 1) * j_(n-1)``;
- jump (input pixels between neighbouring units) ``j_n = j_(n-1) * s_n``;
- centre of unit 0's field ``start_n = start_(n-1) + ((k_eff_n - 1)/2 - p_n) * j_(n-1)``;
- field on the previous layer ``k_eff_n``.

Unit (y, x) of layer n is centred at ``start_n + y*j_n``; its field spans ``r_n`` pixels around it.
Rows and columns follow the same rules (kernels are square), so field, jump and start are those of
one axis; only the sizes differ on a non-square input (H, W), where rows are walked over H and
columns over W. A batch-norm layer acts on each pixel alone: a 1x1 window, stride 1, no padding,
so it leaves the geometry as it was. Layers are numbered from 0; "layer n" is the output of the
n-th layer of the stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine._checks import integer, is_int
from engine.conv import conv2d_backward
from engine.errors import EngineError
from engine.layers import BatchNorm2d, Conv2d, FieldStep, MaxPool2d, SpatialLayer
from engine.pool import avg_pool2d_backward
from engine.shapes import OutputSize, resolve_conv_padding

Size = int | tuple[int, int]
LayerSpec = Mapping[str, Any] | SpatialLayer


@dataclass(frozen=True)
class LayerField:
    """One layer's output size (with the working) and its receptive-field geometry."""

    index: int
    layer: FieldStep
    input_size: int
    output_size: int
    derivation: str
    receptive_field: int
    jump: int
    start: float
    field_on_previous: int


@dataclass(frozen=True)
class Box:
    """Rows top..bottom and columns left..right, inclusive, in one layer's coordinates."""

    top: int
    left: int
    bottom: int
    right: int


@dataclass(frozen=True)
class LayerBox:
    """A unit's window on one earlier layer (``layer`` -1 is the input image), whose map is
    ``height`` x ``width``.

    ``box`` is the plain chain of windows, reaching into padding; ``clipped`` keeps only cells
    that exist (padding cells read nothing further down), None when the unit reads only padding.
    """

    layer: int
    height: int
    width: int
    box: Box
    clipped: Box | None

    @property
    def size(self) -> int | None:
        """The side of a square map, None for a non-square one."""
        return self.height if self.height == self.width else None


@dataclass(frozen=True)
class UnitField:
    """Where unit (y, x) of ``layer`` looks: on the input and on every earlier layer.

    ``boxes`` runs from the layer just below the unit down to the input (the last entry).
    """

    layer: int
    y: int
    x: int
    centre: tuple[float, float]
    input_box: Box
    clipped_box: Box | None
    boxes: tuple[LayerBox, ...]


def _integer(value: Any, name: str, minimum: int, where: str, field: str | None = None) -> int:
    try:
        return integer(value, name, minimum, field=field)
    except EngineError as error:
        raise error.within(where) from None


def _layer_kind(spec: Mapping[str, Any], where: str) -> str:
    kind = spec.get("type")
    if kind not in ("conv", "pool", "batch_norm"):
        message = f"{where}: type {kind!r} must be 'conv', 'pool' or 'batch_norm'"
        raise EngineError("unknown_layer_type", message, field="type", value=repr(kind))
    if kind != "batch_norm" and spec.get("kernel_size") is None:
        raise EngineError(
            "missing_value", f"{where}: kernel_size is required for {kind}", field="kernel_size"
        )
    return str(kind)


def _padding(
    spec: Mapping[str, Any], kind: str, kernel: int, stride: int, dilation: int, where: str
) -> int | str:
    """An int, or conv's "same" (stride 1 only) or "valid", checked as PyTorch does."""
    padding = spec.get("padding", 0)
    if not isinstance(padding, str):
        return _integer(padding, "padding", 0, where)
    if kind != "conv":
        message = f"{where}: padding {padding!r} is for conv only; give pool an int"
        raise EngineError("not_for_this_layer", message, field="padding", value=repr(padding))
    try:
        resolve_conv_padding(padding, (kernel, kernel), (stride, stride), (dilation, dilation))
    except EngineError as error:
        raise error.within(where) from None
    return padding


def parse_layer(spec: LayerSpec, index: int) -> SpatialLayer:
    """A dict {"type", "kernel_size", "stride", "padding", "dilation", "ceil_mode"} -> a layer, checked.

    "conv" is a :class:`~engine.layers.Conv2d` (padding may be "same", stride 1 only, or
    "valid"), "pool" a :class:`~engine.layers.MaxPool2d` (stride defaults to the kernel size,
    ``ceil_mode`` rounds its output size up), "batch_norm" a :class:`~engine.layers.BatchNorm2d`:
    1x1, stride 1. Channels play no part in a receptive field, so every layer has one. A layer
    of the vocabulary is taken as it is.
    """
    if not isinstance(spec, Mapping):
        return spec
    try:
        return _parse(spec, index)
    except EngineError as error:
        raise error.at(f"layers[{index}].{error.field}") from None


def _parse(spec: Mapping[str, Any], index: int) -> SpatialLayer:
    """A layer spec checked; errors name the spec's key at fault."""
    where = f"layer {index}"
    kind = _layer_kind(spec, where)
    if kind == "batch_norm":
        return BatchNorm2d(1)
    k = _integer(spec["kernel_size"], "kernel_size", 1, where)
    stride = spec.get("stride")
    s = (k if kind == "pool" else 1) if stride is None else _integer(stride, "stride", 1, where)
    d = _integer(spec.get("dilation", 1), "dilation", 1, where)
    padding = _padding(spec, kind, k, s, d, where)
    ceil_mode = spec.get("ceil_mode", False)
    if not isinstance(ceil_mode, bool):
        message = f"{where}: ceil_mode must be true or false, got {ceil_mode!r}"
        raise EngineError("not_a_flag", message, field="ceil_mode", value=repr(ceil_mode))
    if ceil_mode and kind != "pool":
        raise EngineError("not_for_this_layer", f"{where}: ceil_mode is for pool only", field="ceil_mode")
    if kind == "pool":
        return MaxPool2d(k, s, int(padding), d, ceil_mode)
    return Conv2d(1, 1, k, s, padding, d)


def _step(layer: SpatialLayer, size: int, index: int) -> tuple[FieldStep, OutputSize]:
    """The layer's geometry along the rows of a square ``size`` x ``size`` input, and its output size."""
    channels = layer.in_channels if isinstance(layer, Conv2d) else getattr(layer, "num_features", 1)
    shape = (1, channels, size, size)
    try:
        out = layer.output_sizes(shape)[0]
        return layer.field_step(shape), out
    except EngineError as error:
        raise error.within(
            f"layer {index} ({layer.FIELD_TYPE}, input {size}x{size})", f"layers[{index}]"
        ) from None


def input_sides(input_size: Size) -> tuple[int, int]:
    """An int side or an (H, W) pair -> (H, W), checked."""
    if isinstance(input_size, tuple):
        height, width = input_size
        height = _integer(height, "input height", 1, "input", "input_height")
        return height, _integer(width, "input width", 1, "input", "input_width")
    side = _integer(input_size, "input size", 1, "input", "input_size")
    return side, side


def receptive_fields(input_size: int, layers: Sequence[LayerSpec]) -> list[LayerField]:
    """Per layer along one axis of ``input_size`` pixels: output size (floor shown), receptive field,
    jump, start, field on the previous layer."""
    size = _integer(input_size, "input size", 1, "input", "input_size")
    field, jump, start = 1, 1, Fraction(0)
    result: list[LayerField] = []
    for index, spec in enumerate(layers):
        layer, out = _step(parse_layer(spec, index), size, index)
        k_eff = layer.extent
        field += (k_eff - 1) * jump
        start += (Fraction(k_eff - 1, 2) - layer.padding) * jump
        jump *= layer.stride
        result.append(
            LayerField(index, layer, size, out.size, out.derivation, field, jump, float(start), k_eff)
        )
        size = out.size
    return result


def _clip(lo: int, hi: int, size: int) -> tuple[int, int] | None:
    lo, hi = max(lo, 0), min(hi, size - 1)
    return (lo, hi) if lo <= hi else None


def unit_field(input_size: Size, layers: Sequence[LayerSpec], layer: int, y: int, x: int) -> UnitField:
    """The input box of unit (y, x) of ``layer`` and its window on every earlier layer.

    ``input_size`` is the side of a square input or its (H, W); rows are walked over H, columns
    over W.

    Index ranges go back one layer at a time: lo' = lo*s - p, hi' = hi*s - p + k_eff - 1. The
    theoretical chain ends at [start + y*j - (r-1)/2, start + y*j + (r-1)/2] on the input; the
    clipped chain drops padding cells at every layer, so it is exactly the bounding box of the
    input pixels the unit depends on (it can be smaller than the theoretical box cut to the image,
    where a floor left rows unread).
    """
    height, width = input_sides(input_size)
    fields = receptive_fields(height, layers)
    columns = fields if width == height else receptive_fields(width, layers)
    if not is_int(layer) or not 0 <= layer < len(fields):
        message = f"unit layer {layer!r} must be a layer of the stack, 0 to {len(fields) - 1}"
        raise EngineError("out_of_range", message, field="unit", value=repr(layer), high=len(fields) - 1)
    f = fields[layer]
    n, m = f.output_size, columns[layer].output_size
    if not (0 <= y < n and 0 <= x < m):
        message = f"unit ({y}, {x}) is outside layer {layer}'s {n}x{m} output"
        raise EngineError("unit_outside", message, field="unit", y=y, x=x, height=n, width=m)
    rows, cols = (y, y), (x, x)
    rows_c: tuple[int, int] | None = rows
    cols_c: tuple[int, int] | None = cols
    boxes: list[LayerBox] = []
    for below, beside in zip(reversed(fields[: layer + 1]), reversed(columns[: layer + 1]), strict=True):
        lay, h, w = below.layer, below.input_size, beside.input_size
        rows = _back(rows, lay)
        cols = _back(cols, lay)
        rows_c = None if rows_c is None else _clip(*_back(rows_c, lay), h)
        cols_c = None if cols_c is None else _clip(*_back(cols_c, lay), w)
        clipped = (
            None if rows_c is None or cols_c is None else Box(rows_c[0], cols_c[0], rows_c[1], cols_c[1])
        )
        if clipped is None:
            rows_c = cols_c = None
        boxes.append(LayerBox(below.index - 1, h, w, Box(rows[0], cols[0], rows[1], cols[1]), clipped))
    return UnitField(
        layer=layer,
        y=y,
        x=x,
        centre=(f.start + y * f.jump, f.start + x * f.jump),
        input_box=boxes[-1].box,
        clipped_box=boxes[-1].clipped,
        boxes=tuple(boxes),
    )


def _back(span: tuple[int, int], layer: FieldStep) -> tuple[int, int]:
    """The range of the previous layer that output range ``span`` of ``layer`` reads."""
    lo, hi = span
    return lo * layer.stride - layer.padding, hi * layer.stride - layer.padding + layer.extent - 1


def stacked_field(layer_count: int, kernel_size: int) -> int:
    """1 + L(K - 1): the field of L stride-1 layers of kernel K."""
    return 1 + layer_count * (kernel_size - 1)


def three_3x3_against_7x7(channels: int) -> dict[str, dict[str, int]]:
    """Three 3x3 layers against one 7x7, C channels in and out, weights without biases."""
    c = _integer(channels, "channels", 1, "comparison")
    small, large = Conv2d(c, c, 3, bias=False), Conv2d(c, c, 7, bias=False)
    stack = receptive_fields(7, [small] * 3)[-1].receptive_field
    single = receptive_fields(7, [large])[-1].receptive_field
    return {
        "three_3x3": {"layers": 3, "receptive_field": stack, "weights": 3 * small.parameter_count},
        "one_7x7": {"layers": 1, "receptive_field": single, "weights": large.parameter_count},
    }


def effective_receptive_field(
    input_size: Size, layers: Sequence[LayerSpec], layer: int, y: int, x: int
) -> NDArray[np.float64]:
    """|d unit / d input| with all-ones conv kernels and average pools, normalised to max 1.

    A gradient of 1 at unit (y, x) of ``layer`` goes back through the engine's own backward passes
    (conv2d_backward, avg_pool2d_backward); the result has shape (H, W) of ``input_size`` (a side
    or a pair); batch-norm layers pass the gradient through unchanged. Its
    support lies inside the clipped box; for stride-1 stacks it peaks at the centre and falls off
    like a Gaussian, because the centre is reached by the most paths.
    """
    height, width = input_sides(input_size)
    fields = receptive_fields(height, layers)
    columns = fields if width == height else receptive_fields(width, layers)
    unit_field((height, width), layers, layer, y, x)  # checks the unit
    grad: NDArray[np.float64] = np.zeros((1, 1, fields[layer].output_size, columns[layer].output_size))
    grad[0, 0, y, x] = 1.0
    for f, g in zip(reversed(fields[: layer + 1]), reversed(columns[: layer + 1]), strict=True):
        lay = f.layer
        shape = (1, 1, f.input_size, g.input_size)
        if lay.type == "batch_norm":
            continue
        if lay.type == "pool" and lay.dilation == 1:
            back = avg_pool2d_backward(grad, shape, lay.kernel_size, lay.stride, lay.padding, lay.ceil_mode)
        else:
            k = lay.kernel_size
            weight = np.full((1, 1, k, k), 1.0 if lay.type == "conv" else 1.0 / (k * k))
            padding: Any = lay.padding
            if lay.padding_after is not None:
                padding = "same"  # the only way padding differs before and after
            back = conv2d_backward(grad, np.zeros(shape), weight, lay.stride, padding, lay.dilation)[0]
        grad = np.asarray(back, dtype=np.float64)
    result: NDArray[np.float64] = np.abs(grad[0, 0])
    peak = float(result.max())
    return result / peak if peak > 0 else result
