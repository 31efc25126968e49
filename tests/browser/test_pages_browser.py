"""The pages in Chromium: clean loads, keyboard stepping, URL state, Chinese, embeds, hovers."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/conv", "/embed/conv"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", PAGES)
def test_pages_load_cleanly_and_are_photographed(open_page: Any, helpers: Any, path: str, lang: str) -> None:
    helpers.check_at_sizes(open_page, path, lang)


def test_keyboard_steps_the_narration_forward_and_back(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/conv?lang=en")
    first, second, _ = helpers.step_first_next_last(
        page, first_has=("row 0, column 0",), second_has=("row 0, column 1",), last_has=("row 2, column 2",)
    )
    assert second != first
    speed = page.locator(".speed select")
    before = speed.input_value()
    page.keyboard.press("+")
    assert float(speed.input_value()) > float(before)
    page.keyboard.press("-")
    assert speed.input_value() == before
    page.keyboard.press(" ")  # play
    page.wait_for_function("() => window.convscope.scene.player.step > 0", timeout=5000)
    page.keyboard.press(" ")  # pause
    assert page.locator(".btn-play").get_attribute("aria-pressed") == "false"
    helpers.screenshot(page, "conv-en-after-keys")
    problems.assert_none()


def test_every_control_round_trips_through_the_url(open_scene: Any, open_page: Any, helpers: Any) -> None:
    page, problems = open_scene("/conv?lang=en")
    settings = (
        "size=9&cin=2&xkind=int&seed=7&cout=2&groups=2&wkind=floats"
        "&k=3&pmode=replicate&p=2&stride=2&dil=2&act=tanh&zoom=2"
    )
    expected = helpers.set_controls_and_step(page, settings, {"bias": False}, steps=2)
    assert expected["bias"] is False
    helpers.assert_url_round_trip(page, open_page, expected, problems)


def test_a_hand_edit_is_kept_in_the_url(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/conv?lang=en")
    canvas = page.locator("[data-grid=input-0] canvas")
    # Cell (1, 1): the grid has a 16px margin for its axis labels and 46px cells at this width.
    cell = page.evaluate("() => window.convscope.run.grids.inputGrids[0].cell")
    page.keyboard.press("ArrowRight")  # step 1 reads cell (1, 1) too; the edit must keep the step
    canvas.click(position={"x": 16 + cell * 1.5, "y": 16 + cell * 1.5})
    editor = page.locator(".cell-editor")
    editor.fill("7")
    editor.press("Enter")
    page.wait_for_function("() => /edits=/.test(location.search)")
    helpers.wait_for_scene(page)
    assert page.evaluate("() => window.convscope.run.input[0][1][1]") == 7
    assert page.evaluate("() => window.convscope.scene.player.step") == 1
    url = page.url
    page.reload(wait_until="load")
    helpers.wait_for_scene(page)
    assert page.url == url
    assert page.evaluate("() => window.convscope.run.input[0][1][1]") == 7
    assert "7×" in helpers.narration(page)
    problems.assert_none()


def test_impossible_settings_cannot_be_reached_and_the_limit_is_said(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/conv?lang=en")
    kernel = page.locator("[data-control=k]")
    kernel.fill("9")
    kernel.press("Tab")
    assert kernel.input_value() == "5"
    assert "padded input (5)" in page.locator("#ctl-k-why").text_content()
    # A stale link with an impossible kernel opens clamped, not broken.
    page2, problems2 = open_scene("/conv?lang=en&size=4&k=11&stride=2&pad=same")
    state = helpers.scene_state(page2)
    assert state["k"] == "4"
    assert state["pad"] == "number"
    problems.assert_none()
    problems2.assert_none()


def test_floor_leaves_rows_unvisited_and_says_so(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/conv?lang=en&size=6&stride=2")
    note = page.locator("#formula-note").text_content()
    assert "rounded down" in note
    assert "columns 5" in note
    assert "2.5" in note  # the engine's derivation, floor shown
    helpers.screenshot(page, "conv-en-floor")
    problems.assert_none()


def test_hover_maps_come_from_the_frames(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/conv?lang=en")
    cell = page.evaluate("() => window.convscope.run.grids.inputGrids[0].cell")
    # The centre input cell of a 5x5 input feeds all 9 outputs of a 3x3 kernel.
    page.locator("[data-grid=input-0] canvas").hover(position={"x": 16 + cell * 2.5, "y": 16 + cell * 2.5})
    assert "feeds 9 output values" in page.locator("#hover-info").text_content()
    page.locator("[data-grid=input-0] canvas").hover(position={"x": 16 + cell * 0.5, "y": 16 + cell * 0.5})
    assert "feeds 1 output values" in page.locator("#hover-info").text_content()
    page.locator("[data-grid=output-0] canvas").hover(position={"x": 16 + cell * 1.5, "y": 16 + cell * 0.5})
    assert "row 0, column 1" in page.locator("#hover-info").text_content()
    helpers.screenshot(page, "conv-en-hover-output")
    page.locator("[data-grid=kernel-0-0] canvas").hover(position={"x": 5, "y": 5})
    assert "multiplies" in page.locator("#hover-info").text_content()
    problems.assert_none()


def test_chinese_scene_shows_no_english_interface_words(open_page: Any, helpers: Any) -> None:
    for path in ("/conv?lang=zh&cin=2&cout=2&pad=full&pmode=zeros", "/embed/conv?lang=zh", "/?lang=zh"):
        page, problems = open_page(path)
        if "conv" in path:
            helpers.wait_for_scene(page)
            page.locator(".share-box summary").click()
        else:
            page.wait_for_selector("canvas[data-drawn]")
        leftover = helpers.english_leftovers(page)
        assert not leftover, f"{path}: {sorted(leftover)}"
        problems.assert_none()


def test_embed_has_no_navigation_and_frames_anywhere_while_the_site_does_not(
    browser: Any, server: str, helpers: Any, open_scene: Any, other_origin: Any
) -> None:
    page, problems = open_scene("/embed/conv?lang=en")
    assert page.locator("nav").count() == 0
    assert page.locator(".site-header").count() == 0
    assert page.locator("#embed-open").get_attribute("href").startswith("/conv")
    helpers.screenshot(page, "embed-conv-en-desktop-bare")
    problems.assert_none()
    # A page on another origin frames the embed (allowed) and the site page (refused).
    host_url = other_origin(
        f'<iframe name="embed" src="{server}/embed/conv?lang=en" width="900" height="600"></iframe>'
        f'<iframe name="site" src="{server}/conv?lang=en" width="900" height="600"></iframe>'
    )
    context = browser.new_context()
    host = context.new_page()
    host.goto(host_url, wait_until="load")
    embed = host.frame(name="embed")
    embed.wait_for_selector("#scene", timeout=10000)
    site = host.frame(name="site")
    assert site is None or site.locator("#scene").count() == 0
    context.close()


def test_share_button_gives_link_and_iframe_snippet(open_scene: Any) -> None:
    page, problems = open_scene("/conv?lang=en&size=6")
    page.locator(".share-box summary").click()
    page.wait_for_function("() => document.querySelector('textarea[data-share=link]').value.length > 0")
    link = page.locator("textarea[data-share=link]").input_value()
    snippet = page.locator("textarea[data-share=embed]").input_value()
    assert link.endswith("/conv?lang=en&size=6")
    assert snippet.startswith("<iframe")
    assert "/embed/conv?lang=en&amp;size=6" in snippet  # escaped, as an HTML attribute must be
    problems.assert_none()


def test_language_switch_keeps_the_scene_and_is_remembered(
    open_scene: Any, helpers: Any, server: str
) -> None:
    page, problems = open_scene("/conv?size=6&stride=2")
    page.keyboard.press("ArrowRight")
    page.locator("#lang-switch").click()
    page.wait_for_url("**lang=zh**")
    helpers.wait_for_scene(page)
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert "size=6" in page.url
    assert "step=1" in page.url
    assert "第 0 行第 1 列" in helpers.narration(page)
    # A page opened later without ?lang= comes in Chinese: the choice was remembered.
    page.goto(server + "/", wait_until="load")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    problems.assert_none()


def test_a_64_by_64_input_is_legible_with_zoom(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/conv?lang=en&size=64&xkind=digits")
    plain = page.evaluate("() => window.convscope.run.grids.inputGrids[0].cell")
    page.locator("[data-control=zoom]").select_option("2")
    helpers.wait_for_scene(page)
    zoomed = page.evaluate("() => window.convscope.run.grids.inputGrids[0].cell")
    assert zoomed >= 2 * plain - 1
    assert zoomed >= 24  # large enough for the grid to write each number in its cell
    page.keyboard.press("End")  # the last window is scrolled into view inside the zoomed box
    scrolled = page.evaluate("() => document.querySelector('[data-grid=input-0] .grid-scroll').scrollTop")
    assert scrolled > 0
    helpers.screenshot(page, "conv-en-64-zoom2-end")
    problems.assert_none()


def test_a_refusal_from_the_api_is_shown_to_the_learner(open_scene: Any) -> None:
    page, _ = open_scene("/conv?lang=en")
    body = '{"error": {"code": "invalid_value", "message": "stride 0 must be at least 1", "field": "stride"}}'
    page.route(
        "**/api/conv2d/frames",
        lambda route: route.fulfill(status=422, body=body, content_type="application/json"),
    )
    page.locator("[data-control=seed]").fill("5")
    page.locator("[data-control=seed]").press("Tab")
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "stride 0 must be at least 1" in error.text_content()
