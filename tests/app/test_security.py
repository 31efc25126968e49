"""Security headers on every kind of response, framing, CORS, static-file confinement, plain 500s."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from app.middleware import REFERRER_POLICY
from app.settings import Settings, load_settings

PLANE = [[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]]
SOURCE_MARKERS = ("def create_app", "from __future__", "import ", "[project]")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(max_body_bytes=10_000)))


def assert_common_headers(headers: Any) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == REFERRER_POLICY
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "object-src 'none'" in policy


# Every kind of response, each by a request that really produces it.
RESPONSES: dict[str, tuple[str, str, dict[str, Any], int]] = {
    "page": ("GET", "/embed/conv", {}, 200),
    "api json": ("POST", "/api/max-pool2d", {"json": {"input": PLANE, "kernel_size": 2}}, 200),
    "api stream": ("POST", "/api/max-pool2d/frames", {"json": {"input": PLANE, "kernel_size": 2}}, 200),
    "api get": ("GET", "/api/architectures/lenet5", {}, 200),
    "api 422": ("POST", "/api/max-pool2d", {"json": {"input": PLANE, "kernel_size": 0}}, 422),
    "api 415": ("POST", "/api/max-pool2d", {"content": b"input=1"}, 415),
    "body guard 413": ("POST", "/api/max-pool2d", {"content": b"[" * 20_000}, 413),
    "unknown 404": ("GET", "/no/such/thing", {}, 404),
    "method 405": ("DELETE", "/api/max-pool2d", {}, 405),
    "static file": ("GET", "/static/js/player.js", {}, 200),
    "static 404": ("GET", "/static/js/no-such.js", {}, 404),
    "favicon": ("GET", "/favicon.ico", {}, 200),
    "docs": ("GET", "/docs", {}, 200),
    "openapi": ("GET", "/openapi.json", {}, 200),
    "healthz": ("GET", "/healthz", {}, 200),
}


@pytest.mark.parametrize("kind", list(RESPONSES))
def test_every_kind_of_response_carries_the_security_headers(client: TestClient, kind: str) -> None:
    method, path, options, status = RESPONSES[kind]
    if "content" in options:
        options = {**options, "headers": {"content-type": "application/x-www-form-urlencoded"}}
        if kind == "body guard 413":
            options["headers"] = {"content-type": "application/json"}
    response = client.request(method, path, **options)
    assert response.status_code == status, response.text
    assert_common_headers(response.headers)
    if not path.startswith("/embed/"):
        # Everything outside /embed/ may only be framed by the site itself.
        assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "SAMEORIGIN"


def test_a_page_keeps_its_own_policy_and_headers_are_not_doubled(client: TestClient) -> None:
    response = client.get("/embed/pool")
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
        assert len(response.headers.get_list(name)) == 1, name
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers


def test_the_docs_page_needs_no_inline_style_or_script(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "<style" not in html
    assert "<script" not in html
    assert 'href="/static/css/api_docs.css"' in html
    assert client.get("/static/css/api_docs.css").status_code == 200


# Embed framing allow-list


def test_embed_allow_list_is_written_into_frame_ancestors() -> None:
    lms = TestClient(create_app(Settings(embed_frame_ancestors="https://lms.example.edu 'self'")))
    policy = lms.get("/embed/conv").headers["content-security-policy"]
    assert policy.endswith("frame-ancestors https://lms.example.edu 'self'")
    missing = lms.get("/embed/no-such-scene")  # the embed prefix's policy covers its 404 as well
    assert missing.status_code == 404
    assert "frame-ancestors https://lms.example.edu 'self'" in missing.headers["content-security-policy"]
    site = lms.get("/conv").headers["content-security-policy"]
    assert "frame-ancestors 'self'" in site
    assert "lms.example.edu" not in site


@pytest.mark.parametrize(
    "value",
    [
        "",
        "https://a.example; script-src *",  # a directive smuggled in
        "https://a.example\r\nSet-Cookie: x=1",
        "https://a.example/path",
        "javascript:alert(1)",
        "* https://a.example",
        "a.example",
    ],
)
def test_bad_embed_allow_lists_are_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match="CONVSCOPE_EMBED_FRAME_ANCESTORS"):
        Settings(embed_frame_ancestors=value)


def test_origin_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSCOPE_EMBED_FRAME_ANCESTORS", "https://a.example https://b.example:8443")
    monkeypatch.setenv("CONVSCOPE_CORS_ORIGINS", "https://c.example")
    settings = load_settings()
    assert settings.embed_frame_ancestors == "https://a.example https://b.example:8443"
    assert settings.cors_origins == "https://c.example"
    monkeypatch.setenv("CONVSCOPE_CORS_ORIGINS", "https://c.example;")
    with pytest.raises(ValueError, match="CONVSCOPE_CORS_ORIGINS"):
        load_settings()


# CORS


def preflight_post(client: TestClient, origin: dict[str, str]) -> Any:
    """The browser's question before a cross-origin JSON POST to the API."""
    headers = {
        **origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    return client.options("/api/max-pool2d", headers=headers)


def test_cors_is_off_by_default(client: TestClient) -> None:
    origin = {"Origin": "https://elsewhere.example"}
    response = client.post("/api/max-pool2d", json={"input": PLANE, "kernel_size": 2}, headers=origin)
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = preflight_post(client, origin)
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_for_configured_origins_on_the_api_only() -> None:
    cors = TestClient(create_app(Settings(cors_origins="https://course.example https://lab.example")))
    allowed = {"Origin": "https://course.example"}
    preflight = preflight_post(cors, allowed)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://course.example"
    assert set(preflight.headers["access-control-allow-methods"].replace(" ", "").split(",")) == {
        "GET",
        "POST",
    }
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers
    assert_common_headers(preflight.headers)
    response = cors.post("/api/max-pool2d", json={"input": PLANE, "kernel_size": 2}, headers=allowed)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://course.example"
    other = cors.get("/api/architectures", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    refused = cors.options(
        "/api/max-pool2d", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    delete = cors.options("/api/max-pool2d", headers={**allowed, "Access-Control-Request-Method": "DELETE"})
    assert delete.status_code == 400
    page = cors.get("/conv", headers=allowed)  # pages and static files stay same-origin
    assert "access-control-allow-origin" not in page.headers


# Static files stay in their folder


def raw_get(app: FastAPI, raw_path: bytes) -> tuple[int, bytes]:
    """Send ``raw_path`` to the app exactly as a server would pass it on, no client normalisation."""
    path = raw_path.split(b"?")[0].decode("latin-1")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(path),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    status = 0
    body = bytearray()
    requested = False

    async def main() -> None:
        done = asyncio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()  # the client stays until the whole response has arrived
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await asyncio.wait_for(app(scope, receive, send), timeout=10)  # type: ignore[arg-type]

    asyncio.run(main())
    return status, bytes(body)


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/static/../app/main.py",
        b"/static/../../etc/passwd",
        b"/static/%2e%2e/app/main.py",
        b"/static/%2E%2E/%2E%2E/etc/passwd",
        b"/static/..%2fapp%2fmain.py",
        b"/static/%2e%2e%2fpyproject.toml",
        b"/static/js/../../app/settings.py",
        b"/static/..%5capp%5cmain.py",
        b"/static//etc/passwd",
        b"/static/%2fetc%2fpasswd",
    ],
)
def test_static_paths_cannot_leave_the_static_folder(raw_path: bytes) -> None:
    status, body = raw_get(create_app(), raw_path)
    assert status == 404
    text = body.decode("utf-8", "replace")
    assert not any(marker in text for marker in SOURCE_MARKERS)
    assert "root:" not in text


def test_static_files_inside_the_folder_are_served() -> None:
    status, body = raw_get(create_app(), b"/static/js/../js/player.js")
    assert status == 200
    assert b"export" in body


# Server faults


def test_an_unexpected_exception_is_a_json_500_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.ops.architectures

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals at /srv/convscope/app/engine.py line 12")

    monkeypatch.setattr(app.ops.architectures, "architecture_table", broken)
    faulty = TestClient(create_app(Settings()), raise_server_exceptions=False)
    response = faulty.get("/api/architectures/vgg16", params={"input_size": 200})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert "bug in ConvScope" in error["message"]
    for leak in ("secret", "Traceback", "RuntimeError", ".py", "line 12"):
        assert leak not in response.text
    assert_common_headers(response.headers)
