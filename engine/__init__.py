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
from engine.architectures import ArchitectureTable, architecture_table
from engine.classifier import (
    cross_entropy,
    cross_entropy_backward,
    flatten,
    flatten_backward,
    flattened_shape,
    linear,
    linear_backward,
    log_softmax,
    log_softmax_backward,
    softmax,
    softmax_backward,
)
from engine.conv import conv2d, conv2d_backward, conv_transpose2d, conv_transpose2d_backward
from engine.norm import batch_norm, batch_norm_backward, batch_norm_training_steps
from engine.optim import SGD, Adam, Optimizer, RMSprop
from engine.pool import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from engine.receptive import effective_receptive_field, receptive_fields, unit_field
from engine.shapes import (
    OutputSize,
    conv2d_output_shape,
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
)

__all__ = [
    "SGD",
    "Adam",
    "ArchitectureTable",
    "Optimizer",
    "OutputSize",
    "RMSprop",
    "activation_derivative",
    "apply_activation",
    "architecture_table",
    "avg_pool2d",
    "avg_pool2d_backward",
    "batch_norm",
    "batch_norm_backward",
    "batch_norm_training_steps",
    "conv2d",
    "conv2d_backward",
    "conv2d_output_shape",
    "conv_output_size",
    "conv_transpose2d",
    "conv_transpose2d_backward",
    "conv_transpose_output_size",
    "cross_entropy",
    "cross_entropy_backward",
    "effective_receptive_field",
    "flatten",
    "flatten_backward",
    "flattened_shape",
    "linear",
    "linear_backward",
    "log_softmax",
    "log_softmax_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "pool_output_size",
    "receptive_fields",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_derivative",
    "unit_field",
]
