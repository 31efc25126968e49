"""The pooling plan: the app's figures (shape, derivations, window reads), memory, frame counts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from engine import pool_output_size
from engine.pool import avg_pool2d, avg_pool2d_frames, max_pool2d, max_pool2d_frames, pool_plan
from tests.engine.oracle import peak_elements

CASES = [
    ((2, 3, 64, 64), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((1, 8, 100, 100), {"kernel_size": 2}),
    ((1, 8, 99, 99), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ((3, 7, 9), {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 0)}),
]


@pytest.mark.parametrize(("shape", "params"), CASES)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_plan_gives_the_apps_figures_and_memory(
    shape: tuple[int, ...], params: dict[str, Any], mode: str
) -> None:
    x = np.random.default_rng(0).standard_normal(shape)
    plan = pool_plan(shape, **params, mode=mode)  # type: ignore[arg-type]
    pool, frames = (max_pool2d, max_pool2d_frames) if mode == "max" else (avg_pool2d, avg_pool2d_frames)
    output = pool(x, **params)
    assert plan.output_shape == (output[0] if mode == "max" else output).shape
    kernel = np.broadcast_to(params["kernel_size"], 2)
    # The app's sums: every output value reads kH * kW cells.
    assert plan.work == math.prod(plan.output_shape) * int(kernel[0] * kernel[1])
    settings = {
        k: np.broadcast_to(params.get(k, d), 2)
        for k, d in (("stride", params["kernel_size"]), ("padding", 0))
    }
    sizes = tuple(
        pool_output_size(
            shape[a - 2],
            int(kernel[a]),
            *(int(settings[k][a]) for k in settings),
            1,
            params.get("ceil_mode", False),
        )
        for a in (0, 1)
    )
    assert plan.output_size == sizes
    assert plan.frame_count == plan.backward_frame_count == sum(1 for _ in frames(x, **params))
    assert peak_elements(lambda: pool(x, **params)) <= plan.memory_elements + 4096
