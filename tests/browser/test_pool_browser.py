"""/pool in Chromium: clean loads, keyboard stepping, URL state, the backward pass, the shift comparison."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/pool", "/embed/pool"])
def test_pool_loads_cleanly_and_is_photographed(open_page: Any, helpers: Any, path: str, lang: str) -> None:
    ready = "[data-grid=pooled-shifted-0]"
    for _, page in helpers.open_at_sizes(open_page, path, lang, "&shift=right", ready, says={"zh": ["通道"]}):
        if lang == "zh":
            assert "channel" not in helpers.narration(page).lower()


def test_keyboard_steps_the_pool_narration(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/pool?lang=en")
    helpers.step_first_next_last(
        page,
        first_has=("output row 0, column 0", "max(", "switch"),
        second_has=("output row 0, column 1",),
        last_has=("output row 2, column 2",),
    )
    helpers.screenshot(page, "pool-en-after-keys")
    problems.assert_none()


def test_every_pool_control_round_trips_through_the_url(
    open_scene: Any, open_page: Any, helpers: Any
) -> None:
    page, problems = open_scene("/pool?lang=en")
    settings = "mode=avg&size=9&cin=2&xkind=int&seed=5&k=3&stride=2&p=1&shift=down&zoom=2"
    expected = helpers.set_controls_and_step(page, settings, {"ceil": True, "cip": False}, steps=2)
    assert expected["ceil"] is True
    assert expected["cip"] is False
    assert "/" in helpers.narration(page)  # the average's sum over its divisor
    helpers.assert_url_round_trip(page, open_page, expected, problems)


def test_padding_is_limited_to_half_the_window(open_scene: Any) -> None:
    page, problems = open_scene("/pool?lang=en&k=3&p=3")
    assert page.locator("[data-control=p]").input_value() == "1"
    assert "half the window" in page.locator("#ctl-p-why").text_content()
    problems.assert_none()


def test_max_backward_adds_overlapping_gradients(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/pool?lang=en&dir=backward&k=3&stride=1&size=5")
    texts = []
    for _ in range(page.evaluate("() => window.convscope.scene.player.count")):
        texts.append(helpers.narration(page))
        page.keyboard.press("ArrowRight")
    assert all("goes only to its switch" in text for text in texts)
    # With stride 1 and a 3x3 window some switch is shared, and its gradients visibly add up.
    assert any("already there" in text for text in texts), texts
    helpers.screenshot(page, "pool-en-max-backward")
    problems.assert_none()


def test_avg_backward_spreads_shares(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/pool?lang=en&dir=backward&mode=avg&k=3&stride=1&size=4&p=1&step=1")
    text = helpers.narration(page)
    assert "spread evenly" in text
    assert "/ 9 =" in text
    assert "already there" in text  # the second window overlaps the first
    helpers.screenshot(page, "pool-en-avg-backward")
    problems.assert_none()


@pytest.mark.parametrize(("preset", "same"), [("keeps", True), ("changes", False)])
def test_the_digit_presets_show_the_map_staying_and_changing(
    open_scene: Any, helpers: Any, preset: str, same: bool
) -> None:
    page, problems = open_scene("/pool?lang=en")
    page.locator(f"[data-preset={preset}]").click()
    page.wait_for_selector("[data-grid=pooled-shifted-0]")
    helpers.wait_for_scene(page)
    verdict = page.locator("#compare-verdict").text_content()
    assert ("stayed the same" in verdict) is same, verdict
    assert "xkind=one" in page.url
    helpers.screenshot(page, f"pool-en-digit-{preset}")
    problems.assert_none()
