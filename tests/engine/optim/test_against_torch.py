"""20 steps of each optimizer, every option combination that changes the rule, against torch.optim.

The same random parameters and the same sequence of random gradients go to both; after EVERY step
the parameters, the update applied and every state entry must agree to 1e-7.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch

from engine.optim import SGD, Adam, Optimizer, RMSprop
from tests.engine.oracle import TOLERANCE, assert_close

STEPS = 20
SHAPES = ((3,), (2, 4), (2, 2, 3))


def grid(**options: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Every combination of the given option values, as keyword dicts."""
    return [dict(zip(options, values, strict=True)) for values in itertools.product(*options.values())]


SGD_CONFIGS = [
    c
    for c in grid(
        lr=(0.1, 0.01),
        momentum=(0.0, 0.9),
        dampening=(0.0, 0.3),
        nesterov=(False, True),
        weight_decay=(0.0, 0.05),
    )
    if not c["nesterov"] or (c["momentum"] > 0 and c["dampening"] == 0)
]
RMSPROP_CONFIGS = grid(
    lr=(0.01, 0.001), alpha=(0.99, 0.9), centered=(False, True), momentum=(0.0, 0.9), weight_decay=(0.0, 0.05)
)
ADAM_CONFIGS = grid(
    lr=(1e-3, 0.1), betas=((0.9, 0.999), (0.5, 0.8)), amsgrad=(False, True), weight_decay=(0.0, 0.05)
)
CASES = (
    [(SGD, torch.optim.SGD, c) for c in SGD_CONFIGS]
    + [(RMSprop, torch.optim.RMSprop, c) for c in RMSPROP_CONFIGS]
    + [(Adam, torch.optim.Adam, c) for c in ADAM_CONFIGS]
)


def gradient_sequence(seed: int) -> list[list[np.ndarray | None]]:
    """STEPS lists of one gradient per parameter. The scale changes from step to step, so second
    moments fall as well as rise (where AMSGrad's maximum differs from Adam); one parameter has
    no gradient at step 5 (skipped, its step count left behind the others')."""
    rng = np.random.default_rng([9, seed])
    sequence: list[list[np.ndarray | None]] = [
        [rng.standard_normal(shape) * 10 ** rng.uniform(-1, 1) for shape in SHAPES] for _ in range(STEPS)
    ]
    sequence[5][1] = None
    return sequence


def torch_state(state: dict[str, Any]) -> dict[str, Any]:
    """torch's state as NumPy values: the step count is a 0-d float tensor there."""
    return {key: value.item() if key == "step" else value.numpy() for key, value in state.items()}


def run_both(ours: Optimizer, theirs: torch.optim.Optimizer, tensors: list[torch.Tensor], seed: int) -> None:
    for step, grads in enumerate(gradient_sequence(seed)):
        before = [t.detach().clone() for t in tensors]
        for tensor, grad in zip(tensors, grads, strict=True):
            tensor.grad = None if grad is None else torch.tensor(grad)
        theirs.step()
        updates = ours.step(grads)
        pairs: list[tuple[Any, Any]] = []
        for i, tensor in enumerate(tensors):
            expected = torch_state(theirs.state[tensor]) if tensor in theirs.state else {}
            assert set(ours.state[i]) == set(expected), f"step {step}, params[{i}]"
            pairs += [
                (ours.params[i], tensor.detach().numpy()),
                (updates[i], (tensor.detach() - before[i]).numpy()),
            ]
            pairs += [(ours.state[i][key], value) for key, value in expected.items()]
        assert_all_close(pairs)


def assert_all_close(pairs: list[tuple[Any, Any]]) -> None:
    """Every (actual, expected) pair as :func:`assert_close` checks it, in one NumPy call when all
    agree (one call per pair is most of the run time); pair by pair, for the report, when not."""
    same_shapes = all(np.shape(actual) == np.shape(expected) for actual, expected in pairs)
    flat = [np.concatenate([np.ravel(pair[side]) for pair in pairs]) for side in (0, 1)]
    if not (same_shapes and np.allclose(*flat, rtol=TOLERANCE, atol=TOLERANCE)):
        for actual, expected in pairs:
            assert_close(actual, expected)


def case_id(case: tuple[Any, Any, dict[str, Any]]) -> str:
    ours, _, config = case
    return f"{ours.__name__}-" + ",".join(f"{k}={v}" for k, v in config.items())


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_twenty_steps_match_torch(case: tuple[type[Optimizer], Any, dict[str, Any]]) -> None:
    ours_class, torch_class, config = case
    seed = CASES.index(case)
    rng = np.random.default_rng([8, seed])
    params = [rng.standard_normal(shape) for shape in SHAPES]
    tensors = [torch.tensor(p).requires_grad_(True) for p in params]
    run_both(ours_class(params, **config), torch_class(tensors, **config, foreach=False), tensors, seed)
