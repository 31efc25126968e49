"""Example request bodies for every operation endpoint, shown in the OpenAPI document and at /docs.

Each example is a working request (the tests post every one and expect 200). Seeded specs show
how a whole scene fits in a few characters; literal lists show the arithmetic in full.
"""

from __future__ import annotations

from typing import Any

Examples = dict[str, dict[str, Any]]


def _examples(**named: tuple[str, dict[str, Any]]) -> Examples:
    return {name: {"summary": summary, "value": value} for name, (summary, value) in named.items()}


CONV2D = _examples(
    seeded=(
        "Sobel x on a seeded 5x5 plane, padding 1, ReLU",
        {
            "input": {"shape": [1, 1, 5, 5], "kind": "integers", "seed": 3},
            "weight": {"shape": [1, 1, 3, 3], "kind": "sobel_x"},
            "padding": 1,
            "activation": "relu",
        },
    ),
    lists=(
        "Literal lists: a 4x4 plane, one 2x2 kernel, a bias, stride 2",
        {
            "input": [[[1, 2, 0, 1], [0, 1, 3, 1], [2, 2, 1, 0], [1, 0, 0, 2]]],
            "weight": [[[[1, 0], [0, -1]]]],
            "bias": [0.5],
            "stride": 2,
        },
    ),
    channels=(
        "Three channels, two seeded kernels, reflect padding",
        {
            "input": {"shape": [1, 3, 6, 6], "seed": 1},
            "weight": {"shape": [2, 3, 3, 3], "seed": 2},
            "bias": {"shape": [2], "seed": 3},
            "padding": 1,
            "padding_mode": "reflect",
        },
    ),
)

CONV2D_BACKWARD = _examples(
    seeded=(
        "Gradients of two 3x3 kernels for an upstream gradient of ones",
        {
            "input": {"shape": [1, 1, 4, 4], "seed": 1},
            "weight": {"shape": [2, 1, 3, 3], "seed": 2},
            "grad_output": {"shape": [1, 2, 2, 2], "kind": "ones"},
        },
    ),
    lists=(
        "Literal lists, stride 2",
        {
            "input": [[[1, 2, 0, 1], [0, 1, 3, 1], [2, 2, 1, 0], [1, 0, 0, 2]]],
            "weight": [[[[1, 0], [0, -1]]]],
            "grad_output": [[[1, 2], [3, 4]]],
            "stride": 2,
        },
    ),
)

CONV_TRANSPOSE2D = _examples(
    lists=(
        "Each input value stamps the kernel, stride 2",
        {"input": [[[1, 2], [3, 4]]], "weight": [[[[1, 1], [1, 1]]]], "stride": 2},
    ),
    seeded=(
        "Upsampling 3x3 -> 6x6 with stride 2, padding 1, output_padding 1",
        {
            "input": {"shape": [1, 2, 3, 3], "seed": 4},
            "weight": {"shape": [2, 1, 3, 3], "seed": 5},
            "bias": [0.5],
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
        },
    ),
)

CONV_TRANSPOSE2D_BACKWARD = _examples(
    lists=(
        "Gradients for an upstream gradient of ones",
        {
            "input": [[[1, 2], [3, 4]]],
            "weight": [[[[1, 0], [0, 1]]]],
            "grad_output": {"shape": [1, 4, 4], "kind": "ones"},
            "stride": 2,
        },
    ),
)

MAX_POOL2D = _examples(
    lists=(
        "2x2 windows, stride 2: the classic halving",
        {"input": [[[1, 3, 2, 1], [4, 2, 0, 1], [1, 1, 5, 6], [0, 2, 7, 3]]], "kernel_size": 2},
    ),
    overlapping=(
        "Overlapping 3x3 windows, stride 2, padding 1, ceil_mode",
        {
            "input": {"shape": [1, 1, 6, 6], "seed": 7},
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "ceil_mode": True,
        },
    ),
)

MAX_POOL2D_BACKWARD = _examples(
    overlapping=(
        "Overlapping windows send several gradients to one switch",
        {
            "input": {"shape": [1, 1, 4, 4], "seed": 7},
            "kernel_size": 3,
            "stride": 1,
            "grad_output": {"shape": [1, 1, 2, 2], "kind": "ones"},
        },
    ),
)

AVG_POOL2D = _examples(
    lists=(
        "2x2 averages of a 4x4 plane",
        {"input": [[[1, 3, 2, 1], [4, 2, 0, 1], [1, 1, 5, 6], [0, 2, 7, 3]]], "kernel_size": 2},
    ),
    padded=(
        "Padding that does not count towards the divisor",
        {
            "input": {"shape": [1, 1, 5, 5], "seed": 2},
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "count_include_pad": False,
        },
    ),
)

AVG_POOL2D_BACKWARD = _examples(
    lists=(
        "Each upstream gradient spread over its 2x2 window",
        {"input": {"shape": [1, 4, 4], "kind": "zeros"}, "kernel_size": 2, "grad_output": [[[1, 2], [3, 4]]]},
    ),
)

BATCH_NORM = _examples(
    training=(
        "Training: batch statistics, running statistics updated",
        {"input": {"shape": [2, 2, 2, 2], "seed": 5}, "training": True},
    ),
    evaluation=(
        "Evaluation: the running statistics, a scale and a shift",
        {
            "input": {"shape": [1, 2, 2, 2], "seed": 5},
            "running_mean": [0.5, -1],
            "running_var": [2, 1],
            "weight": [1, 2],
            "bias": [0, 0.5],
        },
    ),
)

BATCH_NORM_BACKWARD = _examples(
    seeded=(
        "Gradients through the batch statistics",
        {
            "input": {"shape": [2, 2, 2, 2], "seed": 5},
            "grad_output": {"shape": [2, 2, 2, 2], "seed": 6},
            "weight": [1, 2],
        },
    ),
)

BATCH_NORM_STEPS = _examples(
    seeded=(
        "Five training steps on seeded batches of digits, from a fresh layer",
        {
            "inputs": [{"shape": [4, 2, 3, 3], "seed": s, "low": 0, "high": 9} for s in range(1, 6)],
            "momentum": 0.1,
        },
    ),
)
