"""Requests that are tiny but would make the server allocate, compute or send far too much: each is
refused with a 4xx naming its rule, before any work starts."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.cache import ResponseCache, key_bytes
from app.main import create_app
from app.ops.job import response_bytes
from app.routers.operations import OPERATIONS
from app.settings import Settings


@pytest.fixture(scope="module")
def client() -> TestClient:
    client = TestClient(create_app(Settings()))
    client.post("/api/conv2d", json={"input": [[[[1.0]]]], "weight": [[[[1.0]]]]})  # first-call costs
    return client


def _refused(client: TestClient, path: str, body: dict[str, Any], limit: str) -> float:
    """POST ``body``; it must be a 413 JSON naming ``limit``; returns the seconds it took."""
    start = time.perf_counter()
    response = client.post(path, json=body)
    took = time.perf_counter() - start
    assert response.status_code == 413, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["limit"]["name"] == limit
    return took


# Item: padded planes count against max_memory_elements

ONE = [[[[1.0]]]]
PADDED = {"input": ONE, "weight": ONE, "padding": 5590, "stride": 5590}
# A 2x2 kernel dilated across the whole padding: its windows really read a 10001 x 10001 region.
DILATED = {"input": ONE, "weight": [[[[1.0, 1.0]] * 2]], "padding": 5000, "stride": 5000, "dilation": 5000}
UPSTREAM = [[[[1.0] * 2] * 2]]
MEMORY_ATTACKS = [
    ("/api/conv2d", DILATED),
    ("/api/conv2d/backward", DILATED | {"grad_output": UPSTREAM}),
    # the input gradient's frames read the upstream gradient at every cell of the padded plane
    ("/api/conv2d/backward/frames", PADDED | {"grad_output": [[[[1.0] * 3] * 3]]}),
    # stride: the full scatter plane is 40001 x 40001, of which padding crops all but 1 x 1
    (
        "/api/conv-transpose2d",
        {"input": [[[[1.0, 1.0]] * 2]], "weight": ONE, "stride": 40000, "padding": 20000},
    ),
    (
        "/api/conv-transpose2d/frames",
        {"input": [[[[1.0, 1.0]] * 2]], "weight": ONE, "stride": 40000, "padding": 20000},
    ),
    # dilation: a 2x2 kernel reaching 40001 x 40001 cells, cropped to one
    (
        "/api/conv-transpose2d",
        {"input": ONE, "weight": [[[[1.0, 1.0]] * 2]], "dilation": 40000, "padding": 20000},
    ),
    (
        "/api/conv-transpose2d/backward",
        {
            "input": ONE,
            "weight": [[[[1.0, 1.0]] * 2]],
            "dilation": 40000,
            "padding": 20000,
            "grad_output": ONE,
        },
    ),
]


@pytest.mark.parametrize(("path", "body"), MEMORY_ATTACKS)
def test_padded_planes_are_refused_before_any_work(
    client: TestClient, path: str, body: dict[str, Any]
) -> None:
    assert _refused(client, path, body, "max_memory_elements") < 1.0


def test_the_memory_limit_is_counted_for_every_job() -> None:
    tight = TestClient(create_app(Settings(max_memory_elements=100)))
    stream = tight.post(
        "/api/conv2d/frames", json={"input": {"shape": [1, 1, 8, 8]}, "weight": {"shape": [1, 1, 3, 3]}}
    )
    assert stream.status_code == 413  # before the stream starts: no header line, no 200
    assert stream.json()["error"]["limit"]["name"] == "max_memory_elements"
    body = {"input": {"shape": [1, 1, 8, 8]}, "kernel_size": 2}
    assert tight.post("/api/max-pool2d", json=body).status_code == 413
    assert tight.post("/api/batch-norm", json={"input": {"shape": [2, 3, 8, 8]}}).status_code == 413


def test_padding_no_window_reads_is_not_materialised(client: TestClient) -> None:
    """9 multiply-adds over an 11181 x 11181 padded plane: only the cell the windows read is padded."""
    start = time.perf_counter()
    response = client.post("/api/conv2d", json=PADDED)
    assert time.perf_counter() - start < 1.0
    assert response.status_code == 200
    assert response.json()["output"] == [[[[0.0] * 3, [0.0, 1.0, 0.0], [0.0] * 3]]]
    backward = client.post("/api/conv2d/backward", json=PADDED | {"grad_output": [[[[1.0] * 3] * 3]]})
    assert backward.status_code == 200
    assert backward.json()["grad_input"] == [[[[1.0]]]]


STREAMS = [
    ("/api/conv2d/frames", PADDED),
    ("/api/conv2d/frames", DILATED),  # the frames read window cells directly: nothing is padded
    ("/api/conv-transpose2d/frames", {"input": ONE, "weight": ONE, "stride": 5590}),
]


@pytest.mark.parametrize(("path", "body"), STREAMS)
def test_a_padded_stream_never_fails_after_its_first_line(
    client: TestClient, path: str, body: dict[str, Any]
) -> None:
    start = time.perf_counter()
    with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert time.perf_counter() - start < 1.0
    assert lines[0]["type"] == "header"
    assert lines[-1]["type"] == "result"
    assert all(line["type"] != "error" for line in lines)


# Item: the answer's size is estimated from shapes and bounded by max_response_bytes


def _floats(*shape: int) -> dict[str, Any]:
    return {"shape": list(shape), "kind": "floats", "seed": 0}


SIZED = [
    ("/api/conv2d", {"input": _floats(1, 1, 200, 200), "weight": _floats(1, 1, 1, 1)}),
    ("/api/conv2d/frames", {"input": _floats(1, 1, 60, 60), "weight": _floats(1, 1, 1, 1)}),
    (
        "/api/conv2d/frames",
        {
            "input": _floats(1, 3, 12, 12),
            "weight": _floats(4, 3, 3, 3),
            "bias": _floats(4),
            "activation": "relu",
        },
    ),
    (
        "/api/conv2d/backward/frames",
        {"input": _floats(1, 2, 10, 10), "weight": _floats(2, 2, 3, 3), "grad_output": _floats(1, 2, 8, 8)},
    ),
    (
        "/api/conv-transpose2d/frames",
        {"input": _floats(1, 2, 8, 8), "weight": _floats(2, 2, 3, 3), "stride": 2},
    ),
    (
        "/api/conv2d/frames",
        {
            "input": _floats(1, 2, 10, 10),
            "weight": _floats(2, 2, 3, 3),
            "bias": _floats(2),
            "padding": 2,
            "padding_mode": "reflect",
            "activation": "sigmoid",
        },
    ),
    (
        "/api/conv2d/backward/frames",
        {
            "input": _floats(1, 2, 10, 10),
            "weight": _floats(2, 2, 3, 3),
            "grad_output": _floats(1, 2, 10, 10),
            "padding": 1,
            "padding_mode": "circular",
        },
    ),
    ("/api/max-pool2d/frames", {"input": _floats(1, 2, 30, 30), "kernel_size": 3}),
    (
        "/api/avg-pool2d/backward/frames",
        {"input": _floats(1, 2, 30, 30), "grad_output": _floats(1, 2, 10, 10), "kernel_size": 3},
    ),
    ("/api/batch-norm/frames", {"input": _floats(4, 2, 10, 10)}),
    (
        "/api/batch-norm/backward/frames",
        {"input": _floats(4, 2, 10, 10), "grad_output": _floats(4, 2, 10, 10)},
    ),
]


@pytest.mark.parametrize(("path", "body"), SIZED)
def test_the_response_estimate_bounds_the_real_size(
    client: TestClient, path: str, body: dict[str, Any]
) -> None:
    stream = path.endswith("/frames")
    route = path.removeprefix("/api").removesuffix("/frames")
    operation = next(op for op in OPERATIONS if op.path == route)
    settings = Settings()
    estimate = response_bytes(operation.job(operation.request.model_validate(body), settings), stream=stream)
    real = len(client.post(path, json=body).content)
    assert real <= estimate <= 4 * real + 20_000, (real, estimate)


def test_a_tiny_request_for_a_huge_answer_is_refused_before_any_frame(client: TestClient) -> None:
    body = {
        "input": {"shape": [1, 1, 1000, 1000], "kind": "floats", "seed": 0},
        "weight": {"shape": [1, 1, 1, 1], "kind": "ones"},
    }
    assert len(json.dumps(body)) < 130
    assert _refused(client, "/api/conv2d", body, "max_response_bytes") < 1.0
    # A server that allows long streams still refuses this one, before its header.
    loose = TestClient(create_app(Settings(max_frames=10**7, max_stream_work=10**7)))
    assert _refused(loose, "/api/conv2d/frames", body, "max_response_bytes") < 1.0


@pytest.mark.parametrize(("path", "body"), SIZED)
def test_echo_inputs_false_leaves_the_inputs_out(client: TestClient, path: str, body: dict[str, Any]) -> None:
    echoed = client.post(path, json=body)
    quiet = client.post(path, json=body | {"echo_inputs": False})
    assert quiet.status_code == 200, quiet.text[:300]
    assert len(quiet.content) < len(echoed.content)
    last = json.loads(quiet.text.splitlines()[-1])
    assert last["inputs"] == {}
    if path.endswith("/frames"):
        assert json.loads(quiet.text.splitlines()[0])["inputs"] == {}


def test_the_echo_counts_towards_the_response_limit() -> None:
    body = {"input": _floats(1, 1, 100, 100), "weight": _floats(1, 1, 1, 1)}
    tight = TestClient(create_app(Settings(max_response_bytes=400_000)))
    assert _refused(tight, "/api/conv2d", body, "max_response_bytes") < 1.0
    assert tight.post("/api/conv2d", json=body | {"echo_inputs": False}).status_code == 200


# Item: the receptive-field cache keys on a digest of the parsed request, keys counted

RECEPTIVE = {"input_size": 32, "layers": [{"type": "conv", "kernel_size": 3, "padding": 1}] * 3}


def test_padded_variants_of_one_request_share_one_entry() -> None:
    client = TestClient(create_app(Settings()))
    cache: ResponseCache = client.app.state.post_cache  # type: ignore[attr-defined]
    text = json.dumps(RECEPTIVE)
    answers = set()
    for pad in range(300):
        body = (" " * pad + text + "\n" * (300 - pad)).encode()
        response = client.post(
            "/api/receptive-field", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 200
        answers.add(response.content)
    assert len(cache) == 1
    assert len(answers) == 1
    assert cache.hits == 299
    (key,) = cache._entries
    assert isinstance(key, bytes)
    assert len(key) < 100


def test_a_cache_of_unique_requests_stays_under_its_byte_budget() -> None:
    client = TestClient(create_app(Settings()))
    cache = ResponseCache(max_bytes=60_000, max_entry_bytes=20_000)
    client.app.state.post_cache = cache  # type: ignore[attr-defined]
    for size in range(8, 200):
        body = RECEPTIVE | {"input_size": size}
        assert client.post("/api/receptive-field", json=body).status_code == 200
    stored = sum(key_bytes(key) + len(value) for key, value in cache._entries.items())
    assert stored == cache.size <= cache.max_bytes
    assert 1 < len(cache) < 192


# Item: integers too large for a float are refused as values, not a server fault


@pytest.mark.parametrize("digits", [400, 4000])
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/conv2d", "input"),
        ("/api/conv2d", "weight"),
        ("/api/conv2d", "bias"),
        ("/api/conv2d/backward", "grad_output"),
    ],
)
def test_a_huge_integer_literal_is_a_422_naming_its_field(
    client: TestClient, path: str, field: str, digits: int
) -> None:
    body: dict[str, Any] = {"input": [[[[1.0, 2.0], [3.0, 4.0]]]], "weight": [[[[1.0]]]], "bias": [0.0]}
    if path.endswith("/backward"):
        body = {k: v for k, v in body.items() if k != "bias"} | {"grad_output": [[[[1.0, 1.0], [1.0, 1.0]]]]}
    huge = "9" * digits
    text = json.dumps(body).replace("1.0", huge, 1) if field == "input" else json.dumps(body)
    if field != "input":
        value = json.dumps(body[field])
        text = text.replace(value, value.replace("1.0", huge, 1).replace("0.0", huge, 1), 1)
    assert huge in text
    response = client.post(path, content=text.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    error = response.json()["error"]
    assert error["field"] == field
    assert error["code"] == "value_too_large"
    assert "digits" in error["message"]


def test_a_value_beyond_max_abs_value_is_still_a_422(client: TestClient) -> None:
    body = {"input": [[[[1e13]]]], "weight": [[[[1.0]]]]}
    error = client.post("/api/conv2d", json=body).json()["error"]
    assert (error["code"], error["field"], error["limit"]["name"]) == (
        "value_too_large",
        "input",
        "max_abs_value",
    )


# Item: one Content-Type header, read as the framework reads it


@pytest.mark.parametrize(
    "types",
    [
        [b"application/json", b"multipart/form-data; boundary=x"],
        [b"multipart/form-data; boundary=x", b"application/json"],
        [b"application/json", b"application/json"],
    ],
)
def test_two_content_type_headers_are_refused(client: TestClient, types: list[bytes]) -> None:
    big = b'{"input": [[[[NaN]]]], "weight": [[[[1.0]]]], "pad": "' + b" " * 8_000_000 + b'"}'
    headers = [(b"content-type", value) for value in types]
    response = client.post("/api/conv2d", content=big, headers=headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert "Content-Type" in error["message"]


@pytest.mark.parametrize("content_type", [None, "text/json", "application/vnd.x+json; charset=utf-8"])
def test_json_is_checked_whenever_the_framework_will_parse_it(
    client: TestClient, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    nan = client.post(
        "/api/conv2d", content=b'{"input": [[[[NaN]]]], "weight": [[[[1.0]]]]}', headers=headers
    )
    assert nan.status_code == 400
    assert "NaN" in nan.json()["error"]["message"]
    big = b'{"a": "' + b" " * 2_100_000 + b'"}'
    assert client.post("/api/conv2d", content=big, headers=headers).status_code == 413


# Item: the layer stack and the image's sides are checked from the header, before decoding


def _png(width: int, height: int) -> bytes:
    """A 1-bit grey PNG of zeros: every row is a filter byte and zero bits, compressed."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def test_a_one_row_strip_is_refused_from_its_header(client: TestClient) -> None:
    strip = _png(40_000_000, 1)
    assert len(strip) < 100_000
    start = time.perf_counter()
    response = client.post("/api/feature-maps", files={"image": ("strip.png", strip, "image/png")})
    took = time.perf_counter() - start
    assert response.status_code == 413, response.text[:300]
    error = response.json()["error"]
    assert error["limit"]["name"] == "max_decoded_pixels"
    assert "8 x sqrt(max_decoded_pixels)" in error["message"]
    assert took < 0.5


def test_a_bad_stack_is_refused_without_decoding(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import app.ops.feature_maps

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("decoded")

    monkeypatch.setattr(app.ops.feature_maps, "decode_opened", never)
    image = _png(64, 64)
    pool = json.dumps([{"type": "pool", "kernel_size": 4}] * 4)  # 64 -> 16 -> 4 -> 1 -> no room
    response = client.post(
        "/api/feature-maps", files={"image": ("a.png", image, "image/png")}, data={"layers": pool}
    )
    assert response.status_code == 422, response.text[:300]
    assert response.json()["error"]["field"] == "layers[3]"
    costly = json.dumps([{"type": "conv", "bank": "random", "count": 64, "size": 15}] * 8)
    response = client.post(
        "/api/feature-maps", files={"image": ("a.png", image, "image/png")}, data={"layers": costly}
    )
    assert response.status_code in (413, 422), response.text[:300]
    monkeypatch.undo()
    assert client.post("/api/feature-maps", files={"image": ("a.png", image, "image/png")}).status_code == 200


# Item: a JPEG's scans are counted from its bytes before decoding


def _progressive_jpeg(size: int = 64) -> bytes:
    import io

    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(0).integers(0, 256, (size, size), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "L").save(out, "JPEG", progressive=True, quality=90)
    return out.getvalue()


def _scan_bomb(copies: int) -> bytes:
    """A progressive JPEG whose last scan (header and data, up to EOI) is repeated ``copies`` times."""
    data = _progressive_jpeg()
    last = data.rindex(b"\xff\xda")
    end = data.rindex(b"\xff\xd9")
    return data[:end] + data[last:end] * copies + data[end:]


def test_ordinary_jpegs_have_few_scans_and_decode(client: TestClient) -> None:
    from app.images import jpeg_scans

    progressive = _progressive_jpeg()
    assert 2 <= jpeg_scans(progressive) <= 20
    files = {"image": ("p.jpg", progressive, "image/jpeg")}
    assert client.post("/api/feature-maps", files=files).status_code == 200
    assert jpeg_scans(_scan_bomb(500)) == jpeg_scans(progressive) + 500


def test_a_jpeg_repeating_a_scan_is_refused_before_decoding(client: TestClient) -> None:
    bomb = _scan_bomb(16_000)
    start = time.perf_counter()
    response = client.post("/api/feature-maps", files={"image": ("b.jpg", bomb, "image/jpeg")})
    took = time.perf_counter() - start
    assert response.status_code == 422, response.text[:300]
    error = response.json()["error"]
    assert (error["code"], error["field"], error["limit"]["name"]) == (
        "too_many_scans",
        "image",
        "max_jpeg_scans",
    )
    assert took < 0.5
