"""The package root re-exports every public name, so callers import from ``engine`` alone."""

from __future__ import annotations

import engine

PUBLIC = [
    "apply_activation",
    "conv2d",
    "conv2d_backward",
    "conv_transpose2d",
    "conv_transpose2d_backward",
    "conv2d_frames",
    "conv2d_backward_frames",
    "conv_transpose2d_frames",
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "max_pool2d_frames",
    "max_pool2d_backward_frames",
    "avg_pool2d_frames",
    "avg_pool2d_backward_frames",
    "batch_norm",
    "batch_norm_backward",
    "batch_norm_training_steps",
    "batch_norm_frames",
    "batch_norm_backward_frames",
    "frame_count",
    "Frame",
    "conv2d_output_shape",
    "conv_output_size",
    "conv_transpose_output_size",
    "pool_output_size",
    "OutputSize",
    "kernel_bank",
    "KernelBank",
    "NETWORKS",
    "architecture_table",
    "inception_module",
    "inception_comparison",
    "bottleneck_comparison",
    "Box",
    "LayerField",
    "effective_receptive_field",
    "receptive_fields",
    "unit_field",
    "generate",
    "KINDS",
    "EngineError",
    "CODES",
    "replay_conv2d",
    "replay_conv2d_backward",
    "replay_conv_transpose2d",
    "replay_max_pool2d",
    "replay_max_pool2d_backward",
    "replay_avg_pool2d",
    "replay_avg_pool2d_backward",
    "replay_batch_norm",
    "replay_batch_norm_backward",
    "conv_plan",
    "transpose_plan",
    "pool_plan",
    "norm_plan",
    "norm_backward_plan",
    "ConvPlan",
    "TransposePlan",
    "PoolPlan",
    "NormPlan",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "BatchNorm2d",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Flatten",
    "Linear",
    "LazyLinear",
    "FieldStep",
]


def test_every_public_name_is_importable_from_the_root() -> None:
    assert [name for name in PUBLIC if not hasattr(engine, name)] == []


def test_the_frames_package_keeps_the_frame_type_and_replay() -> None:
    from engine import frames

    assert frames.Frame is engine.Frame
    assert frames.replay_conv2d is engine.replay_conv2d
