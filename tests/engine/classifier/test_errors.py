"""Every invalid argument of the classifier head raises EngineError with its rule code and field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine.classifier import (
    cross_entropy,
    cross_entropy_backward,
    flatten,
    flatten_backward,
    linear,
    linear_backward,
    softmax,
    softmax_backward,
)
from engine.errors import EngineError
from tests.engine.refusals import assert_refused

LOGITS = np.zeros((2, 3))
TARGETS = np.array([0, 2])

CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("features", lambda: linear(np.ones((2, 3)), np.ones((4, 5))), "in_features_mismatch", "weight"),
    ("weight rank", lambda: linear(np.ones(3), np.ones(3)), "bad_shape", "weight"),
    ("scalar input", lambda: linear(np.float64(1.0), np.ones((1, 1))), "bad_shape", "input"),
    ("bias shape", lambda: linear(np.ones(3), np.ones((2, 3)), np.ones(3)), "bad_shape", "bias"),
    ("input NaN", lambda: linear([np.nan, 1.0], np.ones((1, 2))), "not_finite", "input"),
    ("input text", lambda: linear("abc", np.ones((1, 2))), "not_numeric", "input"),
    ("ragged", lambda: linear([[1.0], [1.0, 2.0]], np.ones((1, 2))), "not_numeric", "input"),
    (
        "grad_output",
        lambda: linear_backward(np.ones((2, 3)), np.ones((2, 3)), np.ones((4, 3))),
        "shape_mismatch",
        "grad_output",
    ),
    ("start dim", lambda: flatten(np.ones((2, 3)), 2), "dim_out_of_range", "start_dim"),
    ("end dim", lambda: flatten(np.ones((2, 3)), 0, -3), "dim_out_of_range", "end_dim"),
    ("dim order", lambda: flatten(np.ones((2, 3, 4)), 2, 1), "start_after_end", "start_dim"),
    ("dim type", lambda: flatten(np.ones((2, 3)), 1.0), "not_an_int", "start_dim"),
    ("flatten size", lambda: flatten_backward(np.ones(5), (2, 3)), "size_mismatch", "grad_output"),
    ("axis", lambda: softmax(np.ones((2, 3)), axis=2), "dim_out_of_range", "axis"),
    ("axis bool", lambda: softmax(np.ones(3), axis=True), "not_an_int", "axis"),
    ("softmax grad", lambda: softmax_backward(np.ones(2), np.ones(3)), "shape_mismatch", "grad_output"),
    ("target high", lambda: cross_entropy(LOGITS, [0, 3]), "target_out_of_range", "targets"),
    ("target negative", lambda: cross_entropy(LOGITS, [-100, 0]), "target_out_of_range", "targets"),
    ("target float", lambda: cross_entropy(LOGITS, [0.0, 1.0]), "not_integer", "targets"),
    ("target bool", lambda: cross_entropy(LOGITS, [True, False]), "not_integer", "targets"),
    ("target count", lambda: cross_entropy(LOGITS, [0, 1, 2]), "shape_mismatch", "targets"),
    ("target rank", lambda: cross_entropy(LOGITS, [[0, 1]]), "bad_shape", "targets"),
    ("logits rank", lambda: cross_entropy(np.zeros(3), [0]), "bad_shape", "logits"),
    ("empty", lambda: cross_entropy(np.zeros((0, 3)), np.zeros(0, int)), "empty_dimension", "logits"),
    ("reduction", lambda: cross_entropy(LOGITS, TARGETS, "average"), "unknown_reduction", "reduction"),
    (
        "backward reduction",
        lambda: cross_entropy_backward(LOGITS, TARGETS, "max"),
        "unknown_reduction",
        "reduction",
    ),
    (
        "upstream shape",
        lambda: cross_entropy_backward(LOGITS, TARGETS, "none", grad_output=1.0),
        "shape_mismatch",
        "grad_output",
    ),
]


@pytest.mark.parametrize(("call", "code", "field"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_invalid_argument_is_refused(call: Callable[[], Any], code: str, field: str) -> None:
    assert_refused(call, code, field)


def test_message_names_the_value_and_the_rule() -> None:
    with pytest.raises(EngineError) as caught:
        cross_entropy(LOGITS, [0, 7])
    assert str(caught.value) == "targets[1] is 7, but logits has 3 classes: every target must be in [0, 2]"
    assert caught.value.values == {"index": 1, "value": 7, "classes": 3}


def test_engine_re_exports_the_classifier_head() -> None:
    import engine
    import engine.classifier

    for name in engine.classifier.__all__:
        assert getattr(engine, name) is getattr(engine.classifier, name)
