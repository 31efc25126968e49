"""Example request bodies of the API, shown in the OpenAPI document and at /docs.

Each example is a working request (the tests post every one and expect 200). Seeded specs show
how a whole scene fits in a few characters; literal lists show the arithmetic in full.
"""

from __future__ import annotations

from typing import Any

from fastapi.openapi.models import Example

from app.schemas import InceptionRequest

Examples = dict[str, Example]


def _examples(**named: tuple[str, dict[str, Any]]) -> Examples:
    return {name: Example(summary=summary, value=value) for name, (summary, value) in named.items()}


# Literal tensors small enough to follow by hand, shared by the forward and backward examples.
CONV_PLANE = [[[1, 2, 0, 1], [0, 1, 3, 1], [2, 2, 1, 0], [1, 0, 0, 2]]]  # (1, 4, 4)
DIAGONAL_KERNEL = [[[[1, 0], [0, -1]]]]  # (1, 1, 2, 2)
POOL_PLANE = [[[1, 3, 2, 1], [4, 2, 0, 1], [1, 1, 5, 6], [0, 2, 7, 3]]]  # (1, 4, 4)
OVERLAPPING_WINDOWS = {"kernel_size": 3, "stride": 2, "padding": 1}


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
        {"input": CONV_PLANE, "weight": DIAGONAL_KERNEL, "bias": [0.5], "stride": 2},
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
        {"input": CONV_PLANE, "weight": DIAGONAL_KERNEL, "grad_output": [[[1, 2], [3, 4]]], "stride": 2},
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
        {"input": POOL_PLANE, "kernel_size": 2},
    ),
    overlapping=(
        "Overlapping 3x3 windows, stride 2, padding 1, ceil_mode",
        {"input": {"shape": [1, 1, 6, 6], "seed": 7}, **OVERLAPPING_WINDOWS, "ceil_mode": True},
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
        {"input": POOL_PLANE, "kernel_size": 2},
    ),
    padded=(
        "Padding that does not count towards the divisor",
        {"input": {"shape": [1, 1, 5, 5], "seed": 2}, **OVERLAPPING_WINDOWS, "count_include_pad": False},
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

RECEPTIVE_FIELD = _examples(
    three_3x3=(
        "Three 3x3 convs then a 2x2 pool on 32x32; where unit (3, 3) of the pool looks",
        {
            "input_size": 32,
            "layers": [
                {"type": "conv", "kernel_size": 3, "padding": 1},
                {"type": "conv", "kernel_size": 3, "padding": 1},
                {"type": "conv", "kernel_size": 3, "padding": 1},
                {"type": "pool", "kernel_size": 2},
            ],
            "unit": {"layer": 3, "y": 3, "x": 3},
            "effective": True,
        },
    ),
    photo=(
        "A 48x64 photo: a 'same' conv, batch norm, a ceil_mode pool; unit (5, 7) of the pool",
        {
            "input_height": 48,
            "input_width": 64,
            "layers": [
                {"type": "conv", "kernel_size": 3, "padding": "same"},
                {"type": "batch_norm"},
                {"type": "pool", "kernel_size": 2, "ceil_mode": True},
            ],
            "unit": {"layer": 2, "y": 5, "x": 7},
        },
    ),
    strided=(
        "Stride and dilation: a 7x7 stride-2 conv, a 3x3 pool, a dilated 3x3 conv",
        {
            "input_size": 64,
            "layers": [
                {"type": "conv", "kernel_size": 7, "stride": 2, "padding": 3},
                {"type": "pool", "kernel_size": 3, "stride": 2, "padding": 1},
                {"type": "conv", "kernel_size": 3, "padding": 2, "dilation": 2},
            ],
        },
    ),
)

INCEPTION = _examples(
    inception_3a=(
        "GoogLeNet's inception (3a) on 28x28x192, with reductions and the pool projection",
        # The request's defaults are inception (3a)'s counts.
        InceptionRequest().model_dump(exclude={"use_reductions", "use_pool_projection", "kernel_5x5"}),
    ),
    naive=(
        "The same module without any 1x1 reduction or projection",
        {"use_reductions": False, "use_pool_projection": False},
    ),
)

BOTTLENECK = _examples(
    resnet_stage1=(
        "ResNet-50's first stage: 256 -> 64 -> 64 -> 256 on 56x56",
        {"height": 56, "width": 56, "channels": 256, "bottleneck": 64},
    ),
)

# The `layers` field of POST /api/feature-maps: a whole stack.
FEATURE_MAP_LAYERS = (
    '[{"type": "conv", "bank": "sobel", "activation": "relu"}, '
    '{"type": "pool", "mode": "max", "kernel_size": 2}, '
    '{"type": "conv", "bank": "random", "count": 4, "seed": 1, "size": 3, "activation": "relu"}, '
    '{"type": "batch_norm"}]'
)
