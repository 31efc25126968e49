"""/architectures in Chromium: clean loads, the layer table and its totals, URL state, the FC panel."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def api(server: str, name: str, size: int | None = None) -> dict[str, Any]:
    query = f"?input_size={size}" if size else ""
    with urllib.request.urlopen(f"{server}/api/architectures/{name}{query}", timeout=10) as response:
        body: dict[str, Any] = json.load(response)
    return body


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/architectures", "/embed/architectures"])
def test_architectures_load_cleanly_and_are_photographed(
    open_page: Any, helpers: Any, path: str, lang: str
) -> None:
    sizes = helpers.open_at_sizes(
        open_page, path, lang, ready="#arch-fc li", says={"zh": ["参数"]}, no_english=True
    )
    for _, page in sizes:
        assert page.locator("#arch-table tbody tr").count() == 23  # VGG-16: the input and 22 layers
        assert page.locator("#arch-bars svg g[data-stage]").count() == 8
        assert page.locator("#arch-field svg path").count() == 1


def test_totals_and_fc6_come_from_the_api(open_scene: Any, server: str) -> None:
    for name in ("vgg16", "resnet50", "lenet5"):
        page, problems = open_scene(f"/architectures?lang=en&net={name}")
        page.wait_for_selector("#arch-fc li")
        expected = api(server, name)
        params = page.locator("[data-total=params]").text_content()
        macs = page.locator("[data-total=macs]").text_content()
        assert params == f"{expected['total_params']:,}"
        assert macs == f"{expected['total_macs']:,}"
        assert f"{expected['total_params']:,} parameters" in page.locator("#arch-totals").text_content()
        problems.assert_none()
    vgg = {layer["name"]: layer for layer in api(server, "vgg16")["layers"]}
    fc6 = vgg["fc6"]["config"]["in_features"] * vgg["fc6"]["config"]["out_features"]
    assert fc6 == 102_760_448
    assert f"{fc6:,} weights" in page.locator("#arch-fc").text_content()
    assert "2,049,000" in page.locator("#arch-fc").text_content()  # ResNet-50's one FC layer


def test_keyboard_steps_through_the_layers(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/architectures?lang=en")
    first, _, _ = helpers.step_first_next_last(
        page, second_has=("conv1_1", "1,792 parameters"), last_has=("fc8", "4,097,000 parameters")
    )
    assert first.startswith("Layer input")
    page.keyboard.press("End")
    assert page.locator("#arch-table tr.is-current th").text_content() == "fc8"
    problems.assert_none()


def test_every_control_round_trips_through_the_url(
    open_scene: Any, open_page: Any, helpers: Any, server: str
) -> None:
    page, problems = open_scene("/architectures?lang=en")
    expected = helpers.set_controls_and_step(page, "net=resnet50&size=320&view=blocks", steps=2)
    assert "net=resnet50" in page.url
    assert "size=320" in page.url
    assert "view=blocks" in page.url
    # One row per block: the stem's four rows, 16 bottlenecks, then avgpool and fc.
    assert page.locator("#arch-table tbody tr").count() == 4 + 16 + 2
    shown = page.locator("[data-total=params]").text_content()
    assert shown == f"{api(server, 'resnet50', 320)['total_params']:,}"
    helpers.screenshot(page, "architectures-en-resnet50-blocks")
    helpers.assert_url_round_trip(page, open_page, expected, problems)


def test_too_small_an_input_is_not_offered(open_scene: Any) -> None:
    page, problems = open_scene("/architectures?lang=en&net=alexnet&size=32")
    assert page.locator("[data-control=size]").input_value() == "default"
    assert page.locator("[data-control=size] option[value='32']").is_disabled()
    assert "at least 63×63" in page.locator("#ctl-size-why").text_content()
    problems.assert_none()
