"""The layer vocabulary against torch.nn: output shapes, parameters, MACs; its receptive-field steps;
and the same rules and words as the functions, since the shapes come from the same plans."""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from engine import conv2d, max_pool2d
from engine.layers import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    FieldStep,
    Flatten,
    LazyLinear,
    Linear,
    MaxPool2d,
    ReLU,
)


def torch_output(module: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    with torch.no_grad(), warnings.catch_warnings():
        # PyTorch notes that "same" with an even kernel copies the input; the shape is still exact.
        warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)
        return tuple(module.to("meta")(torch.empty(shape, device="meta")).shape)


@pytest.mark.parametrize("seed", range(30))
def test_conv2d_counts_like_torch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 2, 3]))
    settings: dict[str, Any] = {
        "stride": int(rng.integers(1, 3)),
        "padding": [0, 1, (1, 2), "same"][int(rng.integers(4))],
        "dilation": int(rng.integers(1, 3)),
        "groups": groups,
        "bias": bool(rng.random() < 0.5),
    }
    if settings["padding"] == "same":
        settings["stride"] = 1
    args = (groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3)), (int(rng.integers(1, 4)), 3))
    layer, module = Conv2d(*args, **settings), nn.Conv2d(*args, **settings, device="meta")
    shape = (2, args[0], 9, 8)
    output = torch_output(module, shape)
    assert layer.output_shape(shape) == output
    assert layer.output_shape(shape[1:]) == output[1:]
    assert layer.parameter_count == sum(p.numel() for p in module.parameters())
    assert layer.macs(shape) == math.prod(output) * module.in_channels // groups * math.prod(
        module.kernel_size
    )


@pytest.mark.parametrize(
    ("layer", "module"),
    [
        (MaxPool2d(3, 2, 1), nn.MaxPool2d(3, 2, 1)),
        (MaxPool2d(2, ceil_mode=True), nn.MaxPool2d(2, ceil_mode=True)),
        (MaxPool2d((2, 3), dilation=2), nn.MaxPool2d((2, 3), dilation=2)),
        (AvgPool2d(3, 1, 1, count_include_pad=False), nn.AvgPool2d(3, 1, 1, count_include_pad=False)),
        (AdaptiveAvgPool2d(4), nn.AdaptiveAvgPool2d(4)),
        (AdaptiveAvgPool2d((1, 3)), nn.AdaptiveAvgPool2d((1, 3))),
        (BatchNorm2d(3, eps=0.001), nn.BatchNorm2d(3, eps=0.001)),
        (ReLU(), nn.ReLU()),
        (Flatten(), nn.Flatten()),
    ],
)
def test_weightless_and_norm_layers_shape_like_torch(layer: Any, module: nn.Module) -> None:
    shape = (2, 3, 11, 10)
    assert layer.output_shape(shape) == torch_output(module, shape)
    assert layer.parameter_count == sum(p.numel() for p in module.parameters())
    assert layer.macs(shape) == 0


def test_linear_and_lazy_linear() -> None:
    layer, module = Linear(12, 5), nn.Linear(12, 5, device="meta")
    assert layer.output_shape((4, 12)) == torch_output(module, (4, 12)) == (4, 5)
    assert layer.parameter_count == sum(p.numel() for p in module.parameters()) == 65
    assert layer.macs((4, 12)) == 4 * 12 * 5
    assert Linear(12, 5, bias=False).parameter_count == 60
    assert LazyLinear(5).materialise((3, 12)) == layer
    assert Flatten().output_shape((16, 5, 5)) == (400,)


def test_field_steps() -> None:
    shape = (1, 1, 16, 16)
    assert Conv2d(1, 1, 3, stride=2, padding=1).field_step(shape) == FieldStep("conv", 3, 2, 1)
    # "same" with an even extent pads the smaller half first, as PyTorch does.
    assert Conv2d(1, 1, 4, padding="same").field_step(shape) == FieldStep("conv", 4, 1, 1, padding_after=2)
    assert Conv2d(1, 1, (3, 5), dilation=(1, 2)).field_step(shape, axis=1) == FieldStep("conv", 5, 1, 0, 2)
    assert MaxPool2d(2).field_step(shape) == FieldStep("pool", 2, 2)
    assert MaxPool2d(3, 2, ceil_mode=True).field_step(shape).ceil_mode
    assert BatchNorm2d(1).field_step(shape) == FieldStep("batch_norm", 1, 1)
    assert AdaptiveAvgPool2d(5).field_step(shape) == FieldStep("adaptive_avg_pool", 4, 3)
    assert Flatten().field_step((4, 6, 6)).extent == 6


@pytest.mark.parametrize(
    ("layer", "function", "shape"),
    [
        (Conv2d(1, 1, 7), lambda x: conv2d(x, np.zeros((1, 1, 7, 7))), (1, 1, 5, 5)),
        (
            Conv2d(1, 1, 3, stride=2, padding="same"),
            lambda x: conv2d(x, np.zeros((1, 1, 3, 3)), stride=2, padding="same"),
            (1, 1, 5, 5),
        ),
        (MaxPool2d(3, padding=2), lambda x: max_pool2d(x, 3, padding=2), (1, 1, 5, 5)),
    ],
)
def test_layers_refuse_in_the_functions_words(layer: Any, function: Any, shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"\w") as by_function:
        function(np.zeros(shape))
    with pytest.raises(ValueError, match=re.escape(str(by_function.value))):
        layer.output_shape(shape)
