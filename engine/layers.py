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
MACs are counted here and nowhere else.

The layers hold settings only, never weights. The ones a trainable network is made of (Conv2d,
ReLU, Sigmoid, Tanh, MaxPool2d, AvgPool2d, BatchNorm2d, Flatten, Linear) also compute, through
the engine's own functions, with the weights handed in as a dict named as ``torch.nn`` names them
(``weight``, ``bias``; batch norm's buffers ``running_mean``, ``running_var``,
``num_batches_tracked``):

- ``forward(x, params, training=True) -> (output, cache)``: the cache is what the backward pass
  needs (the input, max pooling's switches, ...); batch norm in training mode normalises with the
  batch statistics and updates its buffers in ``params`` IN PLACE, as ``torch.nn.BatchNorm2d``;
- ``backward(grad_output, cache, params) -> (grad_input, param_grads)``, ``param_grads`` keyed
  like the trainable entries of ``params``;
- ``state_shapes()`` (parameters, then buffers, in torch's ``state_dict`` order),
  ``parameter_names()`` (the trainable ones) and ``initial_state(rng)``, torch's default
  initialisation drawn from a NumPy generator.

:class:`engine.network.Sequential` chains them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
from numpy.typing import DTypeLike

from engine._checks import Array, IntPair, PairLike, Shape, pair, positive_pair
from engine.activations import activation_derivative, apply_activation
from engine.classifier import flatten, flatten_backward, linear, linear_backward
from engine.conv.api import conv2d, conv2d_backward
from engine.conv.plan import ConvPlan, conv_plan
from engine.errors import EngineError
from engine.norm.api import batch_norm, batch_norm_backward
from engine.norm.plan import norm_input_shape
from engine.pool.api import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from engine.pool.plan import PoolPlan, pool_plan
from engine.shapes import OutputSize, resolve_conv_padding, unchanged

OutputSizes = tuple[OutputSize, OutputSize]
Params = Mapping[str, Array]
"""A layer's weights (and buffers) by torch.nn's names: ``{"weight": ..., "bias": ...}``."""
Cache = dict[str, Any]
"""What a layer's forward pass keeps for its backward pass."""
Grads = dict[str, Array]
"""The gradient of each trainable parameter, keyed like :data:`Params`."""
NO_PARAMS: Params = MappingProxyType({})


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


def _param(params: Params, name: str, layer: object) -> Array:
    """``params[name]``, or an error that names the layer and the missing entry."""
    if name not in params:
        message = f"{type(layer).__name__} needs {name!r} in its params, which hold {sorted(params)}"
        raise EngineError("missing_value", message, field=name, name=name)
    return params[name]


def _cached(cache: Cache, name: str, layer: object) -> Any:
    """``cache[name]``: the backward pass needs the cache of this layer's own forward pass."""
    if name not in cache:
        message = f"the cache given to {type(layer).__name__}.backward has no {name!r}: pass its forward's"
        raise EngineError("missing_value", message, field="cache", name=name)
    return cache[name]


def kaiming_uniform_bound(fan_in: int, a: float = math.sqrt(5)) -> float:
    """The bound of ``torch.nn.init.kaiming_uniform_(w, a)`` (fan_in mode, leaky_relu gain).

    gain = sqrt(2 / (1 + a^2)), bound = sqrt(3) * gain / sqrt(fan_in); with torch's default
    a = sqrt(5) for Conv2d and Linear the gain is sqrt(1/3), so the bound is 1 / sqrt(fan_in).
    """
    gain = math.sqrt(2.0 / (1 + a**2))
    return math.sqrt(3.0) * (gain / math.sqrt(fan_in))


def _fan_in_state(
    rng: np.random.Generator, weight_shape: Shape, bias: bool, dtype: DTypeLike
) -> dict[str, Array]:
    """torch's default for Conv2d and Linear: weight U(-b, b) by kaiming_uniform_(a=sqrt(5)), then
    bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)); fan_in is the product of the weight's axes after the first."""
    fan_in = math.prod(weight_shape[1:])
    state = {"weight": rng.uniform(-1, 1, weight_shape) * kaiming_uniform_bound(fan_in)}
    if bias:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        state["bias"] = rng.uniform(-bound, bound, weight_shape[:1])
    return {name: value.astype(dtype) for name, value in state.items()}


class _Weightless:
    """A layer without weights: no parameters and no multiply-accumulates."""

    @property
    def parameter_count(self) -> int:
        return 0

    def macs(self, input_shape: Shape) -> int:
        return 0

    def state_shapes(self) -> dict[str, Shape]:
        """No parameters and no buffers."""
        return {}

    def parameter_names(self) -> tuple[str, ...]:
        return ()

    def initial_state(self, rng: np.random.Generator, dtype: DTypeLike = np.float32) -> dict[str, Array]:
        return {}


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


class _Activation(_Pointwise):
    """An activation: forward by :func:`engine.apply_activation`, backward times its derivative."""

    ACTIVATION: ClassVar[str] = "identity"

    def forward(self, x: Any, params: Params = NO_PARAMS, *, training: bool = True) -> tuple[Array, Cache]:
        """f(x), any shape; the cache keeps the pre-activation input the derivative takes."""
        return apply_activation(self.ACTIVATION, x), {"input": x}

    def backward(self, grad_output: Any, cache: Cache, params: Params = NO_PARAMS) -> tuple[Array, Grads]:
        """grad_output * f'(x), shaped like x; no parameters."""
        derivative = activation_derivative(self.ACTIVATION, _cached(cache, "input", self))
        return np.asarray(grad_output) * derivative, {}


class ReLU(_Activation):
    """max(x, 0), value by value (its derivative at 0 is 0, as in PyTorch)."""

    ACTIVATION: ClassVar[str] = "relu"


class Sigmoid(_Activation):
    """1 / (1 + e^-x), value by value."""

    ACTIVATION: ClassVar[str] = "sigmoid"


class Tanh(_Activation):
    """tanh(x), value by value."""

    ACTIVATION: ClassVar[str] = "tanh"


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

    def state_shapes(self) -> dict[str, Shape]:
        """gamma and beta, then the buffers (the count of training batches is a 0-d int64)."""
        vector = (self.num_features,)
        return {
            "weight": vector,
            "bias": vector,
            "running_mean": vector,
            "running_var": vector,
            "num_batches_tracked": (),
        }

    def parameter_names(self) -> tuple[str, ...]:
        return ("weight", "bias")

    def initial_state(self, rng: np.random.Generator, dtype: DTypeLike = np.float32) -> dict[str, Array]:
        """torch's reset: gamma 1, beta 0, running mean 0, running variance 1, no batches yet."""
        ones, zeros = np.ones(self.num_features, dtype), np.zeros(self.num_features, dtype)
        return {
            "weight": ones,
            "bias": zeros,
            "running_mean": zeros.copy(),
            "running_var": ones.copy(),
            "num_batches_tracked": np.zeros((), np.int64),
        }

    def forward(self, x: Any, params: Params, *, training: bool = True) -> tuple[Array, Cache]:
        """Normalise (N, C, H, W) per channel.

        Training: with the batch's statistics, and the running ones in ``params`` moved towards
        them IN PLACE (and ``num_batches_tracked`` counted up), as torch.nn.BatchNorm2d does.
        Evaluation: with the running statistics, which stay as they are.
        """
        running_mean = _param(params, "running_mean", self)
        running_var = _param(params, "running_var", self)
        output, new_mean, new_var = batch_norm(
            x,
            running_mean,
            running_var,
            _param(params, "weight", self),
            _param(params, "bias", self),
            training,
            self.momentum,
            self.eps,
        )
        if training:
            running_mean[...], running_var[...] = new_mean, new_var
            if "num_batches_tracked" in params:
                params["num_batches_tracked"][...] += 1
        return output, {"input": x, "training": training}

    def backward(self, grad_output: Any, cache: Cache, params: Params) -> tuple[Array, Grads]:
        """Training mode: :func:`engine.batch_norm_backward` (the batch statistics depend on every
        input). Evaluation: the fixed affine map's gradient, gamma / sqrt(running_var + eps) per channel."""
        x, gamma = _cached(cache, "input", self), _param(params, "weight", self)
        if _cached(cache, "training", self):
            grad_input, grad_weight, grad_bias = batch_norm_backward(grad_output, x, gamma, self.eps)
            return grad_input, {"weight": grad_weight, "bias": grad_bias}
        g, x = np.asarray(grad_output), np.asarray(x)
        inverse_std = 1 / np.sqrt(_param(params, "running_var", self) + self.eps)
        mean = _param(params, "running_mean", self)
        axes = (0, 2, 3) if x.ndim == 4 else (1, 2)
        normalised = (x - mean[:, None, None]) * inverse_std[:, None, None]
        grad_input = g * (gamma * inverse_std)[:, None, None]
        grads = {"weight": (g * normalised).sum(axis=axes), "bias": g.sum(axis=axes)}
        return grad_input.astype(x.dtype, copy=False), grads


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

    def state_shapes(self) -> dict[str, Shape]:
        return {"weight": self.weight_shape, **({"bias": (self.out_channels,)} if self.bias else {})}

    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self.state_shapes())

    def initial_state(self, rng: np.random.Generator, dtype: DTypeLike = np.float32) -> dict[str, Array]:
        """torch.nn.Conv2d's reset_parameters: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
        fan_in = in_channels/groups * kH * kW (see :func:`kaiming_uniform_bound`)."""
        return _fan_in_state(rng, self.weight_shape, self.bias, dtype)

    def _settings(self) -> tuple[Any, ...]:
        return self.stride, self.padding, self.dilation, self.groups, self.padding_mode

    def forward(self, x: Any, params: Params, *, training: bool = True) -> tuple[Array, Cache]:
        """:func:`engine.conv2d` of x (N, C, H, W) or (C, H, W) with params' weight and bias."""
        weight, bias = _param(params, "weight", self), params.get("bias") if self.bias else None
        return conv2d(x, weight, bias, *self._settings()), {"input": x}

    def backward(self, grad_output: Any, cache: Cache, params: Params) -> tuple[Array, Grads]:
        """:func:`engine.conv2d_backward`: grad_input like x, and the weight's (and bias's) gradient."""
        x, weight = _cached(cache, "input", self), _param(params, "weight", self)
        grad_input, grad_weight, grad_bias = conv2d_backward(grad_output, x, weight, *self._settings())
        return grad_input, {"weight": grad_weight, **({"bias": grad_bias} if self.bias else {})}

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

    def forward(self, x: Any, params: Params = NO_PARAMS, *, training: bool = True) -> tuple[Array, Cache]:
        """:func:`engine.max_pool2d`; the cache keeps its switches (flat positions in each plane)."""
        settings = (self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)
        output, indices = max_pool2d(x, *settings)
        return output, {"indices": indices, "input_shape": np.shape(x)}

    def backward(self, grad_output: Any, cache: Cache, params: Params = NO_PARAMS) -> tuple[Array, Grads]:
        """:func:`engine.max_pool2d_backward`: each gradient routed to its window's switch."""
        indices, shape = _cached(cache, "indices", self), _cached(cache, "input_shape", self)
        return max_pool2d_backward(grad_output, indices, shape), {}


@dataclass(frozen=True)
class AvgPool2d(_Pool):
    """torch.nn.AvgPool2d; ``stride`` None is the kernel size."""

    ceil_mode: bool = False
    count_include_pad: bool = True

    def plan(self, input_shape: Shape) -> PoolPlan:
        settings = (self.kernel_size, self.stride, self.padding, 1, self.ceil_mode)
        return pool_plan(input_shape, *settings, mode="avg", count_include_pad=self.count_include_pad)

    def _settings(self) -> tuple[Any, ...]:
        return self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad

    def forward(self, x: Any, params: Params = NO_PARAMS, *, training: bool = True) -> tuple[Array, Cache]:
        """:func:`engine.avg_pool2d`; the cache keeps the input's shape."""
        return avg_pool2d(x, *self._settings()), {"input_shape": np.shape(x)}

    def backward(self, grad_output: Any, cache: Cache, params: Params = NO_PARAMS) -> tuple[Array, Grads]:
        """:func:`engine.avg_pool2d_backward`: each gradient spread evenly over its window."""
        return avg_pool2d_backward(grad_output, _cached(cache, "input_shape", self), *self._settings()), {}


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

    def forward(self, x: Any, params: Params = NO_PARAMS, *, training: bool = True) -> tuple[Array, Cache]:
        """:func:`engine.flatten`: (N, C, H, W) -> (N, C*H*W), any other rank -> one vector."""
        output = flatten(x, start_dim=1 if np.ndim(x) == 4 else 0)
        return output, {"input_shape": np.shape(x)}

    def backward(self, grad_output: Any, cache: Cache, params: Params = NO_PARAMS) -> tuple[Array, Grads]:
        """:func:`engine.flatten_backward`: the gradient reshaped back to the input's shape."""
        return flatten_backward(grad_output, _cached(cache, "input_shape", self)), {}

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

    def state_shapes(self) -> dict[str, Shape]:
        weight = (self.out_features, self.in_features)
        return {"weight": weight, **({"bias": (self.out_features,)} if self.bias else {})}

    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self.state_shapes())

    def initial_state(self, rng: np.random.Generator, dtype: DTypeLike = np.float32) -> dict[str, Array]:
        """torch.nn.Linear's reset_parameters: weight and bias U(-1/sqrt(in), 1/sqrt(in))."""
        return _fan_in_state(rng, (self.out_features, self.in_features), self.bias, dtype)

    def forward(self, x: Any, params: Params, *, training: bool = True) -> tuple[Array, Cache]:
        """:func:`engine.linear`: (*, in_features) -> (*, out_features)."""
        bias = params.get("bias") if self.bias else None
        return linear(x, _param(params, "weight", self), bias), {"input": x}

    def backward(self, grad_output: Any, cache: Cache, params: Params) -> tuple[Array, Grads]:
        """:func:`engine.linear_backward`: grad_input like x, and the weight's (and bias's) gradient."""
        x, weight = _cached(cache, "input", self), _param(params, "weight", self)
        grad_input, grad_weight, grad_bias = linear_backward(grad_output, x, weight)
        return grad_input, {"weight": grad_weight, **({"bias": grad_bias} if self.bias else {})}

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

ComputingLayer = Conv2d | ReLU | Sigmoid | Tanh | MaxPool2d | AvgPool2d | BatchNorm2d | Flatten | Linear
"""A layer with ``forward(x, params)`` and ``backward(grad_output, cache, params)``."""
COMPUTING_LAYERS: tuple[type, ...] = (
    Conv2d,
    ReLU,
    Sigmoid,
    Tanh,
    MaxPool2d,
    AvgPool2d,
    BatchNorm2d,
    Flatten,
    Linear,
)
