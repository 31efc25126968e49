"""engine.architectures.inception: the curriculum's inception (3a) figures, checked against torch."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from engine.architectures.inception import (
    bottleneck_comparison,
    inception_comparison,
    inception_module,
    same_conv,
)

# torchvision's Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj), and
# GoogLeNet's inception3a = Inception(192, 64, 96, 128, 16, 32, 32) on its 28 x 28 input.
TORCHVISION_ARGUMENTS = ("in_channels", "ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "pool_proj")
INCEPTION_3A: dict[str, int] = {"height": 28, "width": 28} | dict(
    zip(TORCHVISION_ARGUMENTS, (192, 64, 96, 128, 16, 32, 32), strict=True)
)


def torch_module(
    counts: dict[str, int], reductions: bool, projection: bool, bias: bool, k5: int = 5
) -> nn.Module:
    """The same module built from torch layers, to count its parameters independently."""
    c = counts["in_channels"]

    def conv(cin: int, cout: int, k: int) -> nn.Conv2d:
        return nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias)

    def branch(red: int, out: int, k: int) -> nn.Module:
        return nn.Sequential(conv(c, red, 1), conv(red, out, k)) if reductions else conv(c, out, k)

    pool: list[nn.Module] = [nn.MaxPool2d(3, stride=1, padding=1)]
    if projection:
        pool.append(conv(c, counts["pool_proj"], 1))
    return nn.ModuleList(
        [
            conv(c, counts["ch1x1"], 1),
            branch(counts["ch3x3red"], counts["ch3x3"], 3),
            branch(counts["ch5x5red"], counts["ch5x5"], k5),
            nn.Sequential(*pool),
        ]
    )


def torch_output(module: nn.Module, counts: dict[str, int]) -> torch.Size:
    x = torch.zeros(1, counts["in_channels"], counts["height"], counts["width"])
    with torch.no_grad():
        return torch.cat([branch(x) for branch in module], dim=1).shape  # type: ignore[attr-defined]


def test_curriculum_figures() -> None:
    naive = inception_module(**INCEPTION_3A, use_reductions=False, use_pool_projection=False)
    assert naive.weights == 1 * 1 * 192 * 64 + 3 * 3 * 192 * 128 + 5 * 5 * 192 * 32 == 387_072
    assert naive.output_channels == 64 + 128 + 32 + 192 == 416
    reduced = inception_module(**INCEPTION_3A, use_pool_projection=False)
    assert reduced.weights == 12_288 + (18_432 + 110_592) + (3_072 + 12_800) == 157_184
    assert reduced.output_channels == 416
    full = inception_module(**INCEPTION_3A)
    assert full.weights == 157_184 + 6_144 == 163_328
    assert full.output_channels == 64 + 128 + 32 + 32 == 256
    assert full.output_shape == (256, 28, 28)
    # MACs: each weight once per output pixel (stride 1, same padding).
    assert full.macs == 163_328 * 28 * 28 == 128_049_152


def test_branch_products_are_written_out() -> None:
    branches = {b.name: b for b in inception_module(**INCEPTION_3A).branches}
    assert [c.factors for c in branches["1x1"].convs] == [(1, 1, 192, 64)]
    assert [(c.name, c.factors, c.weights) for c in branches["3x3"].convs] == [
        ("3x3_reduce", (1, 1, 192, 96), 18_432),
        ("3x3", (3, 3, 96, 128), 110_592),
    ]
    assert [c.weights for c in branches["5x5"].convs] == [3_072, 12_800]
    assert branches["pool"].pool is not None
    assert branches["pool"].pool["output_shape"] == [192, 28, 28]
    assert [c.factors for c in branches["pool"].convs] == [(1, 1, 192, 32)]
    assert branches["pool"].out_channels == 32


def test_comparison_ratios() -> None:
    designs = inception_comparison(**INCEPTION_3A)
    assert [d["design"] for d in designs] == ["naive", "reduced", "reduced_projected"]
    assert [d["weights"] for d in designs] == [387_072, 157_184, 163_328]
    assert [d["output_channels"] for d in designs] == [416, 416, 256]
    assert designs[1]["weights_ratio"] == 0.4061  # "about 0.41 of the naive count"
    assert designs[2]["weights_ratio"] == round(163_328 / 387_072, 4)


@pytest.mark.parametrize(
    ("counts", "reductions", "projection", "k5"),
    [
        (INCEPTION_3A, False, False, 5),
        (INCEPTION_3A, True, False, 5),
        (INCEPTION_3A, True, True, 5),
        (INCEPTION_3A, False, True, 3),
        (
            {**INCEPTION_3A, "height": 14, "width": 9, "in_channels": 480, "ch1x1": 192, "ch3x3": 208},
            True,
            True,
            5,
        ),
        (
            {**INCEPTION_3A, "height": 3, "width": 5, "in_channels": 7, "ch5x5red": 2, "pool_proj": 1},
            True,
            True,
            3,
        ),
    ],
)
def test_counts_equal_torch(counts: dict[str, int], reductions: bool, projection: bool, k5: int) -> None:
    module = inception_module(
        **counts, use_reductions=reductions, use_pool_projection=projection, kernel_5x5=k5
    )
    for bias, expected in ((False, module.weights), (True, module.weights + module.biases)):
        net = torch_module(counts, reductions, projection, bias, k5)
        assert sum(p.numel() for p in net.parameters()) == expected
    net = torch_module(counts, reductions, projection, False, k5)
    assert tuple(torch_output(net, counts)[1:]) == module.output_shape
    # Every conv output has H x W positions, each reading every weight once.
    convs = [layer for layer in net.modules() if isinstance(layer, nn.Conv2d)]
    assert module.macs == sum(c.weight.numel() for c in convs) * counts["height"] * counts["width"]


def test_bottleneck_against_two_3x3() -> None:
    result: dict[str, Any] = bottleneck_comparison(56, 56, 256, 64)
    assert [layer["factors"] for layer in result["bottleneck"]["layers"]] == [
        [1, 1, 256, 64],
        [3, 3, 64, 64],
        [1, 1, 64, 256],
    ]
    assert result["bottleneck"]["weights"] == 16_384 + 36_864 + 16_384 == 69_632
    assert result["plain"]["weights"] == 2 * 3 * 3 * 256 * 256 == 1_179_648
    assert result["weights_ratio"] == 0.059
    assert result["bottleneck"]["macs"] == 69_632 * 56 * 56
    block = nn.Sequential(
        nn.Conv2d(256, 64, 1, bias=False),
        nn.Conv2d(64, 64, 3, padding=1, bias=False),
        nn.Conv2d(64, 256, 1, bias=False),
    )
    assert sum(p.numel() for p in block.parameters()) == result["bottleneck"]["weights"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ch3x3": 0}, "ch3x3 0 must be at least 1"),
        ({"height": -2}, "height -2 must be at least 1"),
        ({"in_channels": 2.5}, "in_channels must be an int"),
        ({"ch1x1": True}, "ch1x1 must be an int"),
        ({"kernel_5x5": 4}, "kernel_size 4 must be odd"),
        ({"use_reductions": 1}, "use_reductions must be true or false"),
    ],
)
def test_bad_arguments_name_the_value(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        inception_module(**{**INCEPTION_3A, **change})


def test_same_conv_refuses_even_kernels() -> None:
    with pytest.raises(ValueError, match="3x3: kernel_size 2 must be odd"):
        same_conv("3x3", 2, 4, 4, 8, 8)
