"""ConvScope's engine: PyTorch-exact convolution, pooling and normalisation in plain NumPy.

One folder per operation family (``engine.conv``, ``engine.pool``, ``engine.norm``), each with
one plan built from shapes alone (every rule checked there), a vectorised version for whole
images, a plain loop reference and a step-by-step version that yields one JSON-ready frame per
step. Output-size arithmetic with the working shown is in :mod:`engine.shapes`, the layer
vocabulary in :mod:`engine.layers`. Names, layouts and rules follow ``torch.nn.functional``.
Every public name is importable from here.
"""

from engine.activations import activation_derivative as activation_derivative
from engine.activations import apply_activation as apply_activation
from engine.activations import relu as relu
from engine.activations import relu_derivative as relu_derivative
from engine.activations import sigmoid as sigmoid
from engine.activations import sigmoid_derivative as sigmoid_derivative
from engine.activations import tanh as tanh
from engine.activations import tanh_derivative as tanh_derivative
from engine.architectures import NETWORKS as NETWORKS
from engine.architectures import ArchitectureTable as ArchitectureTable
from engine.architectures import architecture_table as architecture_table
from engine.architectures.inception import bottleneck_comparison as bottleneck_comparison
from engine.architectures.inception import inception_comparison as inception_comparison
from engine.architectures.inception import inception_module as inception_module
from engine.classifier import cross_entropy as cross_entropy
from engine.classifier import cross_entropy_backward as cross_entropy_backward
from engine.classifier import flatten as flatten
from engine.classifier import flatten_backward as flatten_backward
from engine.classifier import flattened_shape as flattened_shape
from engine.classifier import linear as linear
from engine.classifier import linear_backward as linear_backward
from engine.classifier import log_softmax as log_softmax
from engine.classifier import log_softmax_backward as log_softmax_backward
from engine.classifier import softmax as softmax
from engine.classifier import softmax_backward as softmax_backward
from engine.conv import ConvPlan as ConvPlan
from engine.conv import TransposePlan as TransposePlan
from engine.conv import conv2d as conv2d
from engine.conv import conv2d_backward as conv2d_backward
from engine.conv import conv2d_backward_frames as conv2d_backward_frames
from engine.conv import conv2d_frames as conv2d_frames
from engine.conv import conv_plan as conv_plan
from engine.conv import conv_transpose2d as conv_transpose2d
from engine.conv import conv_transpose2d_backward as conv_transpose2d_backward
from engine.conv import conv_transpose2d_frames as conv_transpose2d_frames
from engine.conv import transpose_plan as transpose_plan
from engine.errors import CODES as CODES
from engine.errors import EngineError as EngineError
from engine.frames import Frame as Frame
from engine.frames import replay_avg_pool2d as replay_avg_pool2d
from engine.frames import replay_avg_pool2d_backward as replay_avg_pool2d_backward
from engine.frames import replay_batch_norm as replay_batch_norm
from engine.frames import replay_batch_norm_backward as replay_batch_norm_backward
from engine.frames import replay_conv2d as replay_conv2d
from engine.frames import replay_conv2d_backward as replay_conv2d_backward
from engine.frames import replay_conv_transpose2d as replay_conv_transpose2d
from engine.frames import replay_max_pool2d as replay_max_pool2d
from engine.frames import replay_max_pool2d_backward as replay_max_pool2d_backward
from engine.generate import KINDS as KINDS
from engine.generate import generate as generate
from engine.kernels import KernelBank as KernelBank
from engine.kernels import kernel_bank as kernel_bank
from engine.kernels import named_kernel as named_kernel
from engine.layers import AdaptiveAvgPool2d as AdaptiveAvgPool2d
from engine.layers import AvgPool2d as AvgPool2d
from engine.layers import BatchNorm2d as BatchNorm2d
from engine.layers import Conv2d as Conv2d
from engine.layers import FieldStep as FieldStep
from engine.layers import Flatten as Flatten
from engine.layers import LazyLinear as LazyLinear
from engine.layers import Linear as Linear
from engine.layers import MaxPool2d as MaxPool2d
from engine.layers import ReLU as ReLU
from engine.layers import Sigmoid as Sigmoid
from engine.layers import Tanh as Tanh
from engine.norm import NormPlan as NormPlan
from engine.norm import batch_norm as batch_norm
from engine.norm import batch_norm_backward as batch_norm_backward
from engine.norm import batch_norm_backward_frames as batch_norm_backward_frames
from engine.norm import batch_norm_frames as batch_norm_frames
from engine.norm import batch_norm_training_steps as batch_norm_training_steps
from engine.norm import norm_backward_plan as norm_backward_plan
from engine.norm import norm_plan as norm_plan
from engine.optim import SGD as SGD
from engine.optim import Adam as Adam
from engine.optim import Optimizer as Optimizer
from engine.optim import RMSprop as RMSprop
from engine.plans import frame_count as frame_count
from engine.pool import PoolPlan as PoolPlan
from engine.pool import avg_pool2d as avg_pool2d
from engine.pool import avg_pool2d_backward as avg_pool2d_backward
from engine.pool import avg_pool2d_backward_frames as avg_pool2d_backward_frames
from engine.pool import avg_pool2d_frames as avg_pool2d_frames
from engine.pool import max_pool2d as max_pool2d
from engine.pool import max_pool2d_backward as max_pool2d_backward
from engine.pool import max_pool2d_backward_frames as max_pool2d_backward_frames
from engine.pool import max_pool2d_frames as max_pool2d_frames
from engine.pool import pool_plan as pool_plan
from engine.receptive import Box as Box
from engine.receptive import LayerField as LayerField
from engine.receptive import effective_receptive_field as effective_receptive_field
from engine.receptive import receptive_fields as receptive_fields
from engine.receptive import unit_field as unit_field
from engine.shapes import OutputSize as OutputSize
from engine.shapes import conv2d_output_shape as conv2d_output_shape
from engine.shapes import conv_output_size as conv_output_size
from engine.shapes import conv_transpose_output_size as conv_transpose_output_size
from engine.shapes import pool_output_size as pool_output_size
