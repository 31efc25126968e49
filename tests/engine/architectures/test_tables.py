"""Architecture tables: torchvision's published totals, and every layer against the same network
built from torch.nn modules (output shapes by forward hooks, parameters, multiply-accumulates)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from engine.architectures import NETWORKS, architecture_table

# torchvision's documented figures (parameters; GFLOPS there are these multiply-accumulates).
PUBLISHED = {
    "alexnet": (61_100_840, 714_188_480),
    "vgg16": (138_357_544, 15_470_264_320),
    "googlenet": (6_624_904, 1_498_376_192),
    "resnet18": (11_689_512, 1_814_073_344),
    "resnet50": (25_557_032, 4_089_184_256),
}


@pytest.mark.parametrize(("name", "figures"), PUBLISHED.items())
def test_totals_equal_torchvision(name: str, figures: tuple[int, int]) -> None:
    table = architecture_table(name)
    assert (table.total_params, table.total_macs) == figures


def test_lenet5_classic_count() -> None:
    table = architecture_table("lenet5")
    assert table.input_size == 32
    assert table.total_params == 61_706
    assert [row.output_shape for row in table.rows[1:5]] == [
        (6, 28, 28),
        (6, 14, 14),
        (16, 10, 10),
        (16, 5, 5),
    ]


def test_se_resnet50_adds_the_squeeze_excitation_weights() -> None:
    table = architecture_table("se_resnet50")
    assert table.total_params == 28_088_024
    # Each bottleneck of width C = 4w adds 2 C^2/16 weights and C/16 + C biases.
    extra = sum(
        2 * c * c // 16 + c // 16 + c for c, n in ((256, 3), (512, 4), (1024, 6), (2048, 3)) for _ in range(n)
    )
    assert table.total_params - architecture_table("resnet50").total_params == extra


def test_receptive_fields() -> None:
    assert architecture_table("vgg16").row("pool5").receptive_field == 212
    alexnet = architecture_table("alexnet")
    assert alexnet.row("pool5").receptive_field == 195
    assert alexnet.row("conv5").receptive_field == 163
    assert (alexnet.row("pool5").jump, architecture_table("vgg16").row("pool5").jump) == (32, 32)
    resnet = architecture_table("resnet50")
    assert resnet.row("layer4.2").receptive_field == 427
    assert resnet.row("layer4.2").jump == 32
    assert architecture_table("resnet18").row("layer4.1").receptive_field == 435


def test_branch_fields_take_the_largest_path() -> None:
    table = architecture_table("resnet50")
    # The projection shortcut (1x1) sees less than the main path; the block keeps the main path's field.
    assert table.row("layer2.0.downsample.conv").receptive_field == table.row("layer1.2").receptive_field
    assert table.row("layer2.0").receptive_field == table.row("layer2.0.conv3").receptive_field == 43


def test_vgg16_fc6_as_a_7x7_convolution() -> None:
    fc6 = architecture_table("vgg16").row("fc6")
    assert fc6.config["in_features"] == 7 * 7 * 512
    assert fc6.params - 4096 == 7 * 7 * 512 * 4096 == 102_760_448
    conv = nn.Conv2d(512, 4096, 7, device="meta")
    assert conv.weight.numel() == 102_760_448


def test_too_small_input_names_the_layer() -> None:
    with pytest.raises(ValueError, match="at layer pool5: kernel 2 is larger than the padded input 1"):
        architecture_table("vgg16", 16)
    with pytest.raises(ValueError, match="input_size 0 must be at least 1"):
        architecture_table("resnet18", 0)
    with pytest.raises(KeyError):
        architecture_table("resnet101")


def test_every_network_has_a_description() -> None:
    for network in NETWORKS.values():
        assert len(network.description) > 80
    assert "3x3" in NETWORKS["googlenet"].description
    assert "auxiliary" in NETWORKS["googlenet"].description


# The same networks from torch.nn modules ------------------------------------------------------


def alexnet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d(6), nn.Flatten(),
        nn.Linear(9216, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000),
    )  # fmt: skip


def vgg16() -> nn.Module:
    layers: list[nn.Module] = []
    c = 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            assert isinstance(v, int)
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    return nn.Sequential(
        *layers, nn.AdaptiveAvgPool2d(7), nn.Flatten(),
        nn.Linear(25088, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000),
    )  # fmt: skip


def lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
    )  # fmt: skip


def basic_conv(i: int, o: int, k: int, s: int = 1, p: int = 0) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(i, o, k, s, p, bias=False), nn.BatchNorm2d(o, eps=0.001), nn.ReLU())


class InceptionModule(nn.Module):
    def __init__(self, i: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pp: int) -> None:
        super().__init__()
        self.branches = nn.ModuleList([
            basic_conv(i, c1, 1),
            nn.Sequential(basic_conv(i, c3r, 1), basic_conv(c3r, c3, 3, p=1)),
            nn.Sequential(basic_conv(i, c5r, 1), basic_conv(c5r, c5, 3, p=1)),
            nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), basic_conv(i, pp, 1)),
        ])  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], 1)


def googlenet() -> nn.Module:
    pool = nn.MaxPool2d
    return nn.Sequential(
        basic_conv(3, 64, 7, 2, 3), pool(3, 2, ceil_mode=True),
        basic_conv(64, 64, 1), basic_conv(64, 192, 3, p=1), pool(3, 2, ceil_mode=True),
        InceptionModule(192, 64, 96, 128, 16, 32, 32), InceptionModule(256, 128, 128, 192, 32, 96, 64),
        pool(3, 2, ceil_mode=True),
        InceptionModule(480, 192, 96, 208, 16, 48, 64), InceptionModule(512, 160, 112, 224, 24, 64, 64),
        InceptionModule(512, 128, 128, 256, 24, 64, 64), InceptionModule(512, 112, 144, 288, 32, 64, 64),
        InceptionModule(528, 256, 160, 320, 32, 128, 128), pool(2, 2, ceil_mode=True),
        InceptionModule(832, 256, 160, 320, 32, 128, 128), InceptionModule(832, 384, 192, 384, 48, 128, 128),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1024, 1000),
    )  # fmt: skip


class SE(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.pool, self.fc1, self.fc2 = nn.AdaptiveAvgPool2d(1), nn.Linear(c, c // 16), nn.Linear(c // 16, c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x).flatten(1)))))
        return x * w[:, :, None, None]


class Block(nn.Module):
    """Basic (two 3x3) or bottleneck (1x1, 3x3 with the stride, 1x1 x4) block, optionally with SE."""

    def __init__(self, i: int, w: int, s: int, bottleneck: bool, se: bool) -> None:
        super().__init__()
        o = 4 * w if bottleneck else w
        if bottleneck:
            convs = [
                nn.Conv2d(i, w, 1, bias=False),
                nn.Conv2d(w, w, 3, s, 1, bias=False),
                nn.Conv2d(w, o, 1, bias=False),
            ]
        else:
            convs = [nn.Conv2d(i, w, 3, s, 1, bias=False), nn.Conv2d(w, w, 3, 1, 1, bias=False)]
        layers: list[nn.Module] = []
        for conv in convs:
            layers += [conv, nn.BatchNorm2d(conv.out_channels), nn.ReLU()]
        self.main = nn.Sequential(*layers[:-1], *([SE(o)] if se else []))
        needed = s != 1 or i != o
        self.down = (
            nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o)) if needed else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.main(x)
        return torch.relu(out + self.down(x))


def resnet(blocks: tuple[int, ...], bottleneck: bool, se: bool = False) -> nn.Module:
    layers: list[nn.Module] = [
        nn.Conv2d(3, 64, 7, 2, 3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, 1),
    ]
    i = 64
    for stage, (w, n) in enumerate(zip((64, 128, 256, 512), blocks, strict=True)):
        for k in range(n):
            layers.append(Block(i, w, 2 if stage and not k else 1, bottleneck, se))
            i = 4 * w if bottleneck else w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(i, 1000))


TORCH_MODELS: dict[str, Callable[[], nn.Module]] = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg16": vgg16,
    "googlenet": googlenet,
    "resnet18": lambda: resnet((2, 2, 2, 2), bottleneck=False),
    "resnet50": lambda: resnet((3, 4, 6, 3), bottleneck=True),
    "se_resnet50": lambda: resnet((3, 4, 6, 3), bottleneck=True, se=True),
}

HOOKED = (nn.Conv2d, nn.Linear, nn.BatchNorm2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)
ROW_TYPES = {"conv", "linear", "batch_norm", "max_pool", "avg_pool", "adaptive_avg_pool", "global_avg_pool"}
Record = tuple[str, tuple[int, ...], int, int]


def torch_records(model: nn.Module, channels: int, size: int) -> list[Record]:
    """(kind, output shape without the batch axis, parameters, MACs) of each hooked module, in the
    order the forward pass runs them. On the meta device: shapes without arithmetic."""
    records: list[Record] = []

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        params = sum(p.numel() for p in module.parameters(recurse=False))
        positions = output.numel() // output.shape[1]
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            macs = output.numel() * module.in_channels // module.groups * kh * kw
        elif isinstance(module, nn.Linear):
            macs = positions * module.in_features * module.out_features
        else:
            macs = 0
        kind = {nn.Conv2d: "conv", nn.Linear: "linear", nn.BatchNorm2d: "batch_norm"}.get(
            type(module), "pool"
        )
        records.append((kind, tuple(output.shape[1:]), params, macs))

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, HOOKED)]
    try:
        with torch.no_grad():
            model(torch.empty(1, channels, size, size, device="meta"))
    finally:
        for handle in handles:
            handle.remove()
    return records


@pytest.fixture(scope="module")
def meta_models() -> dict[str, nn.Module]:
    with torch.device("meta"):
        return {name: build() for name, build in TORCH_MODELS.items()}


CASES = [(name, None) for name in TORCH_MODELS] + [
    ("alexnet", 227), ("vgg16", 100), ("googlenet", 150), ("googlenet", 97),
    ("resnet18", 193), ("resnet50", 161), ("se_resnet50", 64),
]  # fmt: skip


@pytest.mark.parametrize(("name", "size"), CASES)
def test_every_layer_matches_torch(meta_models: dict[str, nn.Module], name: str, size: int | None) -> None:
    table = architecture_table(name, size)
    rows = [row for row in table.rows if row.type in ROW_TYPES]
    ours = [
        ("pool" if "pool" in row.type else row.type, row.output_shape, row.params, row.macs) for row in rows
    ]
    model = meta_models[name]
    assert ours == torch_records(model, NETWORKS[name].in_channels, table.input_size)
    assert table.total_params == sum(p.numel() for p in model.parameters())


def test_torch_refuses_where_the_table_does() -> None:
    with pytest.raises(RuntimeError):
        torch_records(alexnet().to("meta"), 3, 40)
    with pytest.raises(ValueError, match="at layer pool5"):
        architecture_table("alexnet", 40)


def field_by_intervals(model: nn.Module, skip: tuple[str, ...] = (".down", ".se")) -> list[int]:
    """The field of one unit after each conv/pool of the main path, found the long way: carry the
    index interval [lo, hi] that a unit reads back through every earlier layer to the input."""
    windows: list[tuple[int, int, int]] = []
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d) and not any(s in name for s in skip):
            k, s, p = (
                v if isinstance(v, int) else v[0] for v in (module.kernel_size, module.stride, module.padding)
            )
            windows.append((k, s, p))
    fields = []
    for end in range(1, len(windows) + 1):
        lo, hi = 0, 0
        for k, s, p in reversed(windows[:end]):
            lo, hi = lo * s - p, hi * s - p + k - 1
        fields.append(hi - lo + 1)
    return fields


FIELDS = [
    ("vgg16", "pool5", 212),
    ("alexnet", "pool5", 195),
    ("resnet50", "layer4.2", 427),
    ("resnet18", "layer4.1", 435),
]


@pytest.mark.parametrize(("name", "layer", "field"), FIELDS)
def test_receptive_field_by_intervals(
    meta_models: dict[str, nn.Module], name: str, layer: str, field: int
) -> None:
    assert field_by_intervals(meta_models[name])[-1] == field
    assert architecture_table(name).row(layer).receptive_field == field
    table_fields = [
        row.receptive_field for row in architecture_table(name).rows if row.type in ("conv", "max_pool")
    ]
    if name in ("vgg16", "alexnet"):
        assert table_fields == field_by_intervals(meta_models[name])


def test_inception_3a_in_torchvisions_variant() -> None:
    # CURRICULUM section 7 counts 163,328 weights with a 5x5 branch (5x5x16x32 = 12,800); torchvision's
    # "5x5" branch is 3x3 (3x3x16x32 = 4,608), so its module has 8,192 fewer.
    table = architecture_table("googlenet")
    rows = [row for row in table.rows if row.block == "inception3a" and row.type == "conv"]
    assert sum(row.params for row in rows) == 163_328 - 12_800 + 4_608 == 155_136
    assert table.row("inception3a").output_shape == (256, 28, 28)
