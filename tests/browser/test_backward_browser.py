"""/backward in Chromium: clean loads, keyboard stepping through the three stages, URL state."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/backward", "/embed/backward"])
def test_backward_loads_cleanly(open_page: Any, helpers: Any, path: str, lang: str) -> None:
    for _, page in helpers.open_at_sizes(open_page, path, lang, "&pmode=reflect&p=1&stride=2"):
        assert page.locator("math").count() >= 1


def test_keyboard_steps_through_the_three_stages(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/backward?lang=en")
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


def test_copying_padding_folds_gradients_back(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/backward?lang=en&pmode=replicate&p=1")
    fold = page.evaluate("() => window.convscope.run.frames.findIndex(f => f.stage === 'grad_input_fold')")
    assert fold > 0
    page.evaluate(f"() => window.convscope.scene.player.go({fold})")
    assert helpers.narration(page).startswith("Fold: padding cell row -1, column -1")
    problems.assert_none()


def test_every_backward_control_round_trips_through_the_url(
    open_scene: Any, open_page: Any, helpers: Any
) -> None:
    page, problems = open_scene("/backward?lang=en")
    settings = (
        "size=7&cin=2&xkind=int&seed=5&cout=2&groups=2&wkind=int&k=2"
        "&pmode=circular&p=1&stride=2&dil=2&gkind=sign&gseed=9&zoom=2"
    )
    expected = helpers.set_controls_and_step(page, settings)
    helpers.assert_url_round_trip(page, open_page, expected, problems)
