"""What 1x1 convolutions save: the weights and MACs of an inception module and of a bottleneck block.

Every convolution here has stride 1 and "same" padding (k // 2 on each side, k odd), so its output
keeps the input's H x W, and it counts

    weights = k * k * C_in * C_out        (the curriculum's figures: no biases)
    biases  = C_out                        (reported apart, for the count with biases)
    MACs    = weights * H * W              (one multiply-accumulate per weight per output pixel)

An inception module (GoogLeNet) runs four branches side by side on one input and concatenates
their outputs along the channels. The curriculum's example is inception (3a) on 28 x 28 x 192:

>>> naive = inception_module(28, 28, 192, 64, 96, 128, 16, 32, 32,
...                          use_reductions=False, use_pool_projection=False)
>>> naive.weights, naive.output_channels
(387072, 416)
>>> reduced = inception_module(28, 28, 192, 64, 96, 128, 16, 32, 32, use_pool_projection=False)
>>> reduced.weights
157184
>>> full = inception_module(28, 28, 192, 64, 96, 128, 16, 32, 32)
>>> full.weights, full.output_channels
(163328, 256)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine._checks import Shape, integer
from engine.errors import EngineError
from engine.layers import Conv2d, MaxPool2d


def _count(value: int, name: str) -> int:
    return integer(value, name, 1, field=name.split(": ")[-1])


class _Totals:
    """Weights, biases and MACs of all the convolutions in ``convs``, each counted by its layer."""

    @property
    def convs(self) -> tuple[ConvCost, ...]:
        raise NotImplementedError

    @property
    def weights(self) -> int:
        return sum(c.conv.parameter_count for c in self.convs)

    @property
    def biases(self) -> int:
        """The biases the convolutions would have (reported apart, for the count with biases)."""
        return sum(c.conv.out_channels for c in self.convs)

    @property
    def macs(self) -> int:
        return sum(c.conv.macs(c.input_shape) for c in self.convs)

    def totals(self) -> dict[str, int]:
        return {"weights": self.weights, "biases": self.biases, "macs": self.macs}

    def sums(self) -> dict[str, int]:
        """weights, biases, params_with_biases and macs, as the JSON shows them."""
        weights, biases = self.weights, self.biases
        return {
            "weights": weights,
            "biases": biases,
            "params_with_biases": weights + biases,
            "macs": self.macs,
        }


@dataclass(frozen=True)
class ConvCost(_Totals):
    """One stride-1 "same" convolution without bias, on an (in_channels, height, width) input."""

    name: str
    conv: Conv2d
    height: int
    width: int

    @property
    def convs(self) -> tuple[ConvCost, ...]:
        return (self,)

    @property
    def input_shape(self) -> Shape:
        return self.conv.in_channels, self.height, self.width

    @property
    def factors(self) -> tuple[int, int, int, int]:
        """(k, k, C_in, C_out): the product written out, as in 3x3x192x128."""
        return (*self.conv.kernel, self.conv.in_channels, self.conv.out_channels)

    def to_dict(self) -> dict[str, Any]:
        k, _, in_channels, out_channels = self.factors
        layer = {"name": self.name, "type": "conv", "kernel_size": k, "stride": 1, "padding": k // 2}
        layer |= {"in_channels": in_channels, "out_channels": out_channels, "factors": list(self.factors)}
        return layer | self.totals() | {"output_shape": list(self.conv.output_shape(self.input_shape))}


def same_conv(
    name: str, kernel_size: int, in_channels: int, out_channels: int, height: int, width: int
) -> ConvCost:
    """A stride-1 convolution padded by k // 2, checked to keep H x W (so k must be odd)."""
    k = _count(kernel_size, f"{name}: kernel_size")
    if k % 2 == 0:
        message = f"{name}: kernel_size {k} must be odd for 'same' padding k // 2 to keep the size"
        raise EngineError("even_kernel", message, field="kernel_size", value=k)
    # (N + 2*(k // 2) - k) / 1 + 1 = N for odd k: the output keeps H x W.
    conv = Conv2d(
        _count(in_channels, f"{name}: in_channels"),
        _count(out_channels, f"{name}: out_channels"),
        k,
        padding=k // 2,
        bias=False,
    )
    return ConvCost(name, conv, height, width)


@dataclass(frozen=True)
class Branch(_Totals):
    """One branch of an inception module: its layers in order, and what it adds to the concatenation."""

    name: str
    layers: tuple[ConvCost, ...]
    pool: dict[str, Any] | None  # the 3x3 max pool of the pooling branch, or None
    out_channels: int

    @property
    def convs(self) -> tuple[ConvCost, ...]:
        return self.layers

    def to_dict(self) -> dict[str, Any]:
        layers: list[dict[str, Any]] = [self.pool] if self.pool else []
        layers += [c.to_dict() for c in self.convs]
        return {"name": self.name, "layers": layers, "out_channels": self.out_channels, **self.sums()}


@dataclass(frozen=True)
class ModuleCost(_Totals):
    """A set of parallel branches on one (C, H, W) input, concatenated along the channels."""

    input_shape: Shape
    branches: tuple[Branch, ...]
    use_reductions: bool
    use_pool_projection: bool

    @property
    def convs(self) -> tuple[ConvCost, ...]:
        return tuple(conv for branch in self.branches for conv in branch.convs)

    @property
    def output_channels(self) -> int:
        return sum(b.out_channels for b in self.branches)

    @property
    def output_shape(self) -> Shape:
        return (self.output_channels, self.input_shape[1], self.input_shape[2])

    def to_dict(self) -> dict[str, Any]:
        return {
            "use_reductions": self.use_reductions,
            "use_pool_projection": self.use_pool_projection,
            "branches": [b.to_dict() for b in self.branches],
            **self.sums(),
            "output_channels": self.output_channels,
            "output_shape": list(self.output_shape),
        }


def _pool_layer(c: int, h: int, w: int) -> dict[str, Any]:
    """The pooling branch's 3x3 max pool, stride 1, padding 1: it keeps the input's shape."""
    pool = MaxPool2d(3, 1, 1)
    return {
        "name": "pool",
        "type": "max_pool",
        "kernel_size": 3,
        "stride": 1,
        "padding": 1,
        "in_channels": c,
        "out_channels": c,
        "weights": 0,
        "macs": 0,
        "output_shape": list(pool.output_shape((c, h, w))),
    }


def inception_module(
    height: int,
    width: int,
    in_channels: int,
    ch1x1: int,
    ch3x3red: int,
    ch3x3: int,
    ch5x5red: int,
    ch5x5: int,
    pool_proj: int,
    *,
    use_reductions: bool = True,
    use_pool_projection: bool = True,
    kernel_5x5: int = 5,
) -> ModuleCost:
    """The four branches of an inception module on an input (in_channels, height, width).

    Names follow torchvision's ``Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5,
    pool_proj)``. Without reductions the 3x3 and 5x5 convolutions read all ``in_channels``;
    with them, a 1x1 convolution first brings the input down to ``ch3x3red`` (``ch5x5red``)
    channels. The pooling branch (3x3 max pool, stride 1, padding 1) keeps ``in_channels``
    channels unless ``use_pool_projection`` adds a 1x1 convolution to ``pool_proj``.
    ``kernel_5x5`` is 5 as in the paper (torchvision's GoogLeNet uses 3 there).
    Every count must be at least 1, whether or not its layer is used.
    """
    h, w, c = _count(height, "height"), _count(width, "width"), _count(in_channels, "in_channels")
    counts = (ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)
    names = ("ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "pool_proj")
    n = {name: _count(value, name) for name, value in zip(names, counts, strict=True)}
    flags: tuple[tuple[object, str], ...] = (
        (use_reductions, "use_reductions"),
        (use_pool_projection, "use_pool_projection"),
    )
    for flag, name in flags:
        if not isinstance(flag, bool):
            message = f"{name} must be true or false, got {flag!r}"
            raise EngineError("not_a_flag", message, field=name, value=repr(flag))
    k5 = _count(kernel_5x5, "kernel_5x5")

    def reduced(label: str, k: int, red: int, out: int) -> tuple[ConvCost, ...]:
        if not use_reductions:
            return (same_conv(f"{label}", k, c, out, h, w),)
        return (same_conv(f"{label}_reduce", 1, c, red, h, w), same_conv(label, k, red, out, h, w))

    proj = (same_conv("pool_proj", 1, c, n["pool_proj"], h, w),) if use_pool_projection else ()
    branches = (
        Branch("1x1", (same_conv("1x1", 1, c, n["ch1x1"], h, w),), None, n["ch1x1"]),
        Branch("3x3", reduced("3x3", 3, n["ch3x3red"], n["ch3x3"]), None, n["ch3x3"]),
        Branch("5x5", reduced("5x5", k5, n["ch5x5red"], n["ch5x5"]), None, n["ch5x5"]),
        Branch("pool", proj, _pool_layer(c, h, w), n["pool_proj"] if use_pool_projection else c),
    )
    return ModuleCost((c, h, w), branches, use_reductions, use_pool_projection)


# The curriculum's three designs, in its order: no 1x1 at all, 1x1 reductions, reductions and projection.
DESIGNS: tuple[tuple[str, bool, bool], ...] = (
    ("naive", False, False),
    ("reduced", True, False),
    ("reduced_projected", True, True),
)


def inception_comparison(**counts: Any) -> list[dict[str, Any]]:
    """The curriculum's three designs for the same counts: weights, biases, MACs, output channels,
    and the weights as a fraction of the naive module's (rounded to 4 places)."""
    modules = [
        (key, inception_module(**counts, use_reductions=r, use_pool_projection=p)) for key, r, p in DESIGNS
    ]
    naive = modules[0][1].weights
    return [
        {
            "design": key,
            "use_reductions": module.use_reductions,
            "use_pool_projection": module.use_pool_projection,
            **module.sums(),
            "output_channels": module.output_channels,
            "output_shape": list(module.output_shape),
            "weights_ratio": round(module.weights / naive, 4),
        }
        for key, module in modules
    ]


@dataclass(frozen=True)
class _Stack(_Totals):
    """Convolutions one after another."""

    layers: tuple[ConvCost, ...]

    @property
    def convs(self) -> tuple[ConvCost, ...]:
        return self.layers


def bottleneck_comparison(height: int, width: int, channels: int, bottleneck: int) -> dict[str, Any]:
    """ResNet's bottleneck (1x1 channels -> bottleneck, 3x3 bottleneck -> bottleneck, 1x1 back to
    channels) against two 3x3 convolutions at full width (a basic block), on (channels, height, width).
    ``weights_ratio`` is the bottleneck's weights over the plain pair's, rounded to 4 places.
    """
    h, w = _count(height, "height"), _count(width, "width")
    c, b = _count(channels, "channels"), _count(bottleneck, "bottleneck")
    stacks = {
        "bottleneck": (
            same_conv("1x1_reduce", 1, c, b, h, w),
            same_conv("3x3", 3, b, b, h, w),
            same_conv("1x1_expand", 1, b, c, h, w),
        ),
        "plain": (same_conv("3x3_a", 3, c, c, h, w), same_conv("3x3_b", 3, c, c, h, w)),
    }
    result: dict[str, Any] = {"input_shape": [c, h, w]}
    for key, convs in stacks.items():
        result[key] = {
            "layers": [conv.to_dict() for conv in convs],
            **_Stack(convs).totals(),
            "output_shape": [c, h, w],
        }
    result["weights_ratio"] = round(result["bottleneck"]["weights"] / result["plain"]["weights"], 4)
    return result
