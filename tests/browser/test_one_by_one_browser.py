"""/one-by-one in Chromium: channel mixing at one pixel, the inception and bottleneck calculators."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

MIX = {"size": 3, "cin": 4, "cout": 2, "seed": 1}


def mix_request(size: int, cin: int, cout: int, seed: int, act: str = "relu") -> dict[str, Any]:
    """The page's request, for the plain conv2d endpoint."""
    return {
        "input": {"shape": [cin, size, size], "kind": "integers", "seed": seed, "low": -3, "high": 3},
        "weight": {"shape": [cout, cin, 1, 1], "kind": "integers", "seed": seed + 1, "low": -2, "high": 2},
        "activation": act,
    }


def shown(value: float) -> str:
    """A number as the page writes it: integers exact, a true minus sign."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace("-", "\u2212")


def design_cells(page: Any) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = page.eval_on_selector_all(
        "#obo-designs tbody tr",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.design, Object.fromEntries("
        "[...r.querySelectorAll('td')].map(td => [td.dataset.col, td.textContent]))]))",
    )
    return rows


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/one-by-one", "/embed/one-by-one"])
def test_loads_cleanly_and_is_photographed(open_page: Any, helpers: Any, path: str, lang: str) -> None:
    says = {"zh": ["第 0 行第 0 列的像素"], "en": ["Pixel row 0, column 0"]}
    for _, page in helpers.open_at_sizes(
        open_page, path, lang, ready="#obo-designs tbody tr", says=says, no_english=True
    ):
        assert page.locator("[data-grid=matrix]").count() == 1
        assert page.locator("[data-grid^=output-]").count() == 2


def test_keyboard_steps_pixels_and_the_numbers_are_the_apis(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/one-by-one?lang=en")
    first, second, last = helpers.step_first_next_last(page)
    result = helpers.post_api(page, "/api/conv2d", mix_request(**MIX))
    pre, out = result["pre_activation"], result["output"]
    x = result["inputs"]["input"]
    for text, (y, col) in ((first, (0, 0)), (second, (0, 1)), (last, (2, 2))):
        assert f"Pixel row {y}, column {col}:" in text
        assert f"({', '.join(shown(x[c][y][col]) for c in range(4))})" in text
        assert f"give {', '.join(shown(pre[o][y][col]) for o in range(2))};" in text
        assert f"after ReLU: {', '.join(shown(out[o][y][col]) for o in range(2))}." in text
    assert page.evaluate("() => window.convscope.scene.player.count") == 9
    # The output grids fill pixel by pixel: at the last step every value is drawn.
    helpers.blur_and_press(page, "End")
    assert page.locator("#formula math").count() == 1
    helpers.screenshot(page, "one-by-one-en-last-pixel")
    problems.assert_none()


def test_one_output_value_per_step(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/one-by-one?lang=en&by=value&act=none")
    assert page.evaluate("() => window.convscope.scene.player.count") == 18
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 3: pixel (0, 1), output channel 1
    result = helpers.post_api(page, "/api/conv2d", mix_request(**MIX, act="none"))
    text = helpers.narration(page)
    assert "Pixel row 0, column 1, output channel 1:" in text
    w = result["inputs"]["weight"]
    x = result["inputs"]["input"]
    terms = " + ".join(
        f"{shown(w[1][c][0][0]) if w[1][c][0][0] >= 0 else '(' + shown(w[1][c][0][0]) + ')'}"
        f"×{shown(x[c][0][1]) if x[c][0][1] >= 0 else '(' + shown(x[c][0][1]) + ')'}"
        for c in range(4)
    )
    assert f"{terms} = {shown(result['output'][1][0][1])}." in text
    assert page.locator("#detail .is-current").count() == 1
    problems.assert_none()


def test_every_control_round_trips_through_the_url(open_scene: Any, open_page: Any, helpers: Any) -> None:
    page, problems = open_scene("/one-by-one?lang=en")
    settings = (
        "size=4&cin=3&seed=7&cout=5&act=none&by=value"  # the mixing
        "&h=14&w=10&c=480&k5=3&b1=192&b3r=90&b3=208&b5r=20&b5=48&bp=64"  # the inception calculator
        "&rs=28&rc=512&rb=128"  # the bottleneck
    )
    expected = helpers.set_controls_and_step(page, settings, {"bias": True, "proj": False}, steps=2)
    assert expected["bias"] is True
    assert expected["proj"] is False
    assert expected["reduce"] is True
    assert page.locator("[data-control=bp]").is_disabled()
    assert "expanded to 5" in page.locator(".part-output .grid-note").text_content()
    assert page.locator("[data-grid=vector-b]").count() == 1
    assert "step=2" in page.url
    helpers.assert_url_round_trip(page, open_page, expected, problems)


def test_calculator_defaults_are_the_curriculums(open_scene: Any) -> None:
    page, problems = open_scene("/one-by-one?lang=en")
    rows = design_cells(page)
    assert [rows[d]["weights"] for d in ("naive", "reduced", "reduced_projected")] == [
        "387,072",
        "157,184",
        "163,328",
    ]
    assert [rows[d]["channels"] for d in ("naive", "reduced", "reduced_projected")] == ["416", "416", "256"]
    assert rows["reduced"]["ratio"] == "0.41"
    assert page.locator("#obo-designs tr.is-current").get_attribute("data-design") == "reduced_projected"
    assert "64 + 128 + 32 + 32 = 256 channels" in page.locator("#obo-concat").text_content()
    assert "1×1×192×64 = 12,288 weights" in page.locator("[data-layer='1x1']").text_content()
    assert "3×3×96×128 = 110,592 weights" in page.locator("[data-layer='3x3']").text_content()
    assert "18,432 + 110,592 = 129,024 weights" in page.locator("[data-branch='3x3']").text_content()
    assert "69,632 against 1,179,648" in page.locator("#obo-neck-ratio").text_content()
    problems.assert_none()


def test_editing_a_branch_updates_from_the_api_and_keeps_the_step(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/one-by-one?lang=en")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    said = helpers.narration(page)
    helpers.set_controls(page, [("b3", "192"), ("b5r", "24")])
    helpers.wait_for_scene(page)
    assert "b3=192" in page.url
    assert page.evaluate("() => window.convscope.scene.player.step") == 2  # the mixing did not move
    assert helpers.narration(page) == said
    body = {"ch3x3": 192, "ch5x5red": 24}
    result = helpers.post_api(page, "/api/inception", body)
    rows = design_cells(page)
    for design in result["designs"]:
        cells = rows[design["design"]]
        assert cells["weights"] == f"{design['weights']:,}"
        assert cells["channels"] == str(design["output_channels"])
        assert cells["macs"] == f"{design['macs']:,}"
    module = result["module"]
    assert page.locator("#obo-totals").get_attribute("data-weights") == str(module["weights"])
    assert f"= {module['output_channels']} channels" in page.locator("#obo-concat").text_content()
    # Reductions off: the naive module, the reduction boxes greyed and their counts disabled.
    page.locator("[data-control=reduce]").uncheck()
    helpers.wait_for_scene(page)
    naive = helpers.post_api(page, "/api/inception", {**body, "use_reductions": False})["module"]
    assert page.locator("#obo-totals").get_attribute("data-weights") == str(naive["weights"])
    assert page.locator("[data-layer='3x3_reduce']").get_attribute("class").endswith("is-off")
    assert page.locator("[data-control=b3r]").is_disabled()
    # Reductions off, projection on: not one of the three designs, so the table adds it.
    assert page.locator("#obo-designs tr.is-current").get_attribute("data-design") == "yours"
    assert design_cells(page)["yours"]["weights"] == f"{naive['weights']:,}"
    page.locator("[data-control=proj]").uncheck()
    helpers.wait_for_scene(page)
    assert page.locator("#obo-designs tr.is-current").get_attribute("data-design") == "naive"
    assert page.locator("#obo-designs tr[data-design=yours]").count() == 0
    assert "64 + 192 + 32 + 192 = 480 channels" in page.locator("#obo-concat").text_content()
    helpers.screenshot(page, "one-by-one-en-no-reductions")
    problems.assert_none()


def test_embed_has_no_navigation(open_scene: Any) -> None:
    page, problems = open_scene("/embed/one-by-one?lang=en&cout=6")
    assert page.locator("nav").count() == 0
    assert page.locator("#embed-open").get_attribute("href").startswith("/one-by-one")
    assert "reduced to" not in page.locator(".part-output .grid-note").text_content()
    assert "expanded to 6" in page.locator(".part-output .grid-note").text_content()
    assert design_cells(page)["reduced_projected"]["weights"] == "163,328"
    problems.assert_none()
