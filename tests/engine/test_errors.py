"""EngineError: every bad call names its rule (a code in engine.errors.CODES) and the field at fault."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import engine
from engine import EngineError
from engine.architectures.table import Inception, Named, walk_sequence
from engine.digits import mnist_digit
from engine.errors import CODES
from engine.kernels import named_kernel
from engine.layers import Linear
from tests.engine.classifier.test_errors import CASES as CLASSIFIER_CALLS
from tests.engine.optim.test_optimizer import CASES as OPTIMIZER_CALLS
from tests.engine.raised_codes import CodeScan, UnresolvedCodeError
from tests.engine.refusals import assert_refused

X = np.zeros((1, 4, 5, 5))
W = np.zeros((2, 4, 3, 3))
PLANE = np.zeros((1, 1, 4, 4))
STATS = (np.zeros(2), np.ones(2))
NORM_INPUT = np.ones((2, 2, 2, 2))
CONV = {"input_shape": (1, 1, 4, 4), "weight_shape": (1, 1, 3, 3)}


def _branch_mismatch() -> Any:
    branches = ((Named("a", engine.MaxPool2d(2)),), (Named("b", engine.MaxPool2d(1)),))
    start = engine.architectures.table.Row("input", "input", None, (1, 4, 4), 0, 0, 1, 1)
    return walk_sequence((Inception("mixed", branches),), start)


BAD_CALLS: list[tuple[str, Callable[[], Any], str, str | None]] = [
    ("kernel", lambda: engine.conv2d(X, np.zeros((2, 4, 7, 7))), "kernel_too_large", "weight"),
    (
        "groups split",
        lambda: engine.conv2d(X, np.zeros((3, 1, 3, 3)), groups=3),
        "not_divisible_by_groups",
        "groups",
    ),
    ("groups zero", lambda: engine.conv2d(X, W, groups=0), "must_be_positive", "groups"),
    ("groups float", lambda: engine.conv2d(X, W, groups=1.5), "not_an_int", "groups"),
    ("stride", lambda: engine.conv2d(X, W, stride=0), "must_be_positive", "stride"),
    ("stride pair", lambda: engine.conv2d(X, W, stride=(1, 2, 3)), "not_an_int", "stride"),
    ("padding", lambda: engine.conv2d(X, W, padding=-1), "must_not_be_negative", "padding"),
    ("padding word", lambda: engine.conv2d(X, W, padding="full"), "unknown_padding", "padding"),
    ("same stride", lambda: engine.conv2d(X, W, padding="same", stride=2), "same_needs_stride_1", "padding"),
    ("mode", lambda: engine.conv2d(X, W, padding_mode="mirror"), "unknown_padding_mode", "padding_mode"),
    (
        "reflect",
        lambda: engine.conv2d(X, W, padding=5, padding_mode="reflect"),
        "padding_too_large",
        "padding",
    ),
    ("channels", lambda: engine.conv2d(X, np.zeros((2, 3, 3, 3))), "channel_mismatch", "weight"),
    ("weight rank", lambda: engine.conv2d(X, np.zeros((2, 4, 3))), "bad_shape", "weight"),
    ("bias", lambda: engine.conv2d(X, W, np.zeros(3)), "bad_shape", "bias"),
    ("nan", lambda: engine.conv2d(np.full(X.shape, np.nan), W), "not_finite", "input"),
    ("input rank", lambda: engine.conv2d(np.zeros((4, 5)), W), "bad_shape", "input"),
    ("empty", lambda: engine.conv2d(np.zeros((1, 4, 0, 5)), W), "empty_dimension", "input"),
    ("ragged", lambda: engine.conv2d([[1.0], [1.0, 2.0]], W), "not_numeric", "input"),
    ("text", lambda: engine.conv2d(np.array([["a"]]), W), "not_numeric", "input"),
    (
        "upstream",
        lambda: engine.conv2d_backward(np.zeros((1, 2, 2, 2)), X, W),
        "shape_mismatch",
        "grad_output",
    ),
    ("activation", lambda: engine.conv2d_frames(X, W, activation="gelu"), "unknown_activation", "activation"),
    (
        "output_padding",
        lambda: engine.conv_transpose2d(PLANE, np.zeros((1, 1, 3, 3)), output_padding=1),
        "output_padding_too_large",
        "output_padding",
    ),
    (
        "cropped away",
        lambda: engine.conv_transpose2d(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 3, 3)), padding=3),
        "padding_removes_output",
        "padding",
    ),
    (
        "transpose channels",
        lambda: engine.conv_transpose2d(PLANE, np.zeros((2, 1, 3, 3))),
        "channel_mismatch",
        "weight",
    ),
    ("pool padding", lambda: engine.max_pool2d(PLANE, 3, padding=2), "padding_too_large", "padding"),
    ("pool kernel", lambda: engine.avg_pool2d(PLANE, 5), "kernel_too_large", "kernel_size"),
    (
        "only padding",
        lambda: engine.max_pool2d(np.zeros((1, 1, 1, 3)), (2, 1), padding=(1, 0), dilation=2),
        "window_only_padding",
        "dilation",
    ),
    ("ceil_mode", lambda: engine.max_pool2d(PLANE, 2, ceil_mode=1), "not_a_flag", "ceil_mode"),
    (
        "count_include_pad",
        lambda: engine.avg_pool2d(PLANE, 2, count_include_pad="yes"),
        "not_a_flag",
        "count_include_pad",
    ),
    ("kernel float", lambda: engine.max_pool2d(PLANE, 2.0), "not_an_int", "kernel_size"),
    (
        "indices shape",
        lambda: engine.max_pool2d_backward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2), int), (1, 1, 4, 4)),
        "shape_mismatch",
        "indices",
    ),
    (
        "indices dtype",
        lambda: engine.max_pool2d_backward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), (1, 1, 4, 4)),
        "bad_indices",
        "indices",
    ),
    (
        "index range",
        lambda: engine.max_pool2d_backward(np.zeros((1, 1, 2, 2)), np.full((1, 1, 2, 2), 16), (1, 1, 4, 4)),
        "bad_indices",
        "indices",
    ),
    (
        "pool upstream",
        lambda: engine.avg_pool2d_backward(np.zeros((1, 1, 3, 3)), (1, 1, 4, 4), 2),
        "shape_mismatch",
        "grad_output",
    ),
    (
        "counted upstream",
        lambda: engine.frame_count(
            "max_pool2d_backward", input_shape=(1, 1, 4, 4), kernel_size=2, grad_output_shape=(1, 3, 3)
        ),
        "shape_mismatch",
        "grad_output",
    ),
    ("norm rank", lambda: engine.batch_norm(np.ones((2, 2, 2)), *STATS), "bad_shape", "input"),
    (
        "norm stats",
        lambda: engine.batch_norm(NORM_INPUT, np.zeros(3), np.ones(2)),
        "bad_shape",
        "running_mean",
    ),
    (
        "variance",
        lambda: engine.batch_norm(NORM_INPUT, np.zeros(2), -np.ones(2)),
        "negative_variance",
        "running_var",
    ),
    ("momentum", lambda: engine.batch_norm(NORM_INPUT, *STATS, momentum=1.5), "out_of_range", "momentum"),
    (
        "momentum none",
        lambda: engine.batch_norm(NORM_INPUT, *STATS, momentum=None),
        "not_a_number",
        "momentum",
    ),
    ("eps", lambda: engine.batch_norm(NORM_INPUT, *STATS, eps=0.0), "must_be_positive", "eps"),
    ("training", lambda: engine.batch_norm(NORM_INPUT, *STATS, training=1), "not_a_flag", "training"),
    (
        "one value",
        lambda: engine.batch_norm(np.ones((1, 2, 1, 1)), *STATS, training=True),
        "too_few_values",
        "input",
    ),
    ("gamma", lambda: engine.batch_norm(NORM_INPUT, *STATS, np.ones(3)), "bad_shape", "weight"),
    (
        "norm upstream",
        lambda: engine.batch_norm_backward(np.ones((2, 2, 2, 1)), NORM_INPUT, None),
        "shape_mismatch",
        "grad_output",
    ),
    ("no batches", lambda: engine.batch_norm_training_steps([], *STATS), "no_batches", "inputs"),
    (
        "batch channels",
        lambda: engine.batch_norm_training_steps([NORM_INPUT, np.ones((2, 3, 2, 2))], *STATS),
        "channel_mismatch",
        "inputs[1]",
    ),
    ("op", lambda: engine.frame_count("conv3d"), "unknown_op", "op"),
    (
        "counted activation",
        lambda: engine.frame_count("conv2d", **CONV, activation="elu"),
        "unknown_activation",
        "activation",
    ),
    ("kind", lambda: engine.generate((2, 2), "noise"), "unknown_kind", "kind"),
    ("seed", lambda: engine.generate((2, 2), seed=-1), "out_of_range", "seed"),
    ("low high", lambda: engine.generate((2, 2), low=3, high=1), "out_of_range", "low"),
    ("shape list", lambda: engine.generate("2x2"), "bad_shape", "shape"),
    ("shape rank", lambda: engine.generate((1, 1, 1, 1, 1)), "bad_shape", "shape"),
    ("shape size", lambda: engine.generate((2, 0)), "empty_dimension", "shape"),
    ("shape ints", lambda: engine.generate((2, 2.5)), "not_an_int", "shape"),
    ("square kernel", lambda: engine.generate((1, 1, 3, 2), "sobel_x"), "bad_shape", "shape"),
    ("kernel name", lambda: named_kernel("blurry"), "unknown_kernel", "kind"),
    ("even", lambda: named_kernel("gaussian", 4), "even_kernel", "size"),
    ("fixed size", lambda: named_kernel("laplacian", 5), "kernel_size_not_available", "size"),
    ("size range", lambda: named_kernel("box_blur", 33), "out_of_range", "size"),
    ("bank", lambda: engine.kernel_bank("edges", 3), "unknown_bank", "bank"),
    ("bank count", lambda: engine.kernel_bank("random", 3, count=0), "must_be_positive", "count"),
    ("bank many", lambda: engine.kernel_bank("random", 3, count=65), "out_of_range", "count"),
    ("bank seed", lambda: engine.kernel_bank("random", 3, seed=-1), "not_an_int", "seed"),
    ("sigma", lambda: engine.kernel_bank("gaussian", 3, sigma=-1.0), "must_be_positive", "sigma"),
    ("sigma text", lambda: engine.kernel_bank("gaussian", 3, sigma="wide"), "not_a_number", "sigma"),
    (
        "layer type",
        lambda: engine.receptive_fields(8, [{"type": "dense"}]),
        "unknown_layer_type",
        "layers[0].type",
    ),
    (
        "layer kernel",
        lambda: engine.receptive_fields(8, [{"type": "conv"}]),
        "missing_value",
        "layers[0].kernel_size",
    ),
    (
        "layer stride",
        lambda: engine.receptive_fields(8, [{"type": "conv", "kernel_size": 3, "stride": 0}]),
        "must_be_positive",
        "layers[0].stride",
    ),
    (
        "pool same",
        lambda: engine.receptive_fields(8, [{"type": "pool", "kernel_size": 3, "padding": "same"}]),
        "not_for_this_layer",
        "layers[0].padding",
    ),
    (
        "conv ceil",
        lambda: engine.receptive_fields(8, [{"type": "conv", "kernel_size": 3, "ceil_mode": True}]),
        "not_for_this_layer",
        "layers[0].ceil_mode",
    ),
    (
        "ceil flag",
        lambda: engine.receptive_fields(8, [{"type": "pool", "kernel_size": 2, "ceil_mode": 1}]),
        "not_a_flag",
        "layers[0].ceil_mode",
    ),
    (
        "field kernel",
        lambda: engine.receptive_fields(4, [{"type": "conv", "kernel_size": 5}]),
        "kernel_too_large",
        "layers[0]",
    ),
    (
        "unit",
        lambda: engine.unit_field(8, [{"type": "conv", "kernel_size": 3}], 0, 6, 0),
        "unit_outside",
        "unit",
    ),
    (
        "unit layer",
        lambda: engine.unit_field(8, [{"type": "conv", "kernel_size": 3}], 1, 0, 0),
        "out_of_range",
        "unit",
    ),
    ("table input", lambda: engine.architecture_table("vgg16", 0), "must_be_positive", "input_size"),
    ("table fit", lambda: engine.architecture_table("vgg16", 16), "kernel_too_large", "kernel_size"),
    ("branches", _branch_mismatch, "branch_mismatch", "layers"),
    (
        "inception count",
        lambda: engine.inception_module(28, 28, 192, 64, 96, 0, 16, 32, 32),
        "must_be_positive",
        "ch3x3",
    ),
    (
        "inception flag",
        lambda: engine.inception_module(28, 28, 192, 64, 96, 128, 16, 32, 32, use_reductions=1),
        "not_a_flag",
        "use_reductions",
    ),
    (
        "inception kernel",
        lambda: engine.inception_module(28, 28, 192, 64, 96, 128, 16, 32, 32, kernel_5x5=4),
        "even_kernel",
        "kernel_size",
    ),
    ("size", lambda: engine.conv_output_size(0, 3), "must_be_positive", "input"),
    ("linear", lambda: Linear(10, 2).output_shape((12,)), "shape_mismatch", "input"),
    ("features", lambda: engine.BatchNorm2d(3).output_shape((4, 2, 2)), "channel_mismatch", "input"),
    ("digit plane", lambda: mnist_digit(np.zeros((3, 4, 4))), "bad_shape", "image"),
    ("no ink", lambda: mnist_digit(np.full((8, 8), 0.5)), "no_ink", "image"),
]


@pytest.mark.parametrize(
    ("call", "code", "field"), [row[1:] for row in BAD_CALLS], ids=[row[0] for row in BAD_CALLS]
)
def test_each_bad_call_names_its_rule_and_field(
    call: Callable[[], Any], code: str, field: str | None
) -> None:
    assert_refused(call, code, field)


@pytest.mark.parametrize(
    ("input_shape", "code"),
    [
        ((4, 4), "bad_shape"),
        ((1, 2, 4, 4), "shape_mismatch"),
        ((1, 1, 0, 4), "empty_dimension"),
        ((1, 1, 4.0, 4), "not_an_int"),
    ],
)
def test_a_backward_pass_checks_the_shape_it_must_produce(input_shape: tuple[Any, ...], code: str) -> None:
    upstream = np.zeros((1, 1, 2, 2))
    assert_refused(lambda: engine.avg_pool2d_backward(upstream, input_shape, 2), code, "input_shape")


def test_every_code_raised_is_listed_with_a_description() -> None:
    raised = CodeScan.of_folder(Path(engine.__file__).parent).raised()
    assert raised - set(CODES) == set()
    assert set(CODES) - raised == set()  # and the list holds no code that nothing raises
    assert all(description.endswith(".") and len(description) > 20 for description in CODES.values())


def test_the_scan_follows_a_code_through_variables_and_helpers() -> None:
    source = """
def refuse(value, name, code="by_default"):
    raise EngineError(code, f"{name} {value!r}", field=name)

def check(kind, size):
    chosen = "from_a_branch" if kind else "from_the_other"
    refuse(kind, "kind", chosen)
    refuse(kind, "kind", code="by_keyword")
    refuse(size, "size")
    raise EngineError("a_literal", "message")
"""
    assert CodeScan({"m.py": source}).raised() == {
        "by_default",
        "from_a_branch",
        "from_the_other",
        "by_keyword",
        "a_literal",
    }


@pytest.mark.parametrize(
    "source",
    [
        "raise EngineError(make_code(), 'm')",
        "def f(code):\n    raise EngineError(code, 'm')\nf(*codes)",
        "def f(code):\n    raise EngineError(code, 'm')\nf(**options)",
        "def f():\n    raise EngineError(CODE, 'm')",
    ],
    ids=["call", "starred", "unpacked", "unassigned"],
)
def test_the_scan_refuses_a_code_it_cannot_follow(source: str) -> None:
    with pytest.raises(UnresolvedCodeError):
        CodeScan({"m.py": source}).raised()


def test_the_tables_cover_every_code() -> None:
    tables = [BAD_CALLS, CLASSIFIER_CALLS, OPTIMIZER_CALLS]
    assert {row[2] for table in tables for row in table} == set(CODES)


def test_an_error_can_be_readdressed_and_placed_inside_a_larger_whole() -> None:
    error = EngineError("must_be_positive", "stride 0 must be at least 1", field="stride", value=0)
    assert error.at("layers[2].stride").field == "layers[2].stride"
    inner = error.within("layer 2", "layers[2]")
    assert (str(inner), inner.field, inner.values) == (
        "layer 2: stride 0 must be at least 1",
        "layers[2]",
        {"value": 0},
    )
    assert EngineError("bad_shape", "m", shape=(np.int64(2), 3)).as_dict()["values"] == {"shape": [2, 3]}
