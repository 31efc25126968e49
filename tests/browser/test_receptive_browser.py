"""/receptive-field in Chromium: clean loads, the layer editor and the URL, a clicked unit's field."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def api(page: Any, body: dict[str, Any]) -> dict[str, Any]:
    """POST /api/receptive-field from the page's own origin."""
    response = page.request.post(
        page.url.split("/receptive-field")[0].split("/embed")[0] + "/api/receptive-field",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.ok, response.text()
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/receptive-field", "/embed/receptive-field"])
def test_receptive_loads_cleanly_and_is_photographed(
    open_page: Any, helpers: Any, path: str, lang: str
) -> None:
    for _, page in helpers.open_at_sizes(open_page, path, lang, "&step=2", ready="[data-grid=effective]"):
        text = helpers.narration(page)
        if lang == "zh":
            assert "经过第 3 层后" in text
            assert not helpers.english_leftovers(page)
        else:
            assert "After layer 3" in text
            assert "6×6 input pixels" in text


def test_keyboard_steps_through_the_layers(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/receptive-field?lang=en")
    helpers.wait_for_scene(page)
    first, second, last = helpers.step_first_next_last(page)
    assert "After layer 1" in first
    assert "3×3 input pixels" in first
    assert "After layer 2" in second
    assert "5×5 input pixels" in second
    assert "After layer 3" in last
    assert "jump 2" in last
    problems.assert_none()


def test_layer_editor_round_trips_through_the_url(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/receptive-field?lang=en")
    helpers.wait_for_scene(page)
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
    result = api(
        page,
        {
            "input_size": 40,
            "layers": [
                {"type": "conv", "kernel_size": 3, "stride": 2, "padding": 1},
                {"type": "pool", "kernel_size": 2, "stride": 2},
                {"type": "pool", "kernel_size": 2, "stride": 2},
                {"type": "conv", "kernel_size": 3, "padding": 1, "dilation": 2},
            ],
        },
    )
    last_row = page.locator("tr[data-layer='3'] td").all_text_contents()
    field = result["layers"][3]["receptive_field"]
    assert last_row[4] == f"{field}×{field}"
    assert last_row[5] == str(result["layers"][3]["jump"])
    page.locator("[data-remove='2']").click()
    helpers.wait_for_scene(page)
    assert "layers=c3s2p1_p2s2p0_c3s1p1d2" in page.url
    expected = helpers.scene_state(page)
    other_problems = helpers.assert_url_round_trip(page, open_page, expected)
    problems.assert_none()
    other_problems.assert_none()


def test_a_stack_that_does_not_fit_is_cut_back(open_page: Any, helpers: Any) -> None:
    page, problems = open_page(
        "/receptive-field?lang=en&size=6&layers=c3s1p0_c3s1p0_c3s1p0_c3s1p0&unit=9-9-9"
    )
    helpers.wait_for_scene(page)
    assert page.evaluate("() => window.convscope.scene.player.count") == 2
    assert "unit=" not in page.url
    assert "dropped" in page.locator("#rf-dropped").text_content()
    problems.assert_none()


@pytest.mark.parametrize(("layer", "y", "x"), [(1, 3, 4), (2, 0, 0), (0, 5, 2)])
def test_clicking_a_unit_draws_the_api_field(
    open_page: Any, helpers: Any, layer: int, y: int, x: int
) -> None:
    page, problems = open_page("/receptive-field?lang=en")
    helpers.wait_for_scene(page)
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
    result = api(
        page,
        {
            "input_size": 16,
            "layers": [
                {"type": "conv", "kernel_size": 3, "padding": 1},
                {"type": "conv", "kernel_size": 3, "padding": 1},
                {"type": "pool", "kernel_size": 2, "stride": 2},
            ],
            "unit": {"layer": layer, "y": y, "x": x},
        },
    )
    shown = page.evaluate("() => window.convscope.shownBox()")
    assert shown == result["unit"]["input_box"]
    field = result["layers"][layer]["receptive_field"]
    assert shown["bottom"] - shown["top"] + 1 == field
    assert shown["right"] - shown["left"] + 1 == field
    helpers.screenshot(page, f"receptive-field-en-unit-{layer}-{y}-{x}")
    problems.assert_none()
