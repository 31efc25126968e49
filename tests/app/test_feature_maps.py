"""POST /api/feature-maps: the contract, every image kind through the endpoint, layer-stack errors,
and the numbers against torch.nn.functional on the same decoded array."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient
from PIL import Image

from app.images import decode_image
from app.main import create_app
from app.settings import Settings
from engine import kernel_bank

URL = "/api/feature-maps"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(size: tuple[int, int] = (48, 32), seed: int = 0) -> Image.Image:
    """Smooth gradients, a bright square and some noise: something with edges in both directions."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    red = 255 * x / max(width - 1, 1)
    green = 255 * y / max(height - 1, 1)
    blue = np.where((abs(x - width / 2) < width / 5) & (abs(y - height / 2) < height / 5), 230, 40)
    pixels = np.stack([red, green, blue], axis=-1) + rng.normal(0, 12, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def post(
    client: TestClient,
    data: bytes,
    layers: list[dict[str, Any]] | str | None = None,
    **fields: str,
) -> Any:
    form = dict(fields)
    if layers is not None:
        form["layers"] = layers if isinstance(layers, str) else json.dumps(layers)
    return client.post(URL, files={"image": ("upload", data, "application/octet-stream")}, data=form)


def png_array(url: str) -> np.ndarray:
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :])), formats=["PNG"]))


# The contract


def test_default_stack_contract(client: TestClient) -> None:
    response = post(client, encode(photo((48, 32)), "PNG"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["default_stack"] is True
    assert body["input"] == {
        "width": 48,
        "height": 32,
        "original_width": 48,
        "original_height": 32,
        "channels": 3,
        "format": "PNG",
        "mode": "RGB",
        "orientation": 1,
        "png": body["input"]["png"],
    }
    assert png_array(body["input"]["png"]).shape == (32, 48, 3)
    conv, pool = body["layers"]
    assert conv["index"] == 0
    assert conv["type"] == "conv"
    assert conv["params"]["bank"] == "sobel"
    assert conv["params"]["activation"] == "relu"
    assert conv["params"]["padding"] == "same"
    assert conv["input_shape"] == [3, 32, 48]
    assert conv["shape"] == [2, 32, 48]
    assert conv["kernels"][0] == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert conv["scale"] == "per-map min-max"
    assert [m["label"] for m in conv["maps"]] == ["sobel_x", "sobel_y"]
    assert pool["type"] == "pool"
    assert pool["params"]["stride"] == 2
    assert pool["shape"] == [2, 16, 24]
    assert pool["output_size"]["height"] == "(32 - 2) / 2 + 1 = 16"
    for layer in body["layers"]:
        for entry in layer["maps"]:
            assert entry["min"] <= entry["mean"] <= entry["max"]
            assert entry["min"] >= 0  # after relu
            grey = png_array(entry["png"])
            assert grey.shape == tuple(layer["shape"][1:])
            assert grey.min() == 0
            assert grey.max() == 255  # drawn over its own range


def test_grayscale_gives_one_channel(client: TestClient) -> None:
    response = post(client, encode(photo(), "PNG"), [{"type": "conv", "bank": "laplacian"}], grayscale="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["input"]["channels"] == 1
    assert body["layers"][0]["input_shape"] == [1, 32, 48]
    assert body["layers"][0]["shape"] == [1, 32, 48]


def test_empty_stack_returns_only_the_input(client: TestClient) -> None:
    body = post(client, encode(photo(), "PNG"), []).json()
    assert body["layers"] == []
    assert body["default_stack"] is False


# Every image kind through the endpoint


def _gif_animation() -> bytes:
    frames = [Image.new("RGB", (16, 12), (255, 0, 0)), Image.new("RGB", (16, 12), (0, 0, 255))]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)


def _palette(transparent: bool) -> bytes:
    image = photo((16, 12)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return encode(image, "PNG", **({"transparency": 0} if transparent else {}))


UPLOADS = {
    "png": (lambda: encode(photo(), "PNG"), "PNG", "RGB"),
    "jpeg": (lambda: encode(photo(), "JPEG"), "JPEG", "RGB"),
    "gif-animated": (_gif_animation, "GIF", "P"),
    "webp": (lambda: encode(photo(), "WEBP"), "WEBP", "RGB"),
    "bmp": (lambda: encode(photo(), "BMP"), "BMP", "RGB"),
    "mode-1": (lambda: encode(photo().convert("1"), "PNG"), "PNG", "1"),
    "mode-L": (lambda: encode(photo().convert("L"), "PNG"), "PNG", "L"),
    "mode-LA": (lambda: encode(photo().convert("LA"), "PNG"), "PNG", "LA"),
    "mode-P": (lambda: _palette(False), "PNG", "P"),
    "mode-P-transparent": (lambda: _palette(True), "PNG", "P"),
    "mode-RGBA": (lambda: encode(photo().convert("RGBA"), "PNG"), "PNG", "RGBA"),
    "mode-CMYK": (lambda: encode(photo().convert("CMYK"), "JPEG"), "JPEG", "CMYK"),
    "mode-I16": (
        lambda: encode(Image.fromarray(np.arange(256, dtype=np.uint16).reshape(16, 16) * 257), "PNG"),
        "PNG",
        "I;16",
    ),
}


@pytest.mark.parametrize("kind", list(UPLOADS))
def test_every_format_and_mode_is_accepted(client: TestClient, kind: str) -> None:
    make, fmt, mode = UPLOADS[kind]
    response = post(client, make())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["input"]["format"] == fmt
    assert body["input"]["mode"] == mode
    assert body["input"]["channels"] == 3
    assert len(body["layers"]) == 2


# Numbers against torch


def torch_maps(pixels: np.ndarray, steps: list[Any]) -> np.ndarray:
    x = torch.from_numpy(pixels[None])
    for step in steps:
        x = step(x)
    return x[0].numpy()


def assert_stats_match(layer: dict[str, Any], expected: np.ndarray) -> None:
    assert layer["shape"] == list(expected.shape)
    for entry, plane in zip(layer["maps"], expected, strict=True):
        assert entry["min"] == pytest.approx(plane.min(), abs=1e-6)
        assert entry["max"] == pytest.approx(plane.max(), abs=1e-6)
        assert entry["mean"] == pytest.approx(plane.mean(), abs=1e-6)
        # The PNG is the same map, quantised over its range: within one grey level.
        low, high = plane.min(), plane.max()
        if high > low:
            drawn = png_array(entry["png"]).astype(np.float64)
            assert np.abs(drawn - (plane - low) / (high - low) * 255).max() <= 0.5 + 1e-6


def test_sobel_layer_matches_torch(client: TestClient) -> None:
    data = encode(photo((40, 28), seed=3), "PNG")
    pixels = decode_image(data, Settings()).pixels
    weights = torch.from_numpy(kernel_bank("sobel", 3).weights)
    layers = [{"type": "conv", "bank": "sobel", "padding": "same"}]
    body = post(client, data, layers).json()
    expected = torch_maps(pixels, [lambda x: F.conv2d(x, weights, padding="same")])
    assert_stats_match(body["layers"][0], expected)
    assert body["layers"][0]["min"] < 0  # no activation: both signs of the derivative


def test_stack_matches_torch(client: TestClient) -> None:
    data = encode(photo((50, 38), seed=5), "PNG")
    pixels = decode_image(data, Settings()).pixels
    random = torch.from_numpy(kernel_bank("random", 3, count=4, size=3, seed=11).weights)
    gabor = torch.from_numpy(kernel_bank("gabor", 4, count=2, size=5).weights)
    layers = [
        {"type": "conv", "bank": "random", "count": 4, "seed": 11, "stride": 2, "activation": "relu"},
        {"type": "pool", "mode": "max", "kernel_size": 2},
        {"type": "batch_norm"},
        {"type": "conv", "bank": "gabor", "count": 2, "size": 5, "padding": 1, "activation": "tanh"},
        {"type": "pool", "mode": "avg", "kernel_size": 3, "stride": 1, "padding": 1},
    ]
    body = post(client, data, layers).json()
    steps = [
        lambda x: F.relu(F.conv2d(x, random, stride=2, padding=1)),
        lambda x: F.max_pool2d(x, 2),
        lambda x: F.batch_norm(x, torch.zeros(4, dtype=x.dtype), torch.ones(4, dtype=x.dtype), training=True),
        lambda x: torch.tanh(F.conv2d(x, gabor, padding=1)),
        lambda x: F.avg_pool2d(x, 3, stride=1, padding=1),
    ]
    assert body["layers"][0]["params"]["padding"] == 1  # stride 2: size // 2 by default
    for depth in range(len(layers)):
        assert_stats_match(body["layers"][depth], torch_maps(pixels, steps[: depth + 1]))


# Bad layer stacks


@pytest.mark.parametrize(
    ("layers", "words"),
    [
        ("[{'type': 'conv'}]", "`layers` is not valid JSON"),
        ('[{"type": "conv"', "`layers` is not valid JSON"),
        ('{"type": "conv"}', "layers: Input should be a valid array"),
        ('[{"type": "conv", "bank": "canny"}]', "layers[0].bank: Input should be 'sobel'"),
        ('[{"type": "pool"}, {"type": "dense"}]', "layers[1]"),
        ('[{"type": "pool"}, {"type": "dense"}]', "'conv', 'pool', 'batch_norm'"),
        ('[{"bank": "sobel"}]', "layers[0]"),
        ('[{"type": "conv", "kernel": 3}]', "layers[0].kernel: Extra inputs are not permitted"),
        ('[{"type": "conv", "size": "3"}]', "layers[0].size"),
        ('[{"type": "conv", "stride": 0}]', "layers[0].stride: Input should be greater than or equal to 1"),
        ('[{"type": "conv", "activation": "gelu"}]', "layers[0].activation"),
        ('[{"type": "conv", "bank": "laplacian", "size": 5}]', "layer 0 (conv) with input 3x32x48"),
        ('[{"type": "conv", "bank": "laplacian", "size": 5}]', "only in size 3"),
        ('[{"type": "conv", "size": 4}]', "must be odd"),
        ('[{"type": "conv", "stride": 2, "padding": "same"}]', "padding 'same' needs stride 1"),
        ('[{"type": "pool", "kernel_size": 4, "padding": 3}]', "at most half the kernel size"),
        ("[" * 5000 + "]" * 5000, "`layers` is not valid JSON"),
    ],
)
def test_bad_layers_are_422_naming_the_problem(client: TestClient, layers: str, words: str) -> None:
    response = post(client, encode(photo(), "PNG"), layers)
    assert response.status_code == 422, response.text
    assert words in response.text


def test_too_many_layers_names_the_limit(client: TestClient) -> None:
    response = post(client, encode(photo(), "PNG"), [{"type": "batch_norm"}] * 9)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["message"] == "`layers` has 9 layers, more than the limit max_layers = 8"
    assert error["limit"] == {"name": "max_layers", "value": 8}
    assert error["field"] == "layers"


def test_layer_errors_name_the_field(client: TestClient) -> None:
    response = post(client, encode(photo(), "PNG"), [{"type": "pool"}, {"type": "conv", "bank": "canny"}])
    error = response.json()["error"]
    assert error["code"] == "invalid_layers"
    assert error["field"] == "layers[1].bank"
    response = post(client, encode(photo((8, 8)), "PNG"), [{"type": "conv", "size": 9, "padding": 0}])
    error = response.json()["error"]
    assert error["code"] == "invalid_layer"
    assert error["field"] == "layers[0]"


def test_kernel_larger_than_the_map_names_layer_and_sizes(client: TestClient) -> None:
    data = encode(photo((8, 8)), "PNG")
    response = post(client, data, [{"type": "conv", "size": 9, "padding": "valid"}])
    assert response.status_code == 422
    assert "layer 0 (conv) with input 3x8x8: kernel 9 is larger than the padded input 8" in response.text
    shrink = [
        {"type": "conv", "bank": "gaussian", "size": 7, "padding": "valid"},
        {"type": "pool", "kernel_size": 3},
    ]
    response = post(client, data, shrink)
    assert response.status_code == 422
    assert "layer 1 (pool) with input 1x2x2: kernel 3 is larger than the padded input 2" in response.text
    response = post(client, data, [{"type": "pool", "kernel_size": 8}, {"type": "batch_norm"}])
    assert response.status_code == 422
    assert "layer 1 (batch_norm) with input 3x1x1" in response.text


def test_cost_limits_are_checked_before_computing(client: TestClient) -> None:
    data = encode(Image.new("RGB", (512, 512), (90, 120, 200)), "PNG")
    response = post(client, data, [{"type": "conv", "bank": "random", "count": 32, "size": 1}])
    assert response.status_code == 413
    error = response.json()["error"]
    assert "8,388,608 values, more than the limit max_map_values = 8,000,000" in error["message"]
    assert error["field"] == "layers[0]"
    response = post(client, data, [{"type": "conv", "bank": "random", "count": 16, "size": 15}])
    assert response.status_code == 413
    error = response.json()["error"]
    # 16 kernels x 3 channels x 15² taps x 512² positions
    assert "needs about 2,831,155,200 multiply-adds, more than the limit max_work" in error["message"]
    assert error["limit"] == {"name": "max_work", "value": Settings().max_work}
    small = TestClient(create_app(Settings(max_work=1000)))
    response = post(small, encode(photo((16, 16)), "PNG"), [{"type": "pool", "kernel_size": 2}])
    assert response.status_code == 200  # 3 x 2² x 8² = 768 window reads: within 1000
    response = post(small, encode(photo((16, 16)), "PNG"))  # the default conv: 2 x 3 x 9 x 16² = 13,824
    assert response.status_code == 413
    assert "layer 0 (conv)" in response.text


# Docs


def test_openapi_documents_the_endpoint(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"][URL]["post"]
    assert operation["summary"] == "Feature maps of an uploaded image"
    assert "per-map min-max" in operation["description"]
    assert set(operation["responses"]) >= {"200", "413", "415", "422"}
    text = json.dumps(schema)
    assert '\\"bank\\": \\"sobel\\"' in text  # the layers example
    assert "FeatureMapsResponse" in schema["components"]["schemas"]
