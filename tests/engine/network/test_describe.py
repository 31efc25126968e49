"""describe(), the PyTorch code and the files: they rebuild the same network in torch and in the engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from engine.network import Sequential, layers_from_description, load_network, save_weights, tinyvgg
from tests.engine.network.torch_twin import torch_module


def test_each_row_names_torchs_module_shape_and_count() -> None:
    net = Sequential(tinyvgg())
    rows = net.describe((1, 28, 28))
    assert [row["name"] for row in rows] == [str(i) for i in range(12)]
    assert [row["module"] for row in rows] == [
        "Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d",
        "Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d",
        "Flatten", "Linear",
    ]  # fmt: skip
    assert [row["output_shape"] for row in rows] == [
        [16, 28, 28], [16, 28, 28], [16, 28, 28], [16, 28, 28], [16, 14, 14],
        [32, 14, 14], [32, 14, 14], [32, 14, 14], [32, 14, 14], [32, 7, 7],
        [1568], [10],
    ]  # fmt: skip
    assert rows[0]["kwargs"] == {
        "in_channels": 1, "out_channels": 16, "kernel_size": 3, "stride": 1, "padding": 1,
        "dilation": 1, "groups": 1, "bias": True, "padding_mode": "zeros",
    }  # fmt: skip
    value = torch.zeros(1, 1, 28, 28)
    for row, layer in zip(rows, net.layers, strict=True):
        module = getattr(torch.nn, row["module"])(**row["kwargs"])
        assert repr(module) == repr(torch_module(layer, torch.float32))
        value = module(value)
        assert list(value.shape[1:]) == row["output_shape"]
        assert row["parameters"] == sum(p.numel() for p in module.parameters())
    assert sum(row["parameters"] for row in rows) == net.parameter_count == 32058


def test_the_description_survives_json_and_rebuilds_the_layers() -> None:
    layers = tinyvgg((4, 6))
    rows = json.loads(json.dumps(Sequential(layers).describe()))
    assert layers_from_description(rows) == layers


def test_the_torch_code_rebuilds_the_same_network(tmp_path: Path) -> None:
    net = Sequential(tinyvgg(), seed=2).eval()
    save_weights(net, tmp_path / "tiny.npz")
    code = net.to_torch_code(str(tmp_path / "tiny.npz"))
    assert len(code.splitlines()) == 3
    scope: dict[str, object] = {}
    exec(code, scope)
    model = scope["model"]
    assert isinstance(model, torch.nn.Sequential)
    x = np.random.default_rng(0).uniform(0, 1, (4, 1, 28, 28)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net(x), expected, rtol=1e-4, atol=1e-5)


def test_a_saved_network_loads_in_evaluation_mode(tmp_path: Path) -> None:
    net = Sequential(tinyvgg(), seed=3, dtype=np.float64)
    save_weights(net, tmp_path / "digits.npz")
    meta = {"architecture": net.describe(), "classes": list("0123456789")}
    (tmp_path / "digits.json").write_text(json.dumps(meta))
    loaded, document = load_network(tmp_path, "digits")
    assert document == meta
    assert not loaded.training
    for key, value in net.state_dict().items():
        assert loaded.state_dict()[key].dtype == np.float32
        np.testing.assert_array_equal(loaded.state_dict()[key], value.astype(np.float32))
