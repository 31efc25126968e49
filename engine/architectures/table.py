"""The rows of a network table and the walker that fills them in, over the layer vocabulary.

A network is a tuple of entries: :class:`Named` layers of :mod:`engine.layers` and the branching
blocks here (inception, residual, squeeze-and-excitation). Walking it from the input shape gives,
per layer, the output shape ([C, H, W], or [features] after a fully connected layer), the
parameters and the multiply-accumulates (both as the layer counts them), and the receptive
field R and jump j on the input image:

    R_n = R_(n-1) + (F_n - 1) * j_(n-1),    j_n = j_(n-1) * S_n

A branching block takes the largest field of its branches. A fully connected layer on an h x w
map flattens it first, so it acts as an h x w convolution with no padding (a global pool
likewise), and its field covers the whole map it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from engine._checks import Shape
from engine.errors import EngineError
from engine.layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    Flatten,
    LazyLinear,
    Linear,
    MaxPool2d,
)

Config = dict[str, Any]
"""A layer's settings as a table shows them (JSON scalars)."""
TableLayer = Conv2d | MaxPool2d | AvgPool2d | AdaptiveAvgPool2d | BatchNorm2d | Linear | LazyLinear


@dataclass(frozen=True)
class Row:
    """One line of a table. ``block`` names the inception/residual block the layer belongs to.

    A row is also what flows to the next layer: its output shape, and the receptive field and
    jump of one of its output units.
    """

    name: str
    type: str
    block: str | None
    output_shape: Shape
    params: int
    macs: int
    receptive_field: int
    jump: int
    config: Config = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "output_shape": list(self.output_shape)}


Walk = tuple[Row, list[Row]]
"""The row a walk ends on (the next layer's input) and the rows it added."""


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _row_type(layer: TableLayer) -> str:
    if isinstance(layer, AdaptiveAvgPool2d):
        return "global_avg_pool" if layer.output_size == 1 else "adaptive_avg_pool"
    if isinstance(layer, MaxPool2d | AvgPool2d):
        return f"{'max' if isinstance(layer, MaxPool2d) else 'avg'}_pool"
    return {Conv2d: "conv", BatchNorm2d: "batch_norm", Linear: "linear"}[type(layer)]


def _config(layer: TableLayer, shape: Shape) -> Config:
    """The settings a table shows for a layer on an input of ``shape`` (defaults resolved)."""
    if isinstance(layer, Conv2d):
        config: Config = {"in_channels": layer.in_channels, "out_channels": layer.out_channels}
        config |= {"kernel_size": layer.kernel_size, "stride": layer.stride, "padding": layer.padding}
        return config | {"groups": layer.groups, "bias": layer.bias}
    if isinstance(layer, MaxPool2d | AvgPool2d):
        mode = "max" if isinstance(layer, MaxPool2d) else "avg"
        stride = layer.kernel_size if layer.stride is None else layer.stride
        return {
            "mode": mode,
            "kernel_size": layer.kernel_size,
            "stride": stride,
            "padding": layer.padding,
            "ceil_mode": layer.ceil_mode,
        }
    if isinstance(layer, AdaptiveAvgPool2d):
        window, stride = layer.window(shape[-2])
        return {"output_size": layer.output_size, "window": window, "stride": stride}
    if isinstance(layer, BatchNorm2d):
        return {"num_features": layer.num_features, "eps": layer.eps}
    assert isinstance(layer, Linear)
    return {"in_features": layer.in_features, "out_features": layer.out_features, "bias": layer.bias}


@dataclass(frozen=True)
class Named:
    """A layer of the vocabulary in a table: its row's name, and the activation that follows it
    (shown in the row's config rather than as a row of its own)."""

    name: str
    layer: TableLayer
    activation: str | None = None

    def walk(self, state: Row, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        layer, shape = self.layer, state.output_shape
        try:
            if isinstance(layer, Linear | LazyLinear) and len(shape) == 3:
                step, shape = Flatten().field_step(shape), Flatten().output_shape(shape)
            else:
                step = layer.field_step(shape)  # type: ignore[union-attr]
            if isinstance(layer, LazyLinear):
                layer = layer.materialise(shape)
            out = layer.output_shape(shape)
        except EngineError as error:
            raise error.within(f"at layer {name}") from None
        field_size = state.receptive_field + (step.extent - 1) * state.jump
        config = _config(layer, state.output_shape) | (
            {"activation": self.activation} if self.activation else {}
        )
        kind, params, macs = _row_type(layer), layer.parameter_count, layer.macs(shape)
        row = Row(name, kind, block, out, params, macs, field_size, state.jump * step.stride, config)
        return row, [row]


def walk_sequence(layers: Sequence[Entry], state: Row, prefix: str = "", block: str | None = None) -> Walk:
    rows: list[Row] = []
    for layer in layers:
        state, new_rows = layer.walk(state, prefix, block)
        rows += new_rows
    return state, rows


def _merge(
    name: str, kind: str, states: Sequence[Row], shape: Shape, jump: int, block: str, config: Config
) -> Walk:
    """A row joining paths: the largest field of the paths it joins."""
    row = Row(name, kind, block, shape, 0, 0, max(s.receptive_field for s in states), jump, config)
    return row, [row]


@dataclass(frozen=True)
class Inception:
    """Parallel branches on the same input, concatenated along channels."""

    name: str
    branches: tuple[tuple[Entry, ...], ...]

    def walk(self, state: Row, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        rows: list[Row] = []
        outs: list[Row] = []
        for index, branch in enumerate(self.branches, start=1):
            out, branch_rows = walk_sequence(branch, state, f"{name}.branch{index}", name)
            outs.append(out)
            rows += branch_rows
        sides = {out.output_shape[1:] for out in outs}
        if len(sides) != 1:
            message = f"at layer {name}: branch outputs differ in size: {sorted(sides)}"
            raise EngineError("branch_mismatch", message, field="layers")
        shape = (sum(out.output_shape[0] for out in outs), *outs[0].output_shape[1:])
        config: Config = {"branches": len(outs), "channels": "+".join(str(o.output_shape[0]) for o in outs)}
        new, merge = _merge(name, "concat", outs, shape, max(o.jump for o in outs), name, config)
        return new, rows + merge


@dataclass(frozen=True)
class Residual:
    """out = relu(main(x) + shortcut(x)); an empty shortcut is the identity."""

    name: str
    main: tuple[Entry, ...]
    shortcut: tuple[Entry, ...] = ()

    def walk(self, state: Row, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        main, rows = walk_sequence(self.main, state, name, name)
        short, short_rows = walk_sequence(self.shortcut, state, f"{name}.downsample", name)
        if main.output_shape != short.output_shape:
            message = (
                f"at layer {name}: the main path gives {list(main.output_shape)} but the shortcut "
                f"{list(short.output_shape)}; they must match to be added"
            )
            raise EngineError("branch_mismatch", message, field="layers")
        config: Config = {"shortcut": "projection" if self.shortcut else "identity", "activation": "relu"}
        new, merge = _merge(name, "add", [main, short], main.output_shape, main.jump, name, config)
        return new, rows + short_rows + merge


@dataclass(frozen=True)
class SqueezeExcitation:
    """Hu et al.'s SE block: global average pool, FC C -> C/r (ReLU), FC C/r -> C (sigmoid), then
    each channel of the input scaled by its weight. The scale reads the whole map through the
    squeeze, so the output's theoretical field covers the whole input map."""

    name: str
    reduction: int = 16

    def walk(self, state: Row, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        channels = state.output_shape[0]
        hidden = channels // self.reduction
        if hidden < 1:
            message = f"at layer {name}: {channels} channels cannot be reduced by {self.reduction}"
            raise EngineError("out_of_range", message, field="layers", channels=channels)
        squeeze = (
            Named("squeeze", AdaptiveAvgPool2d(1)),
            Named("fc1", Linear(channels, hidden), "relu"),
            Named("fc2", Linear(hidden, channels), "sigmoid"),
        )
        gate, rows = walk_sequence(squeeze, state, name, block or name)
        config: Config = {"reduction": self.reduction, "hidden": hidden}
        scale, merge = _merge(
            f"{name}.scale", "scale", [state, gate], state.output_shape, state.jump, block or name, config
        )
        return scale, rows + merge


Entry = Named | Inception | Residual | SqueezeExcitation
"""One entry of a network's table: a named layer or a branching block."""
