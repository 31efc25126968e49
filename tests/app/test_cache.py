"""Cached answers are byte-for-byte the answers computed afresh; the caches stay bounded."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.cache import ResponseCache
from app.main import create_app
from app.ops.feature_maps import DEFAULT_STACK, compute_feature_maps
from app.routers.pages import STATIC_DIR
from app.schemas import ArchitectureResponse
from app.settings import Settings
from engine import NETWORKS, architecture_table

RECEPTIVE = {
    "input_size": 32,
    "layers": [{"type": "conv", "kernel_size": 3, "padding": 1}] * 3 + [{"type": "pool", "kernel_size": 2}],
    "unit": {"layer": 3, "y": 3, "x": 3},
    "effective": True,
}


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(Settings()))


# The cache itself


def test_least_recently_used_entries_go_first_and_the_total_stays_bounded() -> None:
    cache = ResponseCache(max_bytes=10, max_entry_bytes=6)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.peek("a") == b"aaaa"  # now "b" is the least recently used
    cache.put("c", b"cccc")
    assert cache.peek("b") is None
    assert cache.peek("a") == b"aaaa"
    assert cache.peek("c") == b"cccc"
    assert cache.size == 10  # keys count too: "a" and "c", 1 byte each
    cache.put("big", b"x" * 7)  # larger than max_entry_bytes: never stored
    assert cache.peek("big") is None
    assert len(cache) == 2


def test_a_failed_computation_is_not_stored() -> None:
    cache = ResponseCache(max_bytes=100, max_entry_bytes=100)

    def fail() -> bytes:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        cache.get("k", fail)
    assert len(cache) == 0
    assert cache.get("k", lambda: b"yes") == b"yes"
    assert cache.get("k", fail) == b"yes"  # a hit: not computed again
    assert (cache.hits, cache.misses) == (1, 2)


# Architecture tables


@pytest.mark.parametrize("name", list(NETWORKS))
def test_architecture_answers_equal_the_validated_engine_table(client: TestClient, name: str) -> None:
    expected = ArchitectureResponse.model_validate(architecture_table(name).to_dict()).model_dump(mode="json")
    first = client.get(f"/api/architectures/{name}")
    second = client.get(f"/api/architectures/{name}")
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.json() == expected
    assert first.json() == architecture_table(name).to_dict()  # the model drops or changes nothing
    assert second.content == first.content


def test_architecture_input_sizes_are_cached_apart_and_refusals_not_at_all(client: TestClient) -> None:
    small = client.get("/api/architectures/vgg16", params={"input_size": 64}).json()
    default = client.get("/api/architectures/vgg16").json()
    assert small["layers"][0]["output_shape"] != default["layers"][0]["output_shape"]
    assert small == architecture_table("vgg16", 64).to_dict()
    for _ in range(2):
        too_small = client.get("/api/architectures/vgg16", params={"input_size": 8})
        assert too_small.status_code == 422
        assert too_small.json()["error"]["field"] == "input_size"


def test_the_architecture_list_is_unchanged(client: TestClient) -> None:
    listed = client.get("/api/architectures").json()
    assert [entry["name"] for entry in listed["architectures"]] == list(NETWORKS)


# Receptive fields (answered by the POST cache)


def test_a_repeated_receptive_field_request_is_answered_from_the_cache(client: TestClient) -> None:
    cache: ResponseCache = client.app.state.post_cache  # type: ignore[attr-defined]
    first = client.post("/api/receptive-field", json=RECEPTIVE)
    assert first.status_code == 200
    assert (cache.hits, len(cache)) == (0, 1)
    second = client.post("/api/receptive-field", json=RECEPTIVE)
    assert cache.hits == 1
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"] == "application/json"
    # The same request spelt differently is the same key: the parsed body is what is keyed.
    spaced = client.post(
        "/api/receptive-field",
        content=json.dumps(RECEPTIVE, indent=2).encode(),
        headers={"content-type": "application/json"},
    )
    assert (cache.hits, len(cache)) == (2, 1)
    assert spaced.content == first.content
    fresh = TestClient(create_app(Settings())).post("/api/receptive-field", json=RECEPTIVE)
    assert fresh.content == first.content


def test_receptive_field_refusals_are_never_cached(client: TestClient) -> None:
    cache: ResponseCache = client.app.state.post_cache  # type: ignore[attr-defined]
    bad = {**RECEPTIVE, "unit": {"layer": 9, "y": 0, "x": 0}}
    statuses = {client.post("/api/receptive-field", json=bad).status_code for _ in range(2)}
    assert len(statuses) == 1
    assert statuses.pop() >= 400
    assert len(cache) == 0
    tight = TestClient(create_app(Settings(max_receptive_layers=2)))
    assert tight.post("/api/receptive-field", json=RECEPTIVE).status_code == 413  # limits still apply


# Documents and uploads


def test_openapi_json_is_the_document_of_the_app(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == client.app.openapi()  # type: ignore[attr-defined]
    assert client.get("/openapi.json").content == response.content
    assert client.get("/docs").content == client.get("/docs").content


def test_feature_maps_answer_equals_the_computed_model(client: TestClient) -> None:
    buffer = io.BytesIO()
    Image.effect_noise((20, 12), 50).convert("RGB").save(buffer, "PNG")
    data = buffer.getvalue()
    response = client.post("/api/feature-maps", files={"image": ("a.png", data, "image/png")})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    expected = compute_feature_maps(data, list(DEFAULT_STACK), True, False, Settings())
    assert response.json() == expected.model_dump(mode="json")


# Static files (kept in memory after their first answer)


def test_static_files_from_memory_equal_the_file_and_keep_its_headers(client: TestClient) -> None:
    path = STATIC_DIR / "js" / "player.js"
    first = client.get("/static/js/player.js")
    second = client.get("/static/js/player.js")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == path.read_bytes()
    for name in ("content-type", "content-length", "etag", "last-modified"):
        assert second.headers[name] == first.headers[name], name
    assert "javascript" in second.headers["content-type"]
    assert second.headers["x-content-type-options"] == "nosniff"
    etag = first.headers["etag"]
    unchanged = client.get("/static/js/player.js", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    head = client.head("/static/js/player.js")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(path.stat().st_size)
    part = client.get("/static/js/player.js", headers={"Range": "bytes=0-9"})  # not from memory
    assert part.status_code == 206
    assert part.content == path.read_bytes()[:10]
    assert client.get("/static/js/no-such-file.js").status_code == 404
