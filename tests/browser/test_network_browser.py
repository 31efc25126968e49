"""/network in Chromium: clean loads in both languages and at three widths, a digit drawn with the
mouse classified as the API classifies the same picture, gallery digits, the unit links to /conv
and /pool, and the digit kept in the URL."""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

API = "/api/networks/tinyvgg"


def query(page: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query, keep_blank_values=True).items()}


def origin(page: Any) -> str:
    return "{0.scheme}://{0.netloc}".format(urlsplit(page.url))


def shown_prediction(page: Any) -> int:
    return int(page.get_attribute("#net-prediction", "data-prediction"))


def wait_idle(page: Any) -> None:
    page.wait_for_function(
        "() => { const s = window.convscope.scene; return s.run && !s.loading"
        " && s.player.available === s.player.count; }"
    )


def draw_one(page: Any) -> None:
    """A vertical stroke down the middle of the pad, in small mouse moves."""
    box = page.locator("#net-pad").bounding_box()
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(x + i * 0.3, box["y"] + box["height"] * (0.15 + 0.035 * i))
    page.mouse.up()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_loads_clean(open_page: Any, helpers: Any, lang: str) -> None:
    helpers.check_at_sizes(open_page, "/network", lang, ready=".net-layer canvas")
    page, problems = open_page(f"/network?lang={lang}", 320, 700)
    helpers.wait_for_scene(page)
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1
    assert "LeCun" in page.text_content("#net-credit")
    assert page.text_content("#net-code").count("torch.nn.") >= 12
    embed, framed = open_page(f"/embed/network?lang={lang}&digit=5")
    helpers.wait_for_scene(embed)
    assert embed.locator("nav").count() == 0
    framed.assert_none()
    if lang == "zh":
        # PyTorch's code and module calls (Conv2d(..., padding=1), Flatten) are code, not interface.
        page.evaluate(
            "() => document.querySelectorAll('#net-code, .net-layer h3, #narration').forEach(e => e.remove())"
        )
        assert not helpers.english_leftovers(page)
    problems.assert_none()


def test_drawn_one_is_classified_as_the_api_classifies_it(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/network")
    helpers.wait_for_scene(page)
    draw_one(page)
    page.wait_for_function("() => new URLSearchParams(location.search).has('d')")
    wait_idle(page)
    png = page.evaluate("() => document.getElementById('net-pad').toDataURL('image/png')")
    data = base64.b64decode(png.split(",", 1)[1])
    response = page.request.post(
        origin(page) + f"{API}/classify-image",
        multipart={"image": {"name": "pad.png", "mimeType": "image/png", "buffer": data}},
    )
    assert response.ok, response.text()
    answer = response.json()
    assert shown_prediction(page) == answer["prediction"] == 1
    assert query(page)["digit"] == "-1"
    # The link of the drawn digit shows the same digit again.
    again, more = open_page(urlsplit(page.url).path + "?" + urlsplit(page.url).query)
    helpers.wait_for_scene(again)
    assert shown_prediction(again) == 1
    problems.assert_none()
    more.assert_none()


def test_gallery_digit_and_its_url(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/network")
    helpers.wait_for_scene(page)
    gallery = page.request.get(origin(page) + f"{API}/gallery").json()["digits"]
    page.focus('.net-digit[data-index="7"]')
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('digit') === '7'")
    wait_idle(page)
    assert shown_prediction(page) == gallery[7]["label"]
    assert str(gallery[7]["label"]) in page.text_content("#net-prediction")
    # Paging to the second page and picking digit 31.
    page.click(".net-pager button:last-child")
    page.click('.net-digit[data-index="31"]')
    page.wait_for_function("() => new URLSearchParams(location.search).get('digit') === '31'")
    wait_idle(page)
    assert page.get_attribute('.net-digit[data-index="31"]', "aria-pressed") == "true"
    opened, more = open_page("/network?digit=17")
    helpers.wait_for_scene(opened)
    assert opened.get_attribute('.net-digit[data-index="17"]', "aria-pressed") == "true"
    assert shown_prediction(opened) == gallery[17]["label"]
    problems.assert_none()
    more.assert_none()


def test_unit_links(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/network?digit=3")
    helpers.wait_for_scene(page)
    grid = page.locator('.grid[data-layer="0"][data-channel="2"] canvas')
    box = grid.bounding_box()
    grid.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    link = page.get_attribute("#net-unit-link", "href")
    params = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/conv"
    assert (params["k"], params["size"], params["cin"], params["act"]) == (["3"], ["3"], ["1"], ["none"])
    assert params["edits"][0].count("*") == 9 + 9  # 9 inputs, 9 weights, 1 bias
    unit = page.evaluate(
        "() => { const r = window.convscope.scene.run; const g = document.querySelector("
        "'.grid.is-chosen'); return {c: Number(g.dataset.channel), text: document.querySelector("
        "'.net-unit-value').textContent}; }"
    )
    assert unit["c"] == 2
    # /conv opened with that link computes the same value (its 6 significant digits apart).
    conv, conv_problems = open_page(link)
    helpers.wait_for_scene(conv)
    computed = conv.evaluate("() => window.convscope.scene.run.frames[0].output")
    shown = float(unit["text"].rsplit(":", 1)[1].strip().replace("\u2212", "-"))
    assert abs(computed - shown) < 1e-3
    conv_problems.assert_none()
    # A wider layer by the keyboard form: the geometry alone.
    page.select_option('[data-unit="layer"]', "2")
    page.click(".net-unit-form button")
    link = page.get_attribute("#net-unit-link", "href")
    params = parse_qs(urlsplit(link).query)
    assert (params["k"], params["p"], params["cin"], params["size"]) == (["3"], ["1"], ["4"], ["28"])
    assert "edits" not in params
    page.select_option('[data-unit="layer"]', "4")
    page.click(".net-unit-form button")
    link = page.get_attribute("#net-unit-link", "href")
    assert urlsplit(link).path == "/pool"
    assert parse_qs(urlsplit(link).query)["k"] == ["2"]
    problems.assert_none()


def test_photo_by_file_picker_and_a_blank_one(open_page: Any, helpers: Any) -> None:
    page, problems = open_page("/network")
    helpers.wait_for_scene(page)
    gallery = page.request.get(origin(page) + f"{API}/gallery").json()
    digit = gallery["digits"][4]
    pixels = np.frombuffer(base64.b64decode(digit["pixels"]), np.uint8).reshape(28, 28)
    photo = Image.fromarray(255 - pixels).resize((168, 168), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=80)
    page.set_input_files(
        "#net-file", files=[{"name": "digit.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}]
    )
    page.wait_for_function("() => new URLSearchParams(location.search).has('d')")
    wait_idle(page)
    answer = page.request.post(
        origin(page) + f"{API}/classify-image",
        multipart={"image": {"name": "digit.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}},
    ).json()
    assert shown_prediction(page) == answer["prediction"] == digit["label"]
    blank = io.BytesIO()
    Image.new("L", (64, 64), 250).save(blank, "PNG")
    page.set_input_files(
        "#net-file", files=[{"name": "blank.png", "mimeType": "image/png", "buffer": blank.getvalue()}]
    )
    page.wait_for_selector("#error:not([hidden])")
    assert "ink" in page.text_content("#error")
    assert [f for f in problems.failed if "422" not in f] == []
    assert not problems.console or all("422" in c for c in problems.console)
