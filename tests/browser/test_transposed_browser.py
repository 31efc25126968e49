"""/transposed in Chromium: clean loads, keyboard stepping through scatter and bias, URL state,
the output_padding limit, and the backward-of-a-convolution panel agreeing with the output."""

from __future__ import annotations

import re
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
@pytest.mark.parametrize("path", ["/transposed", "/embed/transposed"])
def test_transposed_loads_cleanly(open_page: Any, helpers: Any, path: str, lang: str) -> None:
    for label, size in (("desktop", (1280, 860)), ("phone", PHONE)):
        page, problems = open_page(f"{path}?lang={lang}&cin=2&cout=2&groups=2", *size)
        helpers.wait_for_scene(page)
        name = path.strip("/").replace("/", "-")
        helpers.screenshot(page, f"{name}-{lang}-{label}")
        problems.assert_none()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {label} viewport"
        assert page.locator("#formula math").count() == 1
        # The convolution's input gradient equals this output before bias, every cell.
        assert page.locator("#backward-verdict").get_attribute("data-match") == "all"
        if lang == "zh":
            assert "scattered" not in page.locator("#narration").text_content()


def test_keyboard_steps_through_scatter_and_bias(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/transposed?lang=en")
    helpers.wait_for_scene(page)
    narration = page.locator("#narration")
    first = narration.text_content()
    assert first.startswith("Input x[0, 0, 0] = ")
    assert "cropped border" in first  # padding 1 crops the top-left taps of the first value
    page.keyboard.press("ArrowRight")
    second = narration.text_content()
    assert second.startswith("Input x[0, 0, 1] = ")
    assert "step=1" in page.url
    page.keyboard.press("ArrowLeft")
    assert narration.text_content() == first
    page.keyboard.press("End")
    assert narration.text_content().startswith("Bias of output channel 0:")
    page.keyboard.press("Home")
    assert narration.text_content() == first
    # The formula's numbers and the server's size: (3-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 6.
    assert page.locator("#formula math").text_content().replace(" ", "").endswith("=6")
    helpers.screenshot(page, "transposed-en-after-keys")
    problems.assert_none()


def test_output_padding_is_limited_by_stride_or_dilation(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/transposed?lang=en&stride=2&op=4")
    helpers.wait_for_scene(page)
    assert page.locator("[data-control=op]").input_value() == "1"
    why = page.locator("#ctl-op-why").text_content()
    assert "smaller than the stride (2) or the dilation (1)" in why
    # Through the dilation output padding may reach the stride; the backward panel still agrees.
    other, other_problems = open_page("/transposed?lang=en&stride=1&dil=3&op=2")
    helpers.wait_for_scene(other)
    assert other.locator("[data-control=op]").input_value() == "2"
    assert other.locator("#backward-verdict").get_attribute("data-match") == "all"
    problems.assert_none()
    other_problems.assert_none()


def test_every_transposed_control_round_trips_through_the_url(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/transposed?lang=en")
    helpers.wait_for_scene(page)
    settings = [
        ("size", "4"),
        ("cin", "2"),
        ("xkind", "binary"),
        ("seed", "5"),
        ("cout", "2"),
        ("groups", "2"),
        ("wkind", "int"),
        ("k", "2"),
        ("p", "0"),
        ("stride", "3"),
        ("dil", "2"),
        ("op", "2"),
        ("zoom", "2"),
    ]
    for name, value in settings:
        control = page.locator(f"[data-control={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
            control.press("Tab")
    page.locator("[data-control=bias]").uncheck()
    helpers.wait_for_scene(page)
    page.evaluate("() => document.activeElement.blur()")  # arrows on a focused select change it
    page.keyboard.press("ArrowRight")
    expected = scene_state(page)
    for name, value in settings:
        assert expected[name] == value, name
    assert expected["bias"] is False
    narration = page.locator("#narration").text_content()
    assert narration.startswith("Input x[0, 0, 1] = ")
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


def test_chinese_transposed_shows_no_english_interface_words(open_page: Any, helpers: Any) -> None:
    en, zh = helpers.load_table("en"), helpers.load_table("zh")

    def words(text: str) -> set[str]:
        return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}

    english_only = words(" ".join(en.values())) - words(" ".join(zh.values()))
    for path in ("/transposed?lang=zh&cin=2&cout=2&stride=1&dil=2&op=1", "/embed/transposed?lang=zh"):
        page, problems = open_page(path)
        helpers.wait_for_scene(page)
        page.keyboard.press("End")
        shown = page.evaluate(
            "() => document.body.innerText + ' ' + [...document.querySelectorAll('[aria-label],[title]')]"
            ".map(e => (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || ''))"
            ".join(' ')"
            " + ' ' + [...document.querySelectorAll('option')].map(o => o.textContent).join(' ')"
        )
        shown = re.sub(r"<iframe.*?</iframe>|https?://\S+", " ", shown)
        leftover = words(shown) & english_only
        assert not leftover, f"{path}: {sorted(leftover)}"
        problems.assert_none()
