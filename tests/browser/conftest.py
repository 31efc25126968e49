"""Browser fixtures: the app served by uvicorn in a subprocess, Debian's Chromium through playwright.

Every page a test opens records console errors, page exceptions and failed requests, so a test
can assert that a page loaded cleanly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = (1280, 860)
PHONE = (390, 844)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Base URL of a fresh server; stopped (by its own process id) when the session ends."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the app did not start") from None
            time.sleep(0.1)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Problems:
    """What went wrong while a page was open."""

    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def assert_none(self) -> None:
        assert not self.console, self.console
        assert not self.failed, self.failed


def _failure(url: str, failure: str | None) -> str | None:
    """A failed request worth reporting, or None.

    net::ERR_ABORTED on an API request means the page cancelled it: every scene aborts the
    requests of a superseded setting when a newer one starts (scene.js's AbortController), and
    Chromium also reports a stream it read to its end that way (playwright issue #42742). Neither
    is a failure. A server fault shows as an HTTP status or another network error, and each test
    checks the final state it needs (every frame received, numbers equal to the API's), so a
    request cut short still fails its test. The favicon is Chromium's own request, not the page's:
    the browser drops it when the page navigates (a setting written to the URL and reloaded)
    before it arrives, which says nothing about the page either.
    """
    if failure and "ERR_ABORTED" in failure and ("/api/" in url or url.endswith("/static/favicon.svg")):
        return None
    return f"{url}: {failure}"


@pytest.fixture
def open_page(browser: Any, server: str) -> Iterator[Any]:
    """open_page(path, width=1280, height=860) -> (page, problems)."""
    contexts: list[Any] = []

    def opener(path: str, width: int = 1280, height: int = 860, **options: Any) -> tuple[Any, Problems]:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        problems = Problems()

        def on_console(message: Any) -> None:
            if message.type in ("error", "warning"):
                problems.console.append(f"{message.type}: {message.text}")

        def on_failed(request: Any) -> None:
            failure = _failure(request.url, request.failure)
            if failure:
                problems.failed.append(failure)

        def on_response(response: Any) -> None:
            if response.status >= 400:
                problems.failed.append(f"{response.status} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.console.append(f"exception: {error}"))
        page.on("requestfailed", on_failed)
        page.on("response", on_response)
        page.goto(server + path, wait_until="load")
        return page, problems

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def open_scene(open_page: Any) -> Callable[..., tuple[Any, Problems]]:
    """open_scene(path, width=1280, height=860) -> (page, problems), once the scene's frames are in."""

    def opener(path: str, *args: Any, **options: Any) -> tuple[Any, Problems]:
        page, problems = open_page(path, *args, **options)
        wait_for_scene(page)
        return page, problems

    return opener


def wait_for_scene(page: Any) -> None:
    """Until every frame of the scene has arrived and the narration speaks."""
    page.wait_for_function(
        "() => { const s = window.convscope && window.convscope.scene; const p = s && s.player;"
        " return p && !s.loading && p.count > 0 && p.available === p.count"
        " && document.getElementById('narration').textContent.length > 0; }",
        timeout=15000,
    )


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def load_table(lang: str) -> dict[str, str]:
    with (ROOT / "static" / "i18n" / f"{lang}.json").open(encoding="utf-8") as handle:
        table: dict[str, str] = json.load(handle)
    return table


@pytest.fixture(scope="session")
def other_origin() -> Iterator[Any]:
    """other_origin(html) -> URL of that page on a second server: another origin, to test framing."""
    import http.server
    import threading

    pages: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, b"not found")
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        path = f"/page{len(pages)}.html"
        pages[path] = html.encode()
        return f"http://127.0.0.1:{httpd.server_address[1]}{path}"

    yield publish
    httpd.shutdown()
    httpd.server_close()


def narration(page: Any) -> str:
    """The narration's text as the page shows it now."""
    text: str = page.locator("#narration").text_content()
    return text


def scene_state(page: Any) -> dict[str, Any]:
    """Every control's value as the page shows it."""
    values: dict[str, Any] = page.eval_on_selector_all(
        "[data-control]",
        "els => Object.fromEntries(els.map(e =>"
        " [e.dataset.control, e.type === 'checkbox' ? e.checked : e.value]))",
    )
    return values


def post_api(page: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST a JSON body to the API from the page's own origin; assert it was accepted; its answer."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    response = page.request.post(
        origin + path, data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert response.ok, response.text()
    result: dict[str, Any] = response.json()
    return result


def step_first_next_last(
    page: Any, first_has: Sequence[str] = (), second_has: Sequence[str] = (), last_has: Sequence[str] = ()
) -> tuple[str, str, str]:
    """Step with the keys: ArrowRight, ArrowLeft back, End, Home back; return the narrations at the
    first, the second and the last step. Asserts that the step is in the URL, that going back
    (one step, or Home) says again what the first step said, and that each narration holds every
    text given for it."""
    first = narration(page)
    page.keyboard.press("ArrowRight")
    second = narration(page)
    assert "step=1" in page.url
    page.keyboard.press("ArrowLeft")
    assert narration(page) == first
    page.keyboard.press("End")
    last = narration(page)
    page.keyboard.press("Home")
    assert narration(page) == first
    for text, needles in ((first, first_has), (second, second_has), (last, last_has)):
        for needle in needles:
            assert needle in text, (needle, text)
    return first, second, last


def set_controls(page: Any, settings: Sequence[tuple[str, str]]) -> None:
    """Choose each (control, value): a select by option, any other control by typing and Tab."""
    for name, value in settings:
        control = page.locator(f"[data-control={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
            control.press("Tab")


def blur_and_press(page: Any, key: str) -> None:
    """Press a key with nothing focused (arrows on a focused select would change it)."""
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press(key)


def assert_settings_shown(page: Any, settings: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Assert every control shows its chosen value; return every control's value."""
    state = scene_state(page)
    for name, value in settings:
        assert state[name] == value, name
    return state


def set_controls_and_step(
    page: Any,
    settings: str,
    checked: Mapping[str, bool] | None = None,
    steps: int = 1,
    shown: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Choose each setting of a query string ("size=9&k=3", in that order), tick or clear each
    checkbox of `checked`, wait for the new frames, then step `steps` times with nothing focused.
    Asserts every control shows its chosen value (or the value of `shown`, where the page writes it
    otherwise); returns every control's value."""
    chosen = parse_qsl(settings, keep_blank_values=True, strict_parsing=True)
    set_controls(page, chosen)
    for name, on in (checked or {}).items():
        page.locator(f"[data-control={name}]").set_checked(on)
    wait_for_scene(page)
    for _ in range(steps):
        blur_and_press(page, "ArrowRight")
    return assert_settings_shown(page, [(name, (shown or {}).get(name, value)) for name, value in chosen])


def assert_url_round_trip(page: Any, open_page: Any, expected: dict[str, Any], *clean: Problems) -> Problems:
    """Reloading the page, and opening its URL in a fresh tab, give the same controls and narration.

    Then asserts that the pages of `clean` and the fresh tab had no problems, if any were given;
    else returns the fresh tab's problems, for the caller to check with its own later.
    """
    said = narration(page)
    url = page.url
    page.reload(wait_until="load")
    wait_for_scene(page)
    assert page.url == url
    assert scene_state(page) == expected
    assert narration(page) == said
    # A shared copy of the link in a fresh tab gives the same scene.
    parts = urlsplit(url)
    other, other_problems = open_page(f"{parts.path}?{parts.query}")
    wait_for_scene(other)
    assert scene_state(other) == expected
    problems: Problems = other_problems
    if clean:
        for each in (*clean, problems):
            each.assert_none()
    return problems


def open_at_sizes(
    open_page: Any,
    path: str,
    lang: str,
    query: str = "",
    ready: str | None = None,
    says: Mapping[str, Sequence[str]] | None = None,
    no_english: bool = False,
) -> Iterator[tuple[str, Any]]:
    """Open path at desktop and phone width; wait for it, photograph it, check it loaded cleanly
    and sticks out nowhere sideways. Yields (label, page) for the caller's own checks, after
    checking that the narration holds each text of says[lang] and, with no_english, that a Chinese
    page shows no English interface words.

    The home page waits for its previews; a scene for its frames and then the `ready` selector.
    """
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        page, problems = open_page(f"{path}?lang={lang}{query}", width, height)
        if path == "/":
            page.wait_for_selector("canvas[data-drawn]")  # the previews draw after their API call
        else:
            wait_for_scene(page)
        if ready is not None:
            page.wait_for_selector(ready)
        name = re.sub(r"[^a-z]+", "-", path).strip("-") or "home"
        screenshot(page, f"{name}-{lang}-{label}")
        problems.assert_none()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {label} viewport"
        text = narration(page) if says else ""
        for needle in (says or {}).get(lang, ()):
            assert needle in text, (needle, text)
        if no_english and lang == "zh":
            assert not english_leftovers(page)
        yield label, page


def check_at_sizes(open_page: Any, path: str, lang: str, **options: Any) -> None:
    """open_at_sizes with no checks of the caller's own."""
    for _ in open_at_sizes(open_page, path, lang, **options):
        pass


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}


def english_leftovers(page: Any) -> set[str]:
    """Words of the English string table (and not of the Chinese) that the page shows.

    Looks at the body's text, aria-labels, titles and options. The share box holds the page's own
    URL and HTML snippet, which are code, not interface, so those are left out.
    """
    english_only = _words(" ".join(load_table("en").values())) - _words(" ".join(load_table("zh").values()))
    shown: str = page.evaluate(
        "() => document.body.innerText + ' ' + [...document.querySelectorAll('[aria-label],[title]')]"
        ".map(e => (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || ''))"
        ".join(' ')"
        " + ' ' + [...document.querySelectorAll('option')].map(o => o.textContent).join(' ')"
    )
    shown = re.sub(r"<iframe.*?</iframe>|https?://\S+", " ", shown)
    return _words(shown) & english_only


HELPERS = (
    wait_for_scene,
    screenshot,
    load_table,
    narration,
    scene_state,
    post_api,
    step_first_next_last,
    set_controls,
    blur_and_press,
    assert_settings_shown,
    set_controls_and_step,
    assert_url_round_trip,
    open_at_sizes,
    check_at_sizes,
    english_leftovers,
)


@pytest.fixture(scope="session")
def helpers() -> SimpleNamespace:
    """The helper functions above, by name (importlib mode cannot import conftest)."""
    return SimpleNamespace(**{helper.__name__: helper for helper in HELPERS})
