"""/receptive-field in Chromium: clean loads, the layer editor and the URL, a clicked unit's field."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def conv(kernel: int, **options: int) -> dict[str, Any]:
    """A conv layer as the API takes it: the kernel size and the options that are not defaults."""
    return {"type": "conv", "kernel_size": kernel, **options}


POOL_2 = {"type": "pool", "kernel_size": 2, "stride": 2}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/receptive-field", "/embed/receptive-field"])
def test_receptive_loads_cleanly_and_is_photographed(
    open_page: Any, helpers: Any, path: str, lang: str
) -> None:
    says = {"zh": ["经过第 3 层后"], "en": ["After layer 3", "6×6 input pixels"]}
    helpers.check_at_sizes(
        open_page, path, lang, query="&step=2", ready="[data-grid=effective]", says=says, no_english=True
    )


def test_keyboard_steps_through_the_layers(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/receptive-field?lang=en")
    helpers.step_first_next_last(
        page,
        first_has=("After layer 1", "3×3 input pixels"),
        second_has=("After layer 2", "5×5 input pixels"),
        last_has=("After layer 3", "jump 2"),
    )
    problems.assert_none()


def test_layer_editor_round_trips_through_the_url(open_scene: Any, open_page: Any, helpers: Any) -> None:
    page, problems = open_scene("/receptive-field?lang=en")
    page.locator("[data-add=conv]").click()
    helpers.wait_for_scene(page)
    settings = [("size", "40"), ("c", "32"), ("l3-d", "2"), ("l0-s", "2")]
    helpers.set_controls(page, settings)
    helpers.wait_for_scene(page)
    page.locator("[data-control=l1-type]").select_option("pool")
    helpers.wait_for_scene(page)
    assert "layers=c3s2p1_p2s2p0_p2s2p0_c3s1p1d2" in page.url
    assert "size=40" in page.url
    assert "c=32" in page.url
    rule = page.locator("#formula").text_content()
    assert "27C² = 27,648 for C = 32" in rule  # 27 * 32 * 32
    assert "49C² = 50,176 for C = 32" in rule
    assert "fields 3 → 5 → 7" in rule  # the API's fields for three 3x3 layers
    helpers.blur_and_press(page, "End")
    expected = helpers.scene_state(page)
    assert expected["l1-type"] == "pool"
    assert expected["l3-d"] == "2"
    # The table shows the API's figures for the stack the URL describes.
    layers = [conv(3, stride=2, padding=1), POOL_2, POOL_2, conv(3, padding=1, dilation=2)]
    result = helpers.post_api(page, "/api/receptive-field", {"input_size": 40, "layers": layers})
    last_row = page.locator("tr[data-layer='3'] td").all_text_contents()
    field = result["layers"][3]["receptive_field"]
    assert last_row[4] == f"{field}×{field}"
    assert last_row[5] == str(result["layers"][3]["jump"])
    page.locator("[data-remove='2']").click()
    helpers.wait_for_scene(page)
    assert "layers=c3s2p1_p2s2p0_c3s1p1d2" in page.url
    expected = helpers.scene_state(page)
    helpers.assert_url_round_trip(page, open_page, expected, problems)


def test_a_stack_that_does_not_fit_is_cut_back(open_scene: Any) -> None:
    page, problems = open_scene(
        "/receptive-field?lang=en&size=6&layers=c3s1p0_c3s1p0_c3s1p0_c3s1p0&unit=9-9-9"
    )
    assert page.evaluate("() => window.convscope.scene.player.count") == 2
    assert "unit=" not in page.url
    assert "dropped" in page.locator("#rf-dropped").text_content()
    problems.assert_none()


@pytest.mark.parametrize(("layer", "y", "x"), [(1, 3, 4), (2, 0, 0), (0, 5, 2)])
def test_clicking_a_unit_draws_the_api_field(
    open_scene: Any, helpers: Any, layer: int, y: int, x: int
) -> None:
    page, problems = open_scene("/receptive-field?lang=en")
    canvas = page.locator(f"[data-grid=layer-{layer}] canvas")
    rect = canvas.evaluate(
        "(el, [j, y, x]) => { const box = el.getBoundingClientRect();"
        " const r = window.convscope.grids()[j].cellRect(y, x);"
        " return {x: r.left - box.left + r.size / 2, y: r.top - box.top + r.size / 2}; }",
        [layer + 1, y, x],
    )
    canvas.click(position=rect)
    page.wait_for_function(f"() => window.location.search.includes('unit={layer}-{y}-{x}')")
    helpers.wait_for_scene(page)
    assert f"step={layer}" in page.url or layer == 0
    assert f"unit ({y}, {x})" in helpers.narration(page)
    body = {"input_size": 16, "layers": [conv(3, padding=1), conv(3, padding=1), POOL_2]}
    result = helpers.post_api(
        page, "/api/receptive-field", {**body, "unit": {"layer": layer, "y": y, "x": x}}
    )
    shown = page.evaluate("() => window.convscope.shownBox()")
    assert shown == result["unit"]["input_box"]
    field = result["layers"][layer]["receptive_field"]
    assert shown["bottom"] - shown["top"] + 1 == field
    assert shown["right"] - shown["left"] + 1 == field
    helpers.screenshot(page, f"receptive-field-en-unit-{layer}-{y}-{x}")
    problems.assert_none()
