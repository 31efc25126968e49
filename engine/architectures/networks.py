"""The classic networks as layer tables: LeNet-5, AlexNet, VGG-16, GoogLeNet, ResNet-18/50, SE-ResNet-50.

The torchvision variants reproduce torchvision's module definitions (``torchvision.models``), so
their parameter totals equal torchvision's published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.architectures.layers import (
    AdaptiveAvgPool,
    BatchNorm,
    Conv,
    Inception,
    Layer,
    Linear,
    Pool,
)


@dataclass(frozen=True)
class Network:
    name: str
    title: str
    description: str
    in_channels: int
    default_input_size: int
    layers: tuple[Layer, ...]


LENET5 = Network(
    "lenet5",
    "LeNet-5",
    "LeCun et al. (1998) on a 32x32 grey image: conv 5x5 -> 6, pool 2, conv 5x5 -> 16, pool 2, "
    "fully connected 120, 84, 10, with tanh. Variant: every C3 map reads all 6 S2 maps (the paper "
    "connects each to a subset), the subsampling layers are plain 2x2 average pools without the "
    "paper's trainable coefficient and bias, and the output is a linear layer instead of RBF units: "
    "61,706 parameters.",
    1,
    32,
    (
        Conv("conv1", 6, 5, activation="tanh"),
        Pool("pool1", 2, mode="avg"),
        Conv("conv2", 16, 5, activation="tanh"),
        Pool("pool2", 2, mode="avg"),
        Linear("fc3", 120, activation="tanh"),
        Linear("fc4", 84, activation="tanh"),
        Linear("fc5", 10, activation=None),
    ),
)

ALEXNET = Network(
    "alexnet",
    "AlexNet",
    "torchvision's AlexNet (the single-GPU 'one weird trick' variant: 64, 192, 384, 256, 256 "
    "filters, no grouped convolutions, no local response normalisation), then an adaptive average "
    "pool to 6x6 and three fully connected layers with dropout before the first two. "
    "61,100,840 parameters at 224x224.",
    3,
    224,
    (
        Conv("conv1", 64, 11, stride=4, padding=2),
        Pool("pool1", 3, 2),
        Conv("conv2", 192, 5, padding=2),
        Pool("pool2", 3, 2),
        Conv("conv3", 384, 3, padding=1),
        Conv("conv4", 256, 3, padding=1),
        Conv("conv5", 256, 3, padding=1),
        Pool("pool5", 3, 2),
        AdaptiveAvgPool("avgpool", 6),
        Linear("fc6", 4096),
        Linear("fc7", 4096),
        Linear("fc8", 1000, activation=None),
    ),
)


def _vgg16_features() -> tuple[Layer, ...]:
    layers: list[Layer] = []
    for stage, (channels, count) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), start=1):
        layers += [Conv(f"conv{stage}_{i}", channels, 3, padding=1) for i in range(1, count + 1)]
        layers.append(Pool(f"pool{stage}", 2, 2))
    return tuple(layers)


VGG16 = Network(
    "vgg16",
    "VGG-16",
    "torchvision's VGG-16 (configuration D of Simonyan and Zisserman, no batch norm): 13 3x3 "
    "convolutions with padding 1 in five stages, each closed by a 2x2 max pool, an adaptive average "
    "pool to 7x7, and fully connected layers 4096, 4096, 1000. fc6 equals a 7x7 convolution "
    "512 -> 4096 (102,760,448 weights). 138,357,544 parameters at 224x224.",
    3,
    224,
    (
        *_vgg16_features(),
        AdaptiveAvgPool("avgpool", 7),
        Linear("fc6", 4096),
        Linear("fc7", 4096),
        Linear("fc8", 1000, activation=None),
    ),
)


def _basic(
    name: str, out_channels: int, kernel: int, stride: int = 1, padding: int = 0
) -> tuple[Layer, Layer]:
    """torchvision's BasicConv2d: a convolution without bias, batch norm (eps 0.001), ReLU."""
    return (
        Conv(f"{name}.conv", out_channels, kernel, stride, padding, bias=False, activation=None),
        BatchNorm(f"{name}.bn", eps=0.001, activation="relu"),
    )


def _inception(name: str, c1: int, c3r: int, c3: int, c5r: int, c5: int, pool_proj: int) -> Inception:
    return Inception(
        name,
        (
            _basic("1x1", c1, 1),
            (*_basic("3x3_reduce", c3r, 1), *_basic("3x3", c3, 3, padding=1)),
            # torchvision's "5x5" branch uses a 3x3 kernel (a known deviation kept for its weights).
            (*_basic("5x5_reduce", c5r, 1), *_basic("5x5", c5, 3, padding=1)),
            (Pool("pool", 3, 1, 1, ceil_mode=True), *_basic("pool_proj", pool_proj, 1)),
        ),
    )


GOOGLENET = Network(
    "googlenet",
    "GoogLeNet",
    "torchvision's GoogLeNet (Inception v1) without the auxiliary classifiers: every convolution "
    "is bias-free and followed by batch norm (the paper has neither), max pools round up "
    "(ceil_mode), and, as in torchvision, the '5x5' branch of each inception module uses a 3x3 "
    "kernel. Global average pooling replaces the fully connected stack. 6,624,904 parameters.",
    3,
    224,
    (
        *_basic("conv1", 64, 7, 2, 3),
        Pool("maxpool1", 3, 2, ceil_mode=True),
        *_basic("conv2", 64, 1),
        *_basic("conv3", 192, 3, padding=1),
        Pool("maxpool2", 3, 2, ceil_mode=True),
        _inception("inception3a", 64, 96, 128, 16, 32, 32),
        _inception("inception3b", 128, 128, 192, 32, 96, 64),
        Pool("maxpool3", 3, 2, ceil_mode=True),
        _inception("inception4a", 192, 96, 208, 16, 48, 64),
        _inception("inception4b", 160, 112, 224, 24, 64, 64),
        _inception("inception4c", 128, 128, 256, 24, 64, 64),
        _inception("inception4d", 112, 144, 288, 32, 64, 64),
        _inception("inception4e", 256, 160, 320, 32, 128, 128),
        Pool("maxpool4", 2, 2, ceil_mode=True),
        _inception("inception5a", 256, 160, 320, 32, 128, 128),
        _inception("inception5b", 384, 192, 384, 48, 128, 128),
        AdaptiveAvgPool("avgpool", 1),
        Linear("fc", 1000, activation=None),
    ),
)
