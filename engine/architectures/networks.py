"""The classic networks as layer tables: LeNet-5, AlexNet, VGG-16, GoogLeNet, ResNet-18/50, SE-ResNet-50.

The torchvision variants reproduce torchvision's module definitions (``torchvision.models``), so
their parameter totals equal torchvision's published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.architectures.table import Entry, Inception, Named
from engine.layers import AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, LazyLinear, Linear, MaxPool2d


@dataclass(frozen=True)
class Network:
    name: str
    title: str
    description: str
    in_channels: int
    default_input_size: int
    layers: tuple[Entry, ...]


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
        Named("conv1", Conv2d(1, 6, 5), "tanh"),
        Named("pool1", AvgPool2d(2)),
        Named("conv2", Conv2d(6, 16, 5), "tanh"),
        Named("pool2", AvgPool2d(2)),
        # 16 * 5 * 5 features at 32x32; the table also walks other input sizes.
        Named("fc3", LazyLinear(120), "tanh"),
        Named("fc4", Linear(120, 84), "tanh"),
        Named("fc5", Linear(84, 10)),
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
        Named("conv1", Conv2d(3, 64, 11, stride=4, padding=2), "relu"),
        Named("pool1", MaxPool2d(3, 2)),
        Named("conv2", Conv2d(64, 192, 5, padding=2), "relu"),
        Named("pool2", MaxPool2d(3, 2)),
        Named("conv3", Conv2d(192, 384, 3, padding=1), "relu"),
        Named("conv4", Conv2d(384, 256, 3, padding=1), "relu"),
        Named("conv5", Conv2d(256, 256, 3, padding=1), "relu"),
        Named("pool5", MaxPool2d(3, 2)),
        Named("avgpool", AdaptiveAvgPool2d(6)),
        Named("fc6", Linear(256 * 6 * 6, 4096), "relu"),
        Named("fc7", Linear(4096, 4096), "relu"),
        Named("fc8", Linear(4096, 1000)),
    ),
)


def _vgg16_features() -> tuple[Entry, ...]:
    layers: list[Entry] = []
    in_channels = 3
    for stage, (channels, count) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)), start=1):
        for i in range(1, count + 1):
            layers.append(Named(f"conv{stage}_{i}", Conv2d(in_channels, channels, 3, padding=1), "relu"))
            in_channels = channels
        layers.append(Named(f"pool{stage}", MaxPool2d(2, 2)))
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
        Named("avgpool", AdaptiveAvgPool2d(7)),
        Named("fc6", Linear(512 * 7 * 7, 4096), "relu"),
        Named("fc7", Linear(4096, 4096), "relu"),
        Named("fc8", Linear(4096, 1000)),
    ),
)


def _basic(
    name: str, in_channels: int, out_channels: int, kernel: int, stride: int = 1, padding: int = 0
) -> tuple[Named, Named]:
    """torchvision's BasicConv2d: a convolution without bias, batch norm (eps 0.001), ReLU."""
    return (
        Named(f"{name}.conv", Conv2d(in_channels, out_channels, kernel, stride, padding, bias=False)),
        Named(f"{name}.bn", BatchNorm2d(out_channels, eps=0.001), "relu"),
    )


def _inception(name: str, c: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pool_proj: int) -> Inception:
    """torchvision's Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)."""
    return Inception(
        name,
        (
            _basic("1x1", c, c1, 1),
            (*_basic("3x3_reduce", c, c3r, 1), *_basic("3x3", c3r, c3, 3, padding=1)),
            # torchvision's "5x5" branch uses a 3x3 kernel (a known deviation kept for its weights).
            (*_basic("5x5_reduce", c, c5r, 1), *_basic("5x5", c5r, c5, 3, padding=1)),
            (Named("pool", MaxPool2d(3, 1, 1, ceil_mode=True)), *_basic("pool_proj", c, pool_proj, 1)),
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
        *_basic("conv1", 3, 64, 7, 2, 3),
        Named("maxpool1", MaxPool2d(3, 2, ceil_mode=True)),
        *_basic("conv2", 64, 64, 1),
        *_basic("conv3", 64, 192, 3, padding=1),
        Named("maxpool2", MaxPool2d(3, 2, ceil_mode=True)),
        _inception("inception3a", 192, 64, 96, 128, 16, 32, 32),
        _inception("inception3b", 256, 128, 128, 192, 32, 96, 64),
        Named("maxpool3", MaxPool2d(3, 2, ceil_mode=True)),
        _inception("inception4a", 480, 192, 96, 208, 16, 48, 64),
        _inception("inception4b", 512, 160, 112, 224, 24, 64, 64),
        _inception("inception4c", 512, 128, 128, 256, 24, 64, 64),
        _inception("inception4d", 512, 112, 144, 288, 32, 64, 64),
        _inception("inception4e", 528, 256, 160, 320, 32, 128, 128),
        Named("maxpool4", MaxPool2d(2, 2, ceil_mode=True)),
        _inception("inception5a", 832, 256, 160, 320, 32, 128, 128),
        _inception("inception5b", 832, 384, 192, 384, 48, 128, 128),
        Named("avgpool", AdaptiveAvgPool2d(1)),
        Named("fc", Linear(1024, 1000)),
    ),
)
