"""ConvScope's engine: PyTorch-exact convolution, pooling and normalisation in plain NumPy.

Every operation has a vectorised version for whole images (here), a step-by-step version that
yields one JSON-ready frame per step (:mod:`engine.frames`), and output-size arithmetic with the
working shown (:mod:`engine.shapes`). Names, layouts and rules follow ``torch.nn.functional``.
"""

from engine.activations import (
    activation_derivative,
    apply_activation,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh,
    tanh_derivative,
)
from engine.architectures import NETWORKS, ArchitectureTable, architecture_table
from engine.architectures.inception import bottleneck_comparison, inception_comparison, inception_module
from engine.conv import conv2d, conv2d_backward, conv_transpose2d, conv_transpose2d_backward
from engine.errors import EngineError
from engine.frames import (
    Frame,
    avg_pool2d_backward_frames,
    avg_pool2d_frames,
    batch_norm_backward_frames,
    batch_norm_frames,
    conv2d_backward_frames,
    conv2d_frames,
    conv_transpose2d_frames,
    frame_count,
    max_pool2d_backward_frames,
    max_pool2d_frames,
    replay_avg_pool2d,
    replay_avg_pool2d_backward,
    replay_batch_norm,
    replay_batch_norm_backward,
    replay_conv2d,
    replay_conv2d_backward,
    replay_conv_transpose2d,
    replay_max_pool2d,
    replay_max_pool2d_backward,
)
from engine.generate import KINDS, generate
from engine.kernels import KernelBank, kernel_bank
from engine.norm import batch_norm, batch_norm_backward, batch_norm_training_steps
from engine.pool import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from engine.receptive import Box, LayerField, effective_receptive_field, receptive_fields, unit_field
from engine.shapes import (
    OutputSize,
    conv2d_output_shape,
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
)

__all__ = [
    "KINDS",
    "NETWORKS",
    "ArchitectureTable",
    "Box",
    "EngineError",
    "Frame",
    "KernelBank",
    "LayerField",
    "OutputSize",
    "activation_derivative",
    "apply_activation",
    "architecture_table",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_backward_frames",
    "avg_pool2d_frames",
    "batch_norm",
    "batch_norm_backward",
    "batch_norm_backward_frames",
    "batch_norm_frames",
    "batch_norm_training_steps",
    "bottleneck_comparison",
    "conv2d",
    "conv2d_backward",
    "conv2d_backward_frames",
    "conv2d_frames",
    "conv2d_output_shape",
    "conv_output_size",
    "conv_transpose2d",
    "conv_transpose2d_backward",
    "conv_transpose2d_frames",
    "conv_transpose_output_size",
    "effective_receptive_field",
    "frame_count",
    "generate",
    "inception_comparison",
    "inception_module",
    "kernel_bank",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_backward_frames",
    "max_pool2d_frames",
    "pool_output_size",
    "receptive_fields",
    "relu",
    "relu_derivative",
    "replay_avg_pool2d",
    "replay_avg_pool2d_backward",
    "replay_batch_norm",
    "replay_batch_norm_backward",
    "replay_conv2d",
    "replay_conv2d_backward",
    "replay_conv_transpose2d",
    "replay_max_pool2d",
    "replay_max_pool2d_backward",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "unit_field",
]
