"""The batch-norm plan: the app's figures (two passes forward, three backward), memory, frame counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.norm import (
    batch_norm,
    batch_norm_backward_frames,
    batch_norm_frames,
    norm_backward_plan,
    norm_plan,
)
from tests.engine.oracle import peak_elements


@pytest.mark.parametrize("shape", [(4, 8, 32, 32), (2, 3, 1, 5), (1, 1, 2, 1)])
def test_plan_gives_the_apps_figures_and_memory(shape: tuple[int, int, int, int]) -> None:
    x = np.random.default_rng(0).standard_normal(shape)
    stats = np.zeros(shape[1]), np.ones(shape[1])
    plan = norm_plan(shape, (shape[1],), (shape[1],), training=True)
    assert plan.output_shape == batch_norm(x, *stats, training=True)[0].shape
    assert (plan.work, plan.backward_work) == (2 * math.prod(shape), 3 * math.prod(shape))
    assert plan.count == shape[0] * shape[2] * shape[3]
    assert plan.frame_count == sum(1 for _ in batch_norm_frames(x, *stats, training=True))
    backward = norm_backward_plan(shape, shape)
    assert backward.backward_frame_count == sum(1 for _ in batch_norm_backward_frames(x, x))
    assert peak_elements(lambda: batch_norm(x, *stats, training=True)) <= plan.memory_elements + 4096
