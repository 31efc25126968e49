"""ResNet-18, ResNet-50 (torchvision v1.5) and SE-ResNet-50 as layer tables."""

from __future__ import annotations

from engine.architectures.networks import Network
from engine.architectures.table import Entry, Named, Residual, SqueezeExcitation
from engine.layers import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d

STAGE_WIDTHS = (64, 128, 256, 512)


def _conv_bn(
    name: str, in_c: int, out: int, kernel: int, stride: int = 1, relu: bool = True
) -> tuple[Named, Named]:
    return (
        Named(f"conv{name}", Conv2d(in_c, out, kernel, stride, kernel // 2, bias=False)),
        Named(f"bn{name}", BatchNorm2d(out), "relu" if relu else None),
    )


def _shortcut(in_c: int, out: int, stride: int) -> tuple[Entry, ...]:
    """A 1x1 projection with batch norm where the shape changes, else the identity."""
    if stride == 1 and in_c == out:
        return ()
    return (Named("conv", Conv2d(in_c, out, 1, stride, bias=False)), Named("bn", BatchNorm2d(out)))


def _basic_block(name: str, in_c: int, width: int, stride: int) -> Residual:
    main = (*_conv_bn("1", in_c, width, 3, stride), *_conv_bn("2", width, width, 3, relu=False))
    return Residual(name, main, _shortcut(in_c, width, stride))


def _bottleneck(name: str, in_c: int, width: int, stride: int, se: bool) -> Residual:
    out = 4 * width
    main: tuple[Entry, ...] = (
        *_conv_bn("1", in_c, width, 1),
        *_conv_bn("2", width, width, 3, stride),  # v1.5: the stride sits on the 3x3, not on the first 1x1
        *_conv_bn("3", width, out, 1, relu=False),
    )
    if se:
        main += (SqueezeExcitation("se", 16),)
    return Residual(name, main, _shortcut(in_c, out, stride))


def _resnet(blocks: tuple[int, ...], bottleneck: bool, se: bool = False) -> tuple[Entry, ...]:
    layers: list[Entry] = [
        Named("conv1", Conv2d(3, 64, 7, 2, 3, bias=False)),
        Named("bn1", BatchNorm2d(64), "relu"),
        Named("maxpool", MaxPool2d(3, 2, 1)),
    ]
    in_c = 64
    for stage, (width, count) in enumerate(zip(STAGE_WIDTHS, blocks, strict=True), start=1):
        for index in range(count):
            stride = 2 if stage > 1 and index == 0 else 1
            name = f"layer{stage}.{index}"
            if bottleneck:
                layers.append(_bottleneck(name, in_c, width, stride, se))
                in_c = 4 * width
            else:
                layers.append(_basic_block(name, in_c, width, stride))
                in_c = width
    layers += [Named("avgpool", AdaptiveAvgPool2d(1)), Named("fc", Linear(in_c, 1000))]
    return tuple(layers)


RESNET18 = Network(
    "resnet18",
    "ResNet-18",
    "torchvision's ResNet-18: a 7x7 stem and max pool, four stages of two basic blocks (two 3x3 "
    "convolutions each) with 64, 128, 256, 512 channels, a 1x1 projection shortcut where the shape "
    "changes, global average pooling and one fully connected layer. 11,689,512 parameters.",
    3,
    224,
    _resnet((2, 2, 2, 2), bottleneck=False),
)

RESNET50 = Network(
    "resnet50",
    "ResNet-50",
    "torchvision's ResNet-50 (v1.5): bottleneck blocks 1x1 reduce, 3x3, 1x1 expand (x4) in stages "
    "of 3, 4, 6, 3, with the downsampling stride on the 3x3 convolution (the original paper puts "
    "it on the first 1x1). 25,557,032 parameters; the field at layer4 is 427 pixels.",
    3,
    224,
    _resnet((3, 4, 6, 3), bottleneck=True),
)

SE_RESNET50 = Network(
    "se_resnet50",
    "SE-ResNet-50",
    "ResNet-50 (v1.5, as torchvision) with a squeeze-and-excitation block (Hu et al.) in every "
    "bottleneck, after the last batch norm and before the addition: global average pooling, fully "
    "connected C -> C/16 with bias and ReLU, C/16 -> C with bias and sigmoid, channel scaling. "
    "Through the squeeze each output sees the whole map, so the theoretical field spans the "
    "block's whole input from the first block on.",
    3,
    224,
    _resnet((3, 4, 6, 3), bottleneck=True, se=True),
)
