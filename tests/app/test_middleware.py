"""The hardening that lives in the app and its settings, checked in process (the real server's side
is tests/app/test_server.py): new settings, hosts, relative redirects, HEAD, headers, cookie."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.main import create_app
from app.middleware import PERMISSIONS_POLICY, AllowedHosts, host_of, relative_location
from app.server import Timeouts
from app.settings import Settings, load_settings

PLANE = [[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(max_body_bytes=10_000)))


# Settings


def test_the_new_settings_and_their_defaults() -> None:
    settings = Settings()
    assert settings.allowed_hosts == "*"
    assert Timeouts.of(settings) == Timeouts(header=10.0, body=20.0, send=20.0)


def test_the_new_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSCOPE_REQUEST_HEADER_TIMEOUT", "5")
    monkeypatch.setenv("CONVSCOPE_REQUEST_BODY_TIMEOUT", "7.5")
    monkeypatch.setenv("CONVSCOPE_SEND_TIMEOUT", "30")
    monkeypatch.setenv("CONVSCOPE_ALLOWED_HOSTS", "convscope.example.edu *.example.edu")
    settings = load_settings()
    assert Timeouts.of(settings) == Timeouts(header=5.0, body=7.5, send=30.0)
    assert settings.allowed_hosts == "convscope.example.edu *.example.edu"


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("REQUEST_HEADER_TIMEOUT", "soon", "CONVSCOPE_REQUEST_HEADER_TIMEOUT='soon' must be a number"),
        ("REQUEST_BODY_TIMEOUT", "0", "CONVSCOPE_REQUEST_BODY_TIMEOUT='0' must be greater than 0"),
        ("SEND_TIMEOUT", "inf", "CONVSCOPE_SEND_TIMEOUT='inf' must be greater than 0"),
        ("ALLOWED_HOSTS", "", "CONVSCOPE_ALLOWED_HOSTS must name at least one host"),
        ("ALLOWED_HOSTS", "* a.example", "CONVSCOPE_ALLOWED_HOSTS: '\\*' allows every host"),
        ("ALLOWED_HOSTS", "a.example:8000", "CONVSCOPE_ALLOWED_HOSTS: 'a.example:8000' is not a host"),
        ("ALLOWED_HOSTS", "https://a.example", "is not a host"),
        ("ALLOWED_HOSTS", "a.example/path", "is not a host"),
        ("ALLOWED_HOSTS", "a.*.example", "is not a host"),
        ("ALLOWED_HOSTS", "a.example\r\nX: 1", "is not a host"),
    ],
)
def test_bad_new_settings_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, words: str
) -> None:
    monkeypatch.setenv(f"CONVSCOPE_{name}", raw)
    with pytest.raises(ValueError, match=words):
        load_settings()


# Hosts


@pytest.mark.parametrize(
    ("header", "host"),
    [("Example.edu:8000", "example.edu"), ("[::1]:8000", "[::1]"), ("[::1]", "[::1]"), ("a.b", "a.b")],
)
def test_the_host_of_a_host_header(header: str, host: str) -> None:
    assert host_of(header) == host


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        ("convscope.example.edu", True),
        ("CONVSCOPE.example.edu:443", True),
        ("eu.convscope.test", True),
        ("a.b.convscope.test", True),
        ("[::1]:8000", True),
        ("convscope.test", False),  # "*.x" is the subdomains of x, as in Starlette
        ("convscope.example.edu.evil.example", False),
        ("evilconvscope.test", False),
        ("evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_allowed_host_patterns(header: str | None, allowed: bool) -> None:
    guard = AllowedHosts(create_app(), "convscope.example.edu *.convscope.test [::1]")
    assert guard.allows(header) is allowed


def test_any_host_by_default(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Host": "anything.example"}).status_code == 200


def test_another_host_is_a_json_400_with_the_headers() -> None:
    guarded = TestClient(create_app(Settings(allowed_hosts="convscope.example.edu")))
    assert guarded.get("/healthz", headers={"Host": "convscope.example.edu"}).status_code == 200
    refused = guarded.get("/api/architectures", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid_host"
    assert error["field"] is None
    assert "'evil.example'" in error["message"]
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert refused.headers["permissions-policy"] == PERMISSIONS_POLICY


# Redirects


@pytest.mark.parametrize(
    ("location", "relative"),
    [
        ("http://evil.example/conv", "/conv"),
        ("https://evil.example:8443/conv?lang=zh#x", "/conv?lang=zh#x"),
        ("http://evil.example", "/"),
        ("//evil.example/conv", "/conv"),
        ("/\\evil.example/conv", "/evil.example/conv"),
        ("http://evil.example//other.example/x", "/other.example/x"),
        ("/conv", "/conv"),
        ("/conv?lang=en", "/conv?lang=en"),
    ],
)
def test_redirect_targets_become_paths(location: str, relative: str) -> None:
    assert relative_location(location) == relative


@pytest.mark.parametrize("path", ["/conv/", "/api/architectures/", "/embed/conv/"])
def test_trailing_slash_redirects_name_no_host(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == path.rstrip("/")


# HEAD


def get_paths() -> list[str]:
    """Every GET route of the app, path parameters filled in with a valid value."""
    fills = {"{name}": "lenet5", "{slug}": "conv"}
    paths = []
    for route in create_app().routes:
        if isinstance(route, APIRoute) and "GET" in route.methods:
            path = route.path
            for param, value in fills.items():
                path = path.replace(param, value)
            assert "{" not in path, route.path
            paths.append(path)
    return paths


@pytest.mark.parametrize("path", get_paths())
def test_every_get_route_answers_head_without_a_body(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert get.status_code == 200, path
    assert head.status_code == 200, path
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if "content-length" in get.headers:
        assert head.headers["content-length"] == get.headers["content-length"]


def test_head_of_a_post_route_is_still_405(client: TestClient) -> None:
    response = client.head("/api/max-pool2d")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# Permissions-Policy


RESPONSES: dict[str, tuple[str, str, dict[str, Any], int]] = {
    "page": ("GET", "/conv", {}, 200),
    "embed": ("GET", "/embed/conv", {}, 200),
    "api json": ("POST", "/api/max-pool2d", {"json": {"input": PLANE, "kernel_size": 2}}, 200),
    "api stream": ("POST", "/api/max-pool2d/frames", {"json": {"input": PLANE, "kernel_size": 2}}, 200),
    "api 422": ("POST", "/api/max-pool2d", {"json": {"input": PLANE, "kernel_size": 0}}, 422),
    "body guard 413": ("POST", "/api/max-pool2d", {"content": b"[" * 20_000}, 413),
    "unknown 404": ("GET", "/no/such/thing", {}, 404),
    "static file": ("GET", "/static/js/player.js", {}, 200),
    "redirect": ("GET", "/conv/", {"follow_redirects": False}, 307),
    "healthz": ("GET", "/healthz", {}, 200),
}


@pytest.mark.parametrize("kind", list(RESPONSES))
def test_every_kind_of_response_denies_the_powerful_features(client: TestClient, kind: str) -> None:
    method, path, options, status = RESPONSES[kind]
    response = client.request(method, path, **options)
    assert response.status_code == status
    assert response.headers.get_list("permissions-policy") == [PERMISSIONS_POLICY]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "midi"):
        assert f"{feature}=()" in PERMISSIONS_POLICY
    assert "clipboard-write" not in PERMISSIONS_POLICY  # the share button copies the page's link


# The language cookie


@pytest.mark.parametrize(("base_url", "secure"), [("https://testserver", True), ("http://testserver", False)])
def test_the_language_cookie_is_secure_over_https(base_url: str, secure: bool) -> None:
    browser = TestClient(create_app(), base_url=base_url)
    cookie = browser.get("/conv", params={"lang": "zh"}).headers["set-cookie"].lower()
    assert cookie.startswith("convscope_lang=zh")
    assert ("; secure" in cookie) is secure
    assert "samesite=lax" in cookie
