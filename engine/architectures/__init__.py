"""Layer tables of classic CNNs: per layer the output shape, parameters, MACs, receptive field and jump.

>>> table = architecture_table("vgg16")
>>> table.total_params, table.row("pool5").receptive_field
(138357544, 212)
"""

from __future__ import annotations

from dataclasses import dataclass

from engine._checks import integer
from engine.architectures.networks import ALEXNET, GOOGLENET, LENET5, VGG16, Network
from engine.architectures.resnet import RESNET18, RESNET50, SE_RESNET50
from engine.architectures.table import Row, walk_sequence

NETWORKS: dict[str, Network] = {
    net.name: net for net in (LENET5, ALEXNET, VGG16, GOOGLENET, RESNET18, RESNET50, SE_RESNET50)
}


@dataclass(frozen=True)
class ArchitectureTable:
    """A network walked from an input of ``input_size`` x ``input_size``; ``rows[0]`` is the input."""

    network: Network
    input_size: int
    rows: tuple[Row, ...]

    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def total_macs(self) -> int:
        return sum(row.macs for row in self.rows)

    def row(self, name: str) -> Row:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.network.name,
            "title": self.network.title,
            "description": self.network.description,
            "input_size": self.input_size,
            "layers": [row.to_dict() for row in self.rows],
            "total_params": self.total_params,
            "total_macs": self.total_macs,
        }


def architecture_table(name: str, input_size: int | None = None) -> ArchitectureTable:
    """Walk network ``name`` from a square input (default: 224, or 32 for LeNet-5).

    Raises KeyError for an unknown name and ValueError when a layer no longer fits the input
    ("at layer conv5: kernel 3 is larger than the padded input 1").
    """
    network = NETWORKS[name]
    size = network.default_input_size if input_size is None else input_size
    size = integer(size, "input_size", 1)
    shape = (network.in_channels, size, size)
    start = Row("input", "input", None, shape, 0, 0, 1, 1)
    _, rows = walk_sequence(network.layers, start)
    return ArchitectureTable(network, size, (start, *rows))


__all__ = ["NETWORKS", "ArchitectureTable", "Network", "Row", "architecture_table"]
