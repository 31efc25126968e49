"""/transposed in Chromium: clean loads, keyboard stepping through scatter and bias, URL state,
the output_padding limit, and the backward-of-a-convolution panel agreeing with the output."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/transposed", "/embed/transposed"])
def test_transposed_loads_cleanly(open_page: Any, helpers: Any, path: str, lang: str) -> None:
    for _, page in helpers.open_at_sizes(open_page, path, lang, "&cin=2&cout=2&groups=2"):
        assert page.locator("#formula math").count() == 1
        # The convolution's input gradient equals this output before bias, every cell.
        assert page.locator("#backward-verdict").get_attribute("data-match") == "all"
        if lang == "zh":
            assert "scattered" not in helpers.narration(page)


def test_keyboard_steps_through_scatter_and_bias(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/transposed?lang=en")
    # Padding 1 crops the top-left taps of the first value.
    first, second, last = helpers.step_first_next_last(page, first_has=("cropped border",))
    assert first.startswith("Input x[0, 0, 0] = ")
    assert second.startswith("Input x[0, 0, 1] = ")
    assert last.startswith("Bias of output channel 0:")
    # The formula's numbers and the server's size: (3-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 6.
    assert page.locator("#formula math").text_content().replace(" ", "").endswith("=6")
    helpers.screenshot(page, "transposed-en-after-keys")
    problems.assert_none()


def test_output_padding_is_limited_by_stride_or_dilation(open_scene: Any) -> None:
    page, problems = open_scene("/transposed?lang=en&stride=2&op=4")
    assert page.locator("[data-control=op]").input_value() == "1"
    why = page.locator("#ctl-op-why").text_content()
    assert "smaller than the stride (2) or the dilation (1)" in why
    # Through the dilation output padding may reach the stride; the backward panel still agrees.
    other, other_problems = open_scene("/transposed?lang=en&stride=1&dil=3&op=2")
    assert other.locator("[data-control=op]").input_value() == "2"
    assert other.locator("#backward-verdict").get_attribute("data-match") == "all"
    problems.assert_none()
    other_problems.assert_none()


def test_every_transposed_control_round_trips_through_the_url(
    open_scene: Any, open_page: Any, helpers: Any
) -> None:
    page, problems = open_scene("/transposed?lang=en")
    settings = "size=4&cin=2&xkind=binary&seed=5&cout=2&groups=2&wkind=int&k=2&p=0&stride=3&dil=2&op=2&zoom=2"
    expected = helpers.set_controls_and_step(page, settings, {"bias": False})
    assert expected["bias"] is False
    assert helpers.narration(page).startswith("Input x[0, 0, 1] = ")
    helpers.assert_url_round_trip(page, open_page, expected, problems)


def test_chinese_transposed_shows_no_english_interface_words(open_scene: Any, helpers: Any) -> None:
    for path in ("/transposed?lang=zh&cin=2&cout=2&stride=1&dil=2&op=1", "/embed/transposed?lang=zh"):
        page, problems = open_scene(path)
        page.keyboard.press("End")
        leftover = helpers.english_leftovers(page)
        assert not leftover, f"{path}: {sorted(leftover)}"
        problems.assert_none()
