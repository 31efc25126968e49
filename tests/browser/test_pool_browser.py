"""/pool in Chromium: clean loads, keyboard stepping, URL state, the backward pass, the shift comparison."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def scene_state(page: Any) -> dict[str, Any]:
    values: dict[str, Any] = page.eval_on_selector_all(
        "[data-control]",
        "els => Object.fromEntries(els.map(e =>"
        " [e.dataset.control, e.type === 'checkbox' ? e.checked : e.value]))",
    )
    return values


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/pool", "/embed/pool"])
def test_pool_loads_cleanly_and_is_photographed(open_page: Any, helpers: Any, path: str, lang: str) -> None:
    for label, (width, height) in (("desktop", (1280, 860)), ("phone", (390, 844))):
        page, problems = open_page(f"{path}?lang={lang}&shift=right", width, height)
        helpers.wait_for_scene(page)
        page.wait_for_selector("[data-grid=pooled-shifted-0]")
        name = path.strip("/").replace("/", "-")
        helpers.screenshot(page, f"{name}-{lang}-{label}")
        problems.assert_none()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {label} viewport"
        if lang == "zh":
            narration = page.locator("#narration").text_content()
            assert "通道" in narration
            assert "channel" not in narration.lower()


def test_keyboard_steps_the_pool_narration(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/pool?lang=en")
    helpers.wait_for_scene(page)
    narration = page.locator("#narration")
    first = narration.text_content()
    assert "output row 0, column 0" in first
    assert "max(" in first
    assert "switch" in first
    page.keyboard.press("ArrowRight")
    second = narration.text_content()
    assert "output row 0, column 1" in second
    assert "step=1" in page.url
    page.keyboard.press("ArrowLeft")
    assert narration.text_content() == first
    page.keyboard.press("End")
    assert "output row 2, column 2" in narration.text_content()
    page.keyboard.press("Home")
    assert narration.text_content() == first
    helpers.screenshot(page, "pool-en-after-keys")
    problems.assert_none()


def test_every_pool_control_round_trips_through_the_url(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/pool?lang=en")
    helpers.wait_for_scene(page)
    settings: list[tuple[str, str]] = [
        ("mode", "avg"),
        ("size", "9"),
        ("cin", "2"),
        ("xkind", "int"),
        ("seed", "5"),
        ("k", "3"),
        ("stride", "2"),
        ("p", "1"),
        ("shift", "down"),
        ("zoom", "2"),
    ]
    for name, value in settings:
        control = page.locator(f"[data-control={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
            control.press("Tab")
    page.locator("[data-control=ceil]").check()
    page.locator("[data-control=cip]").uncheck()
    helpers.wait_for_scene(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expected = scene_state(page)
    for name, value in settings:
        assert expected[name] == value, name
    assert expected["ceil"] is True
    assert expected["cip"] is False
    narration = page.locator("#narration").text_content()
    assert "/" in narration  # the average's sum over its divisor
    url = page.url
    page.reload(wait_until="load")
    helpers.wait_for_scene(page)
    assert page.url == url
    assert scene_state(page) == expected
    assert page.locator("#narration").text_content() == narration
    parts = urlsplit(url)
    other, other_problems = open_page(f"{parts.path}?{parts.query}")
    helpers.wait_for_scene(other)
    assert scene_state(other) == expected
    problems.assert_none()
    other_problems.assert_none()


def test_padding_is_limited_to_half_the_window(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/pool?lang=en&k=3&p=3")
    helpers.wait_for_scene(page)
    assert page.locator("[data-control=p]").input_value() == "1"
    assert "half the window" in page.locator("#ctl-p-why").text_content()
    problems.assert_none()


def test_max_backward_adds_overlapping_gradients(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/pool?lang=en&dir=backward&k=3&stride=1&size=5")
    helpers.wait_for_scene(page)
    texts = []
    for _ in range(page.evaluate("() => window.convscope.scene.player.count")):
        texts.append(page.locator("#narration").text_content())
        page.keyboard.press("ArrowRight")
    assert all("goes only to its switch" in text for text in texts)
    # With stride 1 and a 3x3 window some switch is shared, and its gradients visibly add up.
    assert any("already there" in text for text in texts), texts
    helpers.screenshot(page, "pool-en-max-backward")
    problems.assert_none()


def test_avg_backward_spreads_shares(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/pool?lang=en&dir=backward&mode=avg&k=3&stride=1&size=4&p=1&step=1")
    helpers.wait_for_scene(page)
    text = page.locator("#narration").text_content()
    assert "spread evenly" in text
    assert "/ 9 =" in text
    assert "already there" in text  # the second window overlaps the first
    helpers.screenshot(page, "pool-en-avg-backward")
    problems.assert_none()


@pytest.mark.parametrize(("preset", "same"), [("keeps", True), ("changes", False)])
def test_the_digit_presets_show_the_map_staying_and_changing(
    open_page: Any, helpers: Any, preset: str, same: bool
) -> None:
    page, problems = open_page("/pool?lang=en")
    helpers.wait_for_scene(page)
    page.locator(f"[data-preset={preset}]").click()
    page.wait_for_selector("[data-grid=pooled-shifted-0]")
    helpers.wait_for_scene(page)
    verdict = page.locator("#compare-verdict").text_content()
    assert ("stayed the same" in verdict) is same, verdict
    assert "xkind=one" in page.url
    helpers.screenshot(page, f"pool-en-digit-{preset}")
    problems.assert_none()
