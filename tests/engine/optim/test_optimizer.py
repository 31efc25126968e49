"""What every optimizer promises besides its rule: in-place updates, readable state, the update
returned, and EngineError for every invalid argument."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine.errors import EngineError
from engine.optim import SGD, Adam, Optimizer, RMSprop
from tests.engine.refusals import assert_refused

OPTIMIZERS: list[Callable[[list[np.ndarray]], Optimizer]] = [
    lambda p: SGD(p, lr=0.1, momentum=0.9),
    lambda p: RMSprop(p, momentum=0.5, centered=True),
    lambda p: Adam(p, amsgrad=True),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_updates_the_callers_arrays_in_place(make: Callable[[list[np.ndarray]], Optimizer]) -> None:
    weight, bias = np.ones((2, 3)), np.zeros(2, np.float32)
    optimizer = make([weight, bias])
    assert optimizer.state == [{}, {}]
    grads = [np.full((2, 3), 0.5), np.array([1, -1])]
    kept = [g.copy() for g in grads]
    before = weight.copy()
    updates = optimizer.step(grads)
    assert optimizer.params[0] is weight
    assert not np.array_equal(weight, before)
    np.testing.assert_array_equal(updates[0], weight - before)
    assert bias.dtype == updates[1].dtype == np.float32
    for grad, copy in zip(grads, kept, strict=True):
        np.testing.assert_array_equal(grad, copy)


def test_a_parameter_without_gradient_is_left_alone() -> None:
    first, second = np.ones(2), np.ones(3)
    optimizer = Adam([first, second])
    updates = optimizer.step([np.ones(2), None])
    assert optimizer.state[1] == {}
    assert optimizer.state[0]["step"] == 1
    np.testing.assert_array_equal(updates[1], np.zeros(3))
    np.testing.assert_array_equal(second, np.ones(3))


def test_state_keys_are_torchs() -> None:
    p = [np.ones(2)]
    grads = [np.ones(2)]
    cases = [
        (SGD(p, momentum=0.9), {"momentum_buffer"}),
        (SGD(p), set()),
        (RMSprop(p, momentum=0.9, centered=True), {"step", "square_avg", "momentum_buffer", "grad_avg"}),
        (RMSprop(p), {"step", "square_avg"}),
        (Adam(p, amsgrad=True), {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
        (Adam(p), {"step", "exp_avg", "exp_avg_sq"}),
    ]
    for optimizer, keys in cases:
        optimizer.step(grads)
        assert set(optimizer.state[0]) == keys


def test_first_sgd_momentum_step_is_the_plain_gradient() -> None:
    """torch starts the buffer at the first gradient itself, undamped: b1 = g1."""
    param = np.zeros(2)
    SGD([param], lr=1.0, momentum=0.9, dampening=0.5).step([np.array([1.0, -2.0])])
    np.testing.assert_array_equal(param, [-1.0, 2.0])


P = [np.zeros(2)]
CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("lr", lambda: SGD(P, lr=-0.1), "must_not_be_negative", "lr"),
    ("lr nan", lambda: Adam(P, lr=float("nan")), "not_finite", "lr"),
    ("lr text", lambda: RMSprop(P, lr="fast"), "not_a_number", "lr"),
    ("lr bool", lambda: SGD(P, lr=True), "not_a_number", "lr"),
    ("momentum", lambda: SGD(P, momentum=-0.5), "must_not_be_negative", "momentum"),
    ("weight_decay", lambda: SGD(P, weight_decay=-1), "must_not_be_negative", "weight_decay"),
    ("nesterov momentum", lambda: SGD(P, nesterov=True), "nesterov_needs_momentum", "momentum"),
    (
        "nesterov dampening",
        lambda: SGD(P, momentum=0.9, dampening=0.1, nesterov=True),
        "nesterov_needs_zero_dampening",
        "dampening",
    ),
    ("nesterov flag", lambda: SGD(P, momentum=0.9, nesterov=1), "not_a_flag", "nesterov"),
    ("alpha", lambda: RMSprop(P, alpha=-0.1), "must_not_be_negative", "alpha"),
    ("rmsprop eps", lambda: RMSprop(P, eps=-1e-8), "must_not_be_negative", "eps"),
    ("rmsprop momentum", lambda: RMSprop(P, momentum=-0.9), "must_not_be_negative", "momentum"),
    ("rmsprop weight_decay", lambda: RMSprop(P, weight_decay=-0.1), "must_not_be_negative", "weight_decay"),
    ("centered", lambda: RMSprop(P, centered="yes"), "not_a_flag", "centered"),
    ("beta1", lambda: Adam(P, betas=(1.0, 0.999)), "beta_out_of_range", "betas[0]"),
    ("beta2", lambda: Adam(P, betas=(0.9, -0.1)), "beta_out_of_range", "betas[1]"),
    ("betas pair", lambda: Adam(P, betas=(0.9,)), "betas_not_pair", "betas"),
    ("beta type", lambda: Adam(P, betas=(0.9, None)), "not_a_number", "betas[1]"),
    ("adam eps", lambda: Adam(P, eps=-1.0), "must_not_be_negative", "eps"),
    ("adam weight_decay", lambda: Adam(P, weight_decay=-0.1), "must_not_be_negative", "weight_decay"),
    ("amsgrad", lambda: Adam(P, amsgrad=0), "not_a_flag", "amsgrad"),
    ("one array", lambda: SGD(np.zeros(2)), "params_not_a_list", "params"),
    ("not iterable", lambda: SGD(3), "params_not_a_list", "params"),
    ("empty", lambda: Adam([]), "empty_params", "params"),
    ("list param", lambda: SGD([[1.0, 2.0]]), "not_an_array", "params[0]"),
    ("int param", lambda: SGD([np.zeros(2, int)]), "not_float", "params[0]"),
    ("read-only", lambda: SGD([np.broadcast_to(np.zeros(1), (3,))]), "read_only", "params[0]"),
    ("duplicate", lambda: SGD([P[0], np.ones(1), P[0]]), "duplicate_param", "params[2]"),
    ("grad count", lambda: SGD(P).step([]), "grad_count_mismatch", "grads"),
    ("grad array", lambda: SGD(P).step(np.zeros(2)), "grad_count_mismatch", "grads"),
    ("grad shape", lambda: SGD(P).step([np.zeros(3)]), "shape_mismatch", "grads[0]"),
    ("grad nan", lambda: Adam(P).step([np.array([0.0, np.inf])]), "not_finite", "grads[0]"),
    ("grad text", lambda: RMSprop(P).step(["ab"]), "not_numeric", "grads[0]"),
]


@pytest.mark.parametrize(("call", "code", "field"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_invalid_argument_is_refused(call: Callable[[], Any], code: str, field: str) -> None:
    assert_refused(call, code, field)


def test_message_names_the_value_and_the_rule() -> None:
    with pytest.raises(EngineError) as caught:
        Adam(P, betas=(0.9, 1.5))
    assert str(caught.value) == "betas[1] 1.5 must be in [0, 1)"
    assert caught.value.values == {"value": 1.5}


def test_engine_re_exports_the_optimizers() -> None:
    import engine

    assert (engine.SGD, engine.RMSprop, engine.Adam, engine.Optimizer) == (SGD, RMSprop, Adam, Optimizer)
