"""Fixtures the engine tests share: frame streams checked, float64 closeness, random conv2d cases."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

from engine.conv import conv_plan
from tests.engine.frame_checks import check_frames
from tests.engine.oracle import assert_close


@pytest.fixture
def collect() -> Callable[[Iterable[dict[str, Any]], str], list[dict[str, Any]]]:
    """``collect(frames, op)``: the frames as a list, after the checks every stream must pass."""
    return check_frames


@pytest.fixture
def close() -> Callable[[Any, Any], None]:
    """``close(actual, expected)``: float64 agreement to 1e-7, shapes included."""
    return assert_close


MODES = ("zeros", "reflect", "replicate", "circular")


def choice(rng: np.random.Generator, options: list[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


@dataclass
class ConvCase:
    """One conv2d configuration with its arrays; ``params`` are conv2d's keyword arguments."""

    x: np.ndarray[Any, Any]
    weight: np.ndarray[Any, Any]
    bias: np.ndarray[Any, Any] | None
    params: dict[str, Any] = field(default_factory=dict)
    activation: str = "none"

    def torch_layer(self, bias: bool) -> torch.nn.Conv2d:
        """nn.Conv2d holding this case's weights: the oracle for every padding mode and 'same'."""
        out_channels, in_per_group, kh, kw = self.weight.shape
        groups = self.params["groups"]
        layer = torch.nn.Conv2d(
            in_per_group * groups, out_channels, (kh, kw), bias=bias, dtype=torch.float64, **self.params
        )
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(self.weight))
            if bias and self.bias is not None:
                layer.bias.copy_(torch.from_numpy(self.bias))
        return layer

    def source_of(self, i: int, size: int) -> int:
        """The real index a padded index copies in this case's padding mode, written out case by case."""
        mode = self.params["padding_mode"]
        if 0 <= i < size or mode == "zeros":
            return i
        if mode == "replicate":
            return 0 if i < 0 else size - 1
        if mode == "circular":
            return i + size if i < 0 else i - size
        return -i if i < 0 else 2 * (size - 1) - i  # reflect


def random_conv_case(seed: int) -> ConvCase:
    """A random valid conv2d configuration: groups, strides, dilations, paddings, modes, 3-D inputs."""
    rng = np.random.default_rng(seed)
    while True:
        groups = choice(rng, [1, 1, 2, 3])
        cin, cout = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        h, w = (int(v) for v in rng.integers(2, 8, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        params = {
            "stride": choice(rng, [1, 1, 2, 3, (1, 2), (2, 1)]),
            "padding": choice(rng, [0, 1, 2, (0, 1), (2, 1), "same", "valid"]),
            "dilation": choice(rng, [1, 1, 2, (1, 2), (2, 1)]),
            "groups": groups,
            "padding_mode": choice(rng, list(MODES)),
        }
        shape = (cin, h, w) if rng.random() < 0.2 else (int(rng.integers(1, 3)), cin, h, w)
        try:
            conv_plan(shape, (cout, cin // groups, kh, kw), None, **params)
        except ValueError:
            continue
        return ConvCase(
            x=rng.standard_normal(shape),
            weight=rng.standard_normal((cout, cin // groups, kh, kw)),
            bias=rng.standard_normal(cout) if rng.random() < 0.7 else None,
            params=params,
            activation=choice(rng, ["none", "relu", "sigmoid", "tanh"]),
        )


@pytest.fixture
def conv_case(seed: int) -> ConvCase:
    """The random conv2d case of the test's ``seed`` parameter."""
    return random_conv_case(seed)
