"""/backward in Chromium: clean loads, keyboard stepping through the three stages, URL state."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

PHONE = (390, 844)


def scene_state(page: Any) -> dict[str, Any]:
    values: dict[str, Any] = page.eval_on_selector_all(
        "[data-control]",
        "els => Object.fromEntries(els.map(e =>"
        " [e.dataset.control, e.type === 'checkbox' ? e.checked : e.value]))",
    )
    return values


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/backward", "/embed/backward"])
def test_backward_loads_cleanly(open_page: Any, helpers: Any, path: str, lang: str) -> None:
    for label, size in (("desktop", (1280, 860)), ("phone", PHONE)):
        page, problems = open_page(f"{path}?lang={lang}&pmode=reflect&p=1&stride=2", *size)
        helpers.wait_for_scene(page)
        name = path.strip("/").replace("/", "-")
        helpers.screenshot(page, f"{name}-{lang}-{label}")
        problems.assert_none()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {label} viewport"
        assert page.locator("math").count() >= 1


def test_keyboard_steps_through_the_three_stages(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/backward?lang=en")
    helpers.wait_for_scene(page)
    narration = page.locator("#narration")
    first = narration.text_content()
    assert first.startswith("Input gradient, channel 0, row 0, column 0:")
    page.keyboard.press("ArrowRight")
    second = narration.text_content()
    assert "row 0, column 1" in second
    assert "step=1" in page.url
    page.keyboard.press("ArrowLeft")
    assert narration.text_content() == first
    page.keyboard.press("End")
    assert narration.text_content().startswith("Bias gradient of output channel 0:")
    assert page.locator("math").first.text_content().startswith("∂b")
    # The stage buttons jump to each stage's first step.
    page.locator("[data-stage=grad_weight]").click()
    assert narration.text_content().startswith("Weight gradient W[0, 0, 0, 0]")
    assert page.locator("[data-stage=grad_weight]").get_attribute("aria-current") == "step"
    page.keyboard.press("Home")
    assert narration.text_content() == first
    helpers.screenshot(page, "backward-en-after-keys")
    problems.assert_none()


def test_copying_padding_folds_gradients_back(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/backward?lang=en&pmode=replicate&p=1")
    helpers.wait_for_scene(page)
    fold = page.evaluate("() => window.convscope.run.frames.findIndex(f => f.stage === 'grad_input_fold')")
    assert fold > 0
    page.evaluate(f"() => window.convscope.scene.player.go({fold})")
    text = page.locator("#narration").text_content()
    assert text.startswith("Fold: padding cell row -1, column -1")
    problems.assert_none()


def test_every_backward_control_round_trips_through_the_url(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/backward?lang=en")
    helpers.wait_for_scene(page)
    settings = [
        ("size", "7"),
        ("cin", "2"),
        ("xkind", "int"),
        ("seed", "5"),
        ("cout", "2"),
        ("groups", "2"),
        ("wkind", "int"),
        ("k", "2"),
        ("pmode", "circular"),
        ("p", "1"),
        ("stride", "2"),
        ("dil", "2"),
        ("gkind", "sign"),
        ("gseed", "9"),
        ("zoom", "2"),
    ]
    for name, value in settings:
        control = page.locator(f"[data-control={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
            control.press("Tab")
    helpers.wait_for_scene(page)
    page.evaluate("() => document.activeElement.blur()")  # arrows on a focused select change it
    page.keyboard.press("ArrowRight")
    expected = scene_state(page)
    for name, value in settings:
        assert expected[name] == value, name
    narration = page.locator("#narration").text_content()
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
