"""The trained-network API against torch: the state dict rebuilds the same network, every layer's
output and the logits agree, photos of digits are classified, and bad requests are refused."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image, ImageFilter

from app.main import create_app
from app.ops.networks import available
from app.settings import Settings

pytestmark = pytest.mark.skipif(
    "tinyvgg" not in available(), reason="app/networks/tinyvgg is not trained yet"
)

BASE = "/api/networks/tinyvgg"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


@pytest.fixture(scope="module")
def detail(client: TestClient) -> dict[str, Any]:
    response = client.get(BASE)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def gallery(client: TestClient) -> list[tuple[np.ndarray, int]]:
    body = client.get(f"{BASE}/gallery").json()
    side, scale = body["side"], body["scale"]
    return [
        (np.frombuffer(base64.b64decode(d["pixels"]), np.uint8).reshape(side, side) / scale, d["label"])
        for d in body["digits"]
    ]


@pytest.fixture(scope="module")
def model(detail: dict[str, Any]) -> torch.nn.Sequential:
    modules = [getattr(torch.nn, row["module"])(**row["kwargs"]) for row in detail["layers"]]
    net = torch.nn.Sequential(*modules)
    net.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in detail["state_dict"].items()})
    return net.eval()


def test_list(client: TestClient, detail: dict[str, Any]) -> None:
    (entry,) = client.get("/api/networks").json()["networks"]
    assert entry["name"] == "tinyvgg"
    assert entry["dataset"] == "MNIST"
    assert entry["input_shape"] == [1, 28, 28]
    assert entry["parameters"] == sum(row["parameters"] for row in detail["layers"]) > 0
    assert 0.9 < entry["test_accuracy"] <= 1


def test_detail_state_dict_matches_torch(detail: dict[str, Any]) -> None:
    modules = [getattr(torch.nn, row["module"])(**row["kwargs"]) for row in detail["layers"]]
    expected = torch.nn.Sequential(*modules).state_dict()
    assert list(detail["state_dict"]) == list(expected)
    for key, value in expected.items():
        assert list(np.shape(detail["state_dict"][key])) == list(value.shape), key
    assert detail["classes"] == [str(d) for d in range(10)]
    assert detail["torch_code"].count("\n") == 2
    assert "torch.nn.Sequential(" in detail["torch_code"]
    assert "LeCun" in detail["credit"]
    assert detail["training_log"]
    assert [row["output_shape"] for row in detail["layers"]][-1] == [10]


def test_unknown_network_is_404(client: TestClient) -> None:
    for path in ("/api/networks/nope", "/api/networks/nope/gallery"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    response = client.post("/api/networks/nope/forward", json={"input": np.zeros((28, 28)).tolist()})
    assert response.status_code == 404


def test_forward_matches_torch(client: TestClient, model: torch.nn.Sequential, gallery: Any) -> None:
    for digit, _label in gallery[:5]:
        body = client.post(f"{BASE}/forward", json={"input": digit.tolist()}).json()
        x = torch.tensor(digit[None, None], dtype=torch.float32)
        outputs = []
        with torch.no_grad():
            for module in model:
                x = module(x)
                outputs.append(x[0].numpy())
        assert len(body["layers"]) == len(outputs)
        for layer, expected in zip(body["layers"], outputs, strict=True):
            got = np.array(layer["output"])
            assert got.shape == expected.shape, layer["name"]
            np.testing.assert_allclose(got, expected, atol=1e-4)
        np.testing.assert_allclose(body["logits"], outputs[-1], atol=1e-4)
        probabilities = np.array(body["probabilities"])
        assert abs(probabilities.sum() - 1) < 1e-9
        assert body["prediction"] == int(probabilities.argmax()) == int(np.argmax(outputs[-1]))
        np.testing.assert_allclose(
            probabilities, torch.softmax(torch.tensor(outputs[-1]), 0).numpy(), atol=1e-6
        )
        np.testing.assert_allclose(
            np.array(body["softmax"]["exponentials"]) / body["softmax"]["sum"], probabilities, atol=1e-12
        )
        assert max(body["softmax"]["exponentials"]) == 1.0
    correct = sum(
        client.post(f"{BASE}/forward", json={"input": d.tolist()}).json()["prediction"] == label
        for d, label in gallery[:20]
    )
    assert correct >= 18


def test_forward_accepts_a_channel_axis(client: TestClient, gallery: Any) -> None:
    digit = gallery[0][0]
    flat = client.post(f"{BASE}/forward", json={"input": digit.tolist()}).json()
    channel = client.post(f"{BASE}/forward", json={"input": [digit.tolist()]}).json()
    assert flat["logits"] == channel["logits"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"input": np.full((28, 28), 1.5).tolist()}, "out_of_range"),
        ({"input": np.full((28, 28), -0.1).tolist()}, "out_of_range"),
        ({"input": np.zeros((28, 27)).tolist()}, "bad_shape"),
        ({"input": np.zeros((3, 28, 28)).tolist()}, "bad_shape"),
        ({"input": [[0, 1], [0]]}, "invalid_value"),
        ({"input": [["a"] * 28] * 28}, "invalid_value"),
        ({"input": "digit"}, "invalid_value"),
        ({}, "invalid_value"),
        ({"input": np.zeros((28, 28)).tolist(), "extra": 1}, "invalid_value"),
    ],
)
def test_bad_forward_bodies(client: TestClient, body: dict[str, Any], code: str) -> None:
    response = client.post(f"{BASE}/forward", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["field"] in ("input", "extra")


def photo_of(digit: np.ndarray, dark_ink: bool, seed: int) -> bytes:
    """The digit printed large (280 px) on paper with a lighting gradient and noise, as a JPEG."""
    rng = np.random.default_rng(seed)
    big = (
        np.asarray(Image.fromarray(np.uint8(digit * 255)).resize((200, 200), Image.Resampling.BICUBIC)) / 255
    )
    canvas = np.zeros((300, 260))
    canvas[50:250, 30:230] = big
    light = np.linspace(0.75, 1.0, 260)[None, :] * np.linspace(0.9, 1.0, 300)[:, None]
    page = light * (1 - 0.8 * canvas) if dark_ink else 0.15 + 0.7 * canvas * light
    page = np.clip(page + rng.normal(0, 0.03, page.shape), 0, 1)
    image = Image.fromarray(np.uint8(page * 255)).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def classify(client: TestClient, data: bytes) -> Any:
    return client.post(f"{BASE}/classify-image", files={"image": ("digit", data, "application/octet-stream")})


@pytest.mark.parametrize("dark_ink", [True, False])
def test_photos_of_digits_are_classified(client: TestClient, gallery: Any, dark_ink: bool) -> None:
    hits = 0
    for seed, (digit, label) in enumerate(gallery[:10]):
        response = classify(client, photo_of(digit, dark_ink, seed))
        assert response.status_code == 200, response.text
        body = response.json()
        assert np.array(body["input"]).shape == (28, 28)
        assert len(body["layers"]) == 12
        assert abs(sum(body["probabilities"]) - 1) < 1e-9
        hits += body["prediction"] == label
    assert hits >= 9


def test_classify_answer_is_the_forward_of_its_input(client: TestClient, gallery: Any) -> None:
    body = classify(client, photo_of(gallery[1][0], True, 1)).json()
    again = client.post(f"{BASE}/forward", json={"input": body["input"]}).json()
    np.testing.assert_allclose(again["logits"], body["logits"], atol=1e-9)


def test_blank_photo_has_no_ink(client: TestClient) -> None:
    buffer = io.BytesIO()
    Image.new("L", (120, 90), 235).save(buffer, "PNG")
    response = classify(client, buffer.getvalue())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_ink"
    assert response.json()["error"]["field"] == "image"


def test_uploads_refused_as_the_feature_maps_refuse_them() -> None:
    small = TestClient(create_app(Settings(max_upload_bytes=1000)))
    big = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8)).save(big, "PNG")
    response = classify(small, big.getvalue())
    assert response.status_code == 413
    assert response.json()["error"]["limit"]["name"] == "max_upload_bytes"
    client = TestClient(create_app(Settings()))
    response = classify(client, b"just some text, not a picture at all")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_image_format"
    response = classify(client, b"")
    assert response.status_code == 422
    response = client.post(f"{BASE}/classify-image")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "image"
