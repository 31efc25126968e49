"""One layer vocabulary, named and parametrised like ``torch.nn``: frozen dataclasses that know their shapes.

Every layer answers, for an input shape ((C, H, W) or (N, C, H, W); (features,) or
(N, features) for :class:`Linear`):

- ``output_shape(input_shape)`` and ``output_sizes(input_shape)`` (each spatial axis with its
  derivation), through the family plans, so with the same rules and errors as the functions;
- ``parameter_count`` (weights and biases; batch norm's gamma and beta, not its running
  statistics, as torchvision counts);
- ``macs(input_shape)``: the multiply-accumulates of one forward pass (0 where a layer has no
  products);
- ``field_step(input_shape, axis)``: how it maps positions along one axis, for receptive fields.

The receptive fields (:mod:`engine.receptive`) and the architecture tables
(:mod:`engine.architectures`) are written in this vocabulary, so a convolution's parameters and
MACs are counted here and nowhere else. The layers hold settings only, never weights: a
``forward(x, params)`` per layer can be added on top without changing them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

from engine._checks import IntPair, PairLike, Shape, pair, positive_pair
from engine.conv.plan import ConvPlan, conv_plan
from engine.errors import EngineError
from engine.norm.plan import norm_input_shape
from engine.pool.plan import PoolPlan, pool_plan
from engine.shapes import OutputSize, resolve_conv_padding, unchanged

OutputSizes = tuple[OutputSize, OutputSize]


@dataclass(frozen=True)
class FieldStep:
    """One layer along one axis, as the receptive-field recurrence reads it.

    ``type`` is the layer's kind ("conv", "pool", "batch_norm", ...); ``padding`` the padding before
    (top, left), ``padding_after`` the padding after where it differs (conv's "same" with an even
    extent pads the smaller half first, as PyTorch does).
    """

    type: str
    kernel_size: int
    stride: int
    padding: int = 0
    dilation: int = 1
    padding_after: int | None = None
    ceil_mode: bool = False

    @property
    def extent(self) -> int:
        """k_eff = d*(k - 1) + 1: how many cells of the previous layer one window spans."""
        return self.dilation * (self.kernel_size - 1) + 1


def _spatial(input_shape: Shape) -> IntPair:
    """(H, W) of a (C, H, W) or (N, C, H, W) shape."""
    return input_shape[-2], input_shape[-1]


class _Weightless:
    """A layer without weights: no parameters and no multiply-accumulates."""

    @property
    def parameter_count(self) -> int:
        return 0

    def macs(self, input_shape: Shape) -> int:
        return 0


@dataclass(frozen=True)
class _Pointwise(_Weightless):
    """A layer that acts on each value alone: the shape and every position stay as they are."""

    FIELD_TYPE: ClassVar[str] = "pointwise"

    def output_shape(self, input_shape: Shape) -> Shape:
        return tuple(input_shape)

    def output_sizes(self, input_shape: Shape) -> OutputSizes:
        height, width = _spatial(input_shape)
        return unchanged(height), unchanged(width)

    def field_step(self, input_shape: Shape, axis: int = 0) -> FieldStep:
        """A 1x1 window, stride 1, no padding: the geometry stays as it was."""
        return FieldStep(self.FIELD_TYPE, 1, 1)


class ReLU(_Pointwise):
    """max(x, 0), value by value."""


class Sigmoid(_Pointwise):
    """1 / (1 + e^-x), value by value."""


class Tanh(_Pointwise):
    """tanh(x), value by value."""


@dataclass(frozen=True)
class BatchNorm2d(_Pointwise):
    """Per-channel gamma and beta (2C parameters); the running mean and variance are buffers."""

    FIELD_TYPE: ClassVar[str] = "batch_norm"
    num_features: int
    eps: float = 1e-5
    momentum: float = 0.1

    def output_shape(self, input_shape: Shape) -> Shape:
        shape = tuple(input_shape)
        dims = norm_input_shape(shape if len(shape) == 4 else (1, *shape))
        if dims[1] != self.num_features:
            message = f"batch norm of {self.num_features} features cannot take {dims[1]} channels"
            raise EngineError(
                "channel_mismatch", message, field="input", channels=dims[1], expected=self.num_features
            )
        return shape

    @property
    def parameter_count(self) -> int:
        return 2 * self.num_features


@dataclass(frozen=True)
class Conv2d:
    """torch.nn.Conv2d: weight (out_channels, in_channels/groups, kH, kW), bias (out_channels,)."""

    FIELD_TYPE: ClassVar[str] = "conv"
    in_channels: int
    out_channels: int
    kernel_size: PairLike
    stride: PairLike = 1
    padding: PairLike | str = 0
    dilation: PairLike = 1
    groups: int = 1
    bias: bool = True
    padding_mode: str = "zeros"

    @property
    def kernel(self) -> IntPair:
        return positive_pair(self.kernel_size, "kernel_size")

    @property
    def weight_shape(self) -> Shape:
        return (self.out_channels, self.in_channels // max(self.groups, 1), *self.kernel)

    def plan(self, input_shape: Shape) -> ConvPlan:
        """The conv2d plan of this layer on an input of ``input_shape``."""
        bias = (self.out_channels,) if self.bias else None
        return conv_plan(
            input_shape,
            self.weight_shape,
            bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            self.padding_mode,
        )

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.plan(input_shape).output_shape

    def output_sizes(self, input_shape: Shape) -> OutputSizes:
        return self.plan(input_shape).output_size

    @property
    def parameter_count(self) -> int:
        """out * (in/groups) * kH * kW weights, plus out biases."""
        return math.prod(self.weight_shape) + (self.out_channels if self.bias else 0)

    def macs(self, input_shape: Shape) -> int:
        """Every output value reads (in/groups) * kH * kW weights once."""
        return self.plan(input_shape).work

    def field_step(self, input_shape: Shape, axis: int = 0) -> FieldStep:
        kernel, stride = self.kernel, positive_pair(self.stride, "stride")
        dilation = positive_pair(self.dilation, "dilation")
        top, bottom, left, right = resolve_conv_padding(self.padding, kernel, stride, dilation)
        before, after = (top, bottom) if axis == 0 else (left, right)
        step = FieldStep(self.FIELD_TYPE, kernel[axis], stride[axis], before, dilation[axis])
        return step if after == before else replace(step, padding_after=after)


@dataclass(frozen=True)
class _Pool(_Weightless):
    """What max and average pooling share: the window settings and the plan they make."""

    FIELD_TYPE: ClassVar[str] = "pool"
    kernel_size: PairLike
    stride: PairLike | None = None
    padding: PairLike = 0

    def plan(self, input_shape: Shape) -> PoolPlan:
        raise NotImplementedError

    def output_shape(self, input_shape: Shape) -> Shape:
        return self.plan(input_shape).output_shape

    def output_sizes(self, input_shape: Shape) -> OutputSizes:
        return self.plan(input_shape).output_size

    def field_step(self, input_shape: Shape, axis: int = 0) -> FieldStep:
        plan = self.plan(input_shape)
        kernel, stride, padding, dilation = plan.kernel, plan.stride, plan.padding, plan.dilation
        return FieldStep(
            self.FIELD_TYPE, kernel[axis], stride[axis], padding[axis], dilation[axis], None, plan.ceil_mode
        )


@dataclass(frozen=True)
class MaxPool2d(_Pool):
    """torch.nn.MaxPool2d; ``stride`` None is the kernel size."""

    dilation: PairLike = 1
    ceil_mode: bool = False

    def plan(self, input_shape: Shape) -> PoolPlan:
        return pool_plan(
            input_shape, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )


@dataclass(frozen=True)
class AvgPool2d(_Pool):
    """torch.nn.AvgPool2d; ``stride`` None is the kernel size."""

    ceil_mode: bool = False
    count_include_pad: bool = True

    def plan(self, input_shape: Shape) -> PoolPlan:
        settings = (self.kernel_size, self.stride, self.padding, 1, self.ceil_mode)
        return pool_plan(input_shape, *settings, mode="avg", count_include_pad=self.count_include_pad)


@dataclass(frozen=True)
class AdaptiveAvgPool2d(_Weightless):
    """torch.nn.AdaptiveAvgPool2d to ``output_size`` (1 = global average pooling).

    Window i spans [floor(i*H/o), ceil((i+1)*H/o)); when H is a multiple of o every window has
    H/o cells and the stride is H/o. Otherwise the windows differ, and the field step uses the
    largest window and the average step rounded down (an upper bound on the field).
    """

    FIELD_TYPE: ClassVar[str] = "adaptive_avg_pool"
    output_size: PairLike

    def output_shape(self, input_shape: Shape) -> Shape:
        return (*tuple(input_shape)[:-2], *pair(self.output_size, "output_size"))

    def output_sizes(self, input_shape: Shape) -> OutputSizes:
        out = pair(self.output_size, "output_size")
        return OutputSize(out[0], f"{out[0]} (adaptive)", True), OutputSize(
            out[1], f"{out[1]} (adaptive)", True
        )

    @property
    def parameter_count(self) -> int:
        return 0

    def macs(self, input_shape: Shape) -> int:
        return 0

    def window(self, size: int, axis: int = 0) -> IntPair:
        """(largest window, stride) along an axis of ``size`` cells."""
        o = pair(self.output_size, "output_size")[axis]
        window = max(math.ceil((i + 1) * size / o) - (i * size) // o for i in range(o))
        return window, max(1, size // o)

    def field_step(self, input_shape: Shape, axis: int = 0) -> FieldStep:
        window, stride = self.window(_spatial(input_shape)[axis], axis)
        return FieldStep(self.FIELD_TYPE, window, stride)


@dataclass(frozen=True)
class Flatten(_Weightless):
    """torch.nn.Flatten: (C, H, W) -> (C*H*W,), keeping a batch axis of an (N, C, H, W) input."""

    FIELD_TYPE: ClassVar[str] = "flatten"

    def output_shape(self, input_shape: Shape) -> Shape:
        shape = tuple(input_shape)
        return (shape[0], math.prod(shape[1:])) if len(shape) == 4 else (math.prod(shape),)

    def field_step(self, input_shape: Shape, axis: int = 0) -> FieldStep:
        """Every feature may read the whole map: an H x W window with no padding."""
        side = _spatial(input_shape)[axis] if len(input_shape) >= 3 else 1
        return FieldStep(self.FIELD_TYPE, side, side)


@dataclass(frozen=True)
class Linear:
    """torch.nn.Linear: weight (out_features, in_features), bias (out_features,), on the last axis."""

    FIELD_TYPE: ClassVar[str] = "linear"
    in_features: int
    out_features: int
    bias: bool = True

    def output_shape(self, input_shape: Shape) -> Shape:
        shape = tuple(input_shape)
        if not shape or shape[-1] != self.in_features:
            message = f"linear layer of {self.in_features} input features cannot take shape {shape}"
            raise EngineError(
                "shape_mismatch", message, field="input", shape=shape, expected=self.in_features
            )
        return (*shape[:-1], self.out_features)

    @property
    def parameter_count(self) -> int:
        return self.in_features * self.out_features + (self.out_features if self.bias else 0)

    def macs(self, input_shape: Shape) -> int:
        """in_features * out_features per input vector."""
        positions = math.prod(self.output_shape(input_shape)[:-1])
        return positions * self.in_features * self.out_features

    def field_step(self, input_shape: Shape, axis: int = 0) -> FieldStep:
        """A fully connected layer reads everything before it; on a flattened map, see :class:`Flatten`."""
        return FieldStep(self.FIELD_TYPE, 1, 1)


@dataclass(frozen=True)
class LazyLinear:
    """torch.nn.LazyLinear: a :class:`Linear` whose in_features are those of the first input it meets."""

    FIELD_TYPE: ClassVar[str] = "linear"
    out_features: int
    bias: bool = True

    def materialise(self, input_shape: Shape) -> Linear:
        """The :class:`Linear` this layer becomes on an input of ``input_shape`` (features last)."""
        return Linear(tuple(input_shape)[-1], self.out_features, self.bias)


SpatialLayer = Conv2d | MaxPool2d | AvgPool2d | AdaptiveAvgPool2d | BatchNorm2d | ReLU | Sigmoid | Tanh
"""A layer on (C, H, W) maps: it has output sizes per axis and a receptive-field step."""
Layer = SpatialLayer | Flatten | Linear | LazyLinear
"""Any layer of the vocabulary."""

ACTIVATION_LAYERS: dict[str, type[_Pointwise]] = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}
