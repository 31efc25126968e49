"""The default initialisation: torch.nn's bounds, by the formula and in the samples; seeded; in place."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.layers import BatchNorm2d, Conv2d, Linear, kaiming_uniform_bound
from engine.network import Sequential, tinyvgg
from tests.engine.network.torch_twin import torch_module


@pytest.mark.parametrize("fan_in", [1, 9, 72, 144, 784, 4608])
def test_the_bound_is_torchs_formula_and_one_over_root_fan_in(fan_in: int) -> None:
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    assert math.isclose(kaiming_uniform_bound(fan_in), gain * math.sqrt(3.0 / fan_in), rel_tol=1e-15)
    assert math.isclose(kaiming_uniform_bound(fan_in), 1 / math.sqrt(fan_in), rel_tol=1e-15)
    assert math.isclose(kaiming_uniform_bound(fan_in, a=0), math.sqrt(6 / fan_in), rel_tol=1e-15)


LAYERS = [(Conv2d(16, 32, 3), 16 * 9), (Conv2d(8, 12, (3, 5), groups=4), 2 * 15), (Linear(784, 40), 784)]


@pytest.mark.parametrize(("layer", "fan_in"), LAYERS, ids=["conv", "grouped conv", "linear"])
def test_samples_are_uniform_within_the_bound_like_torchs(layer: Conv2d | Linear, fan_in: int) -> None:
    bound = 1 / math.sqrt(fan_in)
    ours = layer.initial_state(np.random.default_rng(0), np.float64)
    torch.manual_seed(0)
    theirs = {key: value.detach().double().numpy() for key, value in torch_module(layer).state_dict().items()}
    assert list(ours) == list(theirs) == ["weight", "bias"]
    for key, values in ours.items():
        assert values.shape == theirs[key].shape
        for sample in (values, theirs[key]):
            n = sample.size
            assert np.abs(sample).max() <= bound
            # U(-b, b): mean 0 and variance b^2/3; the largest of n draws is within about b/n of b.
            assert abs(sample.mean()) < 5 * bound / math.sqrt(3 * n)
            assert abs(sample.var() / (bound**2 / 3) - 1) < 6 * math.sqrt(0.8 / n)
            assert np.abs(sample).max() > bound * (1 - 10 / n)


def test_batch_norm_starts_as_torchs() -> None:
    state = BatchNorm2d(3).initial_state(np.random.default_rng(0))
    theirs = torch.nn.BatchNorm2d(3).state_dict()
    assert list(state) == list(theirs)
    for key, value in theirs.items():
        np.testing.assert_array_equal(state[key], value.numpy())
    assert state["num_batches_tracked"].dtype == np.int64


def test_init_is_seeded_in_place_and_the_same_as_construction() -> None:
    net = Sequential(tinyvgg(), seed=4)
    arrays = net.parameters()
    again = Sequential(tinyvgg(), seed=9).init(4)
    for a, b in zip(arrays, again.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert net.init(5) is net
    assert all(a is b for a, b in zip(arrays, net.parameters(), strict=True))
    assert not np.array_equal(arrays[0], again.parameters()[0])
    assert net.init(4).parameters()[2].tolist() == again.parameters()[2].tolist()
