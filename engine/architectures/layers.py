"""Layer specs of a network table and the shape walker that fills in each row.

A network is a tuple of specs. Walking it from the input shape gives, per layer, the output shape
([C, H, W], or [features] after a fully connected layer), the parameters (weights and biases;
batch norm's gamma and beta count, its running statistics do not, as in torchvision's totals), the
multiply-accumulates of conv and linear layers (conv: out_h*out_w*out_c*(in_c/groups)*kh*kw;
linear: in*out), and the receptive field R and jump j on the input image:

    R_n = R_(n-1) + (F_n - 1) * j_(n-1),    j_n = j_(n-1) * S_n

A branching block (inception, residual, squeeze-and-excitation) takes the largest field of its
branches. A fully connected layer on an h x w map is an h x w convolution with no padding (a
global pool likewise), so its field covers the whole map it reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from engine.shapes import conv_output_size, pool_output_size

Shape = tuple[int, ...]
Config = dict[str, int | float | str | bool]


@dataclass(frozen=True)
class State:
    """What flows between layers: the output shape, and the field and jump of one output unit."""

    shape: Shape
    receptive_field: int
    jump: int


@dataclass(frozen=True)
class Row:
    """One line of a table. ``block`` names the inception/residual block the layer belongs to."""

    name: str
    type: str
    output_shape: Shape
    params: int
    macs: int
    receptive_field: int
    jump: int
    block: str | None = None
    config: Config = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "type": self.type,
            "block": self.block,
            "output_shape": list(self.output_shape),
            "params": self.params,
            "macs": self.macs,
            "receptive_field": self.receptive_field,
            "jump": self.jump,
            "config": dict(self.config),
        }


Walk = tuple[State, list[Row]]


def _spatial(state: State, name: str) -> tuple[int, int]:
    """(channels, side) of a [C, H, W] state; the tables use square inputs."""
    if len(state.shape) != 3:
        raise ValueError(f"at layer {name}: needs a [C, H, W] input, got {list(state.shape)}")
    return state.shape[0], state.shape[1]


def _at(name: str, error: ValueError) -> ValueError:
    return ValueError(f"at layer {name}: {error}")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@dataclass(frozen=True)
class Conv:
    name: str
    out_channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    groups: int = 1
    bias: bool = True
    activation: str | None = "relu"

    def walk(self, state: State, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        in_c, side = _spatial(state, name)
        if in_c % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"at layer {name}: groups {self.groups} must divide {in_c} and {self.out_channels}"
            )
        try:
            out = conv_output_size(side, self.kernel_size, self.stride, self.padding).size
        except ValueError as error:
            raise _at(name, error) from None
        taps = (in_c // self.groups) * self.kernel_size**2
        params = self.out_channels * taps + (self.out_channels if self.bias else 0)
        config: Config = {
            "in_channels": in_c,
            "out_channels": self.out_channels,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "groups": self.groups,
            "bias": self.bias,
        }
        if self.activation:
            config["activation"] = self.activation
        new = State(
            (self.out_channels, out, out),
            state.receptive_field + (self.kernel_size - 1) * state.jump,
            state.jump * self.stride,
        )
        row = Row(
            name,
            "conv",
            new.shape,
            params,
            out * out * self.out_channels * taps,
            new.receptive_field,
            new.jump,
            block,
            config,
        )
        return new, [row]


@dataclass(frozen=True)
class Pool:
    name: str
    kernel_size: int
    stride: int | None = None
    padding: int = 0
    ceil_mode: bool = False
    mode: Literal["max", "avg"] = "max"

    def walk(self, state: State, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        channels, side = _spatial(state, name)
        stride = self.kernel_size if self.stride is None else self.stride
        try:
            out = pool_output_size(
                side, self.kernel_size, stride, self.padding, ceil_mode=self.ceil_mode
            ).size
        except ValueError as error:
            raise _at(name, error) from None
        new = State(
            (channels, out, out),
            state.receptive_field + (self.kernel_size - 1) * state.jump,
            state.jump * stride,
        )
        config: Config = {
            "mode": self.mode,
            "kernel_size": self.kernel_size,
            "stride": stride,
            "padding": self.padding,
            "ceil_mode": self.ceil_mode,
        }
        return new, [
            Row(name, f"{self.mode}_pool", new.shape, 0, 0, new.receptive_field, new.jump, block, config)
        ]


@dataclass(frozen=True)
class AdaptiveAvgPool:
    """PyTorch's adaptive average pooling to ``output_size`` (1 = global average pooling).

    Window i spans [floor(i*H/o), ceil((i+1)*H/o)); when H is a multiple of o every window has
    H/o cells and the stride is H/o. Otherwise the windows differ, and the field and jump use the
    largest window and the average step rounded down (an upper bound on the field).
    """

    name: str
    output_size: int = 1

    def walk(self, state: State, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        channels, side = _spatial(state, name)
        o = self.output_size
        window = max(math.ceil((i + 1) * side / o) - (i * side) // o for i in range(o))
        stride = max(1, side // o)
        new = State(
            (channels, o, o),
            state.receptive_field + (window - 1) * state.jump,
            state.jump * stride,
        )
        kind = "global_avg_pool" if o == 1 else "adaptive_avg_pool"
        config: Config = {"output_size": o, "window": window, "stride": stride}
        return new, [Row(name, kind, new.shape, 0, 0, new.receptive_field, new.jump, block, config)]


@dataclass(frozen=True)
class BatchNorm:
    """Per-channel gamma and beta (2C parameters); the running mean and variance are buffers."""

    name: str
    eps: float = 1e-5
    activation: str | None = None

    def walk(self, state: State, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        channels = state.shape[0]
        config: Config = {"num_features": channels, "eps": self.eps}
        if self.activation:
            config["activation"] = self.activation
        row = Row(
            name, "batch_norm", state.shape, 2 * channels, 0, state.receptive_field, state.jump, block, config
        )
        return state, [row]


@dataclass(frozen=True)
class Linear:
    """A fully connected layer; on a [C, H, W] input it flattens, i.e. acts as an H x W convolution."""

    name: str
    out_features: int
    bias: bool = True
    activation: str | None = "relu"

    def walk(self, state: State, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        in_features = math.prod(state.shape)
        side = state.shape[1] if len(state.shape) == 3 else 1
        new = State(
            (self.out_features,),
            state.receptive_field + (side - 1) * state.jump,
            state.jump * side,
        )
        params = in_features * self.out_features + (self.out_features if self.bias else 0)
        config: Config = {"in_features": in_features, "out_features": self.out_features, "bias": self.bias}
        if self.activation:
            config["activation"] = self.activation
        row = Row(
            name,
            "linear",
            new.shape,
            params,
            in_features * self.out_features,
            new.receptive_field,
            new.jump,
            block,
            config,
        )
        return new, [row]


def walk_sequence(layers: Sequence[Layer], state: State, prefix: str = "", block: str | None = None) -> Walk:
    rows: list[Row] = []
    for layer in layers:
        state, new_rows = layer.walk(state, prefix, block)
        rows += new_rows
    return state, rows


def _merge(
    name: str, kind: str, states: Sequence[State], shape: Shape, jump: int, block: str, config: Config
) -> Walk:
    field_size = max(s.receptive_field for s in states)
    new = State(shape, field_size, jump)
    return new, [Row(name, kind, shape, 0, 0, field_size, jump, block, config)]


@dataclass(frozen=True)
class Inception:
    """Parallel branches on the same input, concatenated along channels."""

    name: str
    branches: tuple[tuple[Layer, ...], ...]

    def walk(self, state: State, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        rows: list[Row] = []
        outs: list[State] = []
        for index, branch in enumerate(self.branches, start=1):
            out, branch_rows = walk_sequence(branch, state, f"{name}.branch{index}", name)
            outs.append(out)
            rows += branch_rows
        sides = {out.shape[1:] for out in outs}
        if len(sides) != 1:
            raise ValueError(f"at layer {name}: branch outputs differ in size: {sorted(sides)}")
        shape = (sum(out.shape[0] for out in outs), *outs[0].shape[1:])
        config: Config = {"branches": len(outs), "channels": "+".join(str(o.shape[0]) for o in outs)}
        new, merge = _merge(name, "concat", outs, shape, max(o.jump for o in outs), name, config)
        return new, rows + merge


@dataclass(frozen=True)
class Residual:
    """out = relu(main(x) + shortcut(x)); an empty shortcut is the identity."""

    name: str
    main: tuple[Layer, ...]
    shortcut: tuple[Layer, ...] = ()

    def walk(self, state: State, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        main, rows = walk_sequence(self.main, state, name, name)
        short, short_rows = walk_sequence(self.shortcut, state, f"{name}.downsample", name)
        if main.shape != short.shape:
            raise ValueError(
                f"at layer {name}: the main path gives {list(main.shape)} but the shortcut "
                f"{list(short.shape)}; they must match to be added"
            )
        config: Config = {"shortcut": "projection" if self.shortcut else "identity", "activation": "relu"}
        new, merge = _merge(name, "add", [main, short], main.shape, main.jump, name, config)
        return new, rows + short_rows + merge


@dataclass(frozen=True)
class SqueezeExcitation:
    """Hu et al.'s SE block: global average pool, FC C -> C/r (ReLU), FC C/r -> C (sigmoid), then
    each channel of the input scaled by its weight. The scale reads the whole map through the
    squeeze, so the output's theoretical field covers the whole input map."""

    name: str
    reduction: int = 16

    def walk(self, state: State, prefix: str = "", block: str | None = None) -> Walk:
        name = _join(prefix, self.name)
        channels, _ = _spatial(state, name)
        hidden = channels // self.reduction
        if hidden < 1:
            raise ValueError(f"at layer {name}: {channels} channels cannot be reduced by {self.reduction}")
        squeeze = (
            AdaptiveAvgPool("squeeze", 1),
            Linear("fc1", hidden, activation="relu"),
            Linear("fc2", channels, activation="sigmoid"),
        )
        gate, rows = walk_sequence(squeeze, state, name, block or name)
        config: Config = {"reduction": self.reduction, "hidden": hidden}
        _, merge = _merge(
            f"{name}.scale", "scale", [state, gate], state.shape, state.jump, block or name, config
        )
        return State(state.shape, merge[0].receptive_field, state.jump), rows + merge


Layer = Conv | Pool | AdaptiveAvgPool | BatchNorm | Linear | Inception | Residual | SqueezeExcitation
