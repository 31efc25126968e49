"""Several batch-norm training steps: each step's running statistics are the next step's, as in PyTorch."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.norm import batch_norm, batch_norm_training_steps
from tests.engine.oracle import assert_close


@pytest.mark.parametrize("seed", range(12))
def test_steps_equal_torch_batch_norm_applied_step_after_step(seed: int) -> None:
    rng = np.random.default_rng(seed)
    channels = int(rng.integers(1, 4))
    steps = int(rng.integers(1, 9))
    # Batches may differ in N, H and W (a last, smaller batch); the channels are the layer's.
    batches = [
        rng.standard_normal((int(rng.integers(1, 4)), channels, int(rng.integers(2, 4)), 2)) * 2 + 3
        for _ in range(steps)
    ]
    start_mean, start_var = rng.standard_normal(channels), rng.uniform(0.5, 2.0, channels)
    momentum = float(rng.choice([0.1, 0.3, 1.0, 0.0]))
    result = batch_norm_training_steps(batches, start_mean, start_var, momentum)

    mean, var = torch.from_numpy(start_mean.copy()), torch.from_numpy(start_var.copy())
    for t, batch in enumerate(batches):
        F.batch_norm(torch.from_numpy(batch), mean, var, training=True, momentum=momentum)
        assert_close(result["running_mean"][t], mean)  # torch updated its buffers in place
        assert_close(result["running_var"][t], var)
        assert_close(result["mean"][t], batch.mean(axis=(0, 2, 3)))
        assert_close(result["variance"][t], batch.var(axis=(0, 2, 3)))
        assert_close(
            result["unbiased_variance"][t],
            batch.transpose(1, 0, 2, 3).reshape(channels, -1).var(axis=1, ddof=1),
        )
    assert {key: value.shape for key, value in result.items()} == dict.fromkeys(result, (steps, channels))


def test_a_chain_of_single_steps_gives_the_same_numbers_exactly() -> None:
    rng = np.random.default_rng(3)
    batches = [rng.integers(0, 10, (4, 2, 3, 3)).astype(np.float64) for _ in range(6)]
    result = batch_norm_training_steps(batches, np.zeros(2), np.ones(2), 0.1)
    mean, var = np.zeros(2), np.ones(2)
    for t, batch in enumerate(batches):
        _, mean, var = batch_norm(batch, mean, var, training=True, momentum=0.1)
        assert result["running_mean"][t].tolist() == mean.tolist()
        assert result["running_var"][t].tolist() == var.tolist()


def test_running_statistics_approach_the_datas() -> None:
    # Digits 0..9 drawn uniformly: mean 4.5, variance (10**2 - 1) / 12 = 8.25. From a fresh layer
    # (0, 1) with momentum 0.5, 12 steps leave the running estimates near those values.
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, 10, (8, 1, 6, 6)).astype(np.float64) for _ in range(12)]
    result = batch_norm_training_steps(batches, np.zeros(1), np.ones(1), 0.5)
    assert abs(result["running_mean"][-1, 0] - 4.5) < 0.5
    assert abs(result["running_var"][-1, 0] - 8.25) < 1.5
    assert abs(result["running_mean"][0, 0]) < abs(result["running_mean"][-1, 0])


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ([], "inputs must hold at least one batch"),
        ([np.ones((2, 2, 2, 2)), np.ones((2, 3, 2, 2))], "inputs[1] has 3 channels, inputs[0] has 2"),
        ([np.ones((1, 2, 1, 1))], "more than 1 value per channel"),
        ([np.ones((2, 2, 2))], "inputs[0] must have shape (N, C, H, W)"),
    ],
)
def test_bad_batches_are_refused_with_the_rule(inputs: list[np.ndarray], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        batch_norm_training_steps(inputs, np.zeros(2), np.ones(2))
