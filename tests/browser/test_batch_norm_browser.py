"""/batch-norm in Chromium: clean loads, keyboard stepping with the API's numbers, URL state, the
running statistics against torch applied step after step, and evaluation against the API."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.generate import generate

pytestmark = pytest.mark.browser

MINUS = "\u2212"


def num(value: float, digits: int = 4) -> str:
    """The page's number format (i18n.js num): integers exact, else `digits` decimals, a true minus."""
    if float(value).is_integer():
        text = str(abs(int(value)))
    else:
        text = f"{abs(value):.{digits}f}".rstrip("0").rstrip(".")
    return (MINUS if value < 0 and text != "0" else "") + text


def term(value: float, digits: int = 4) -> str:
    return f"({num(value, digits)})" if value < 0 else num(value, digits)


def batch(seed: int, shape: tuple[int, int, int, int] = (4, 2, 3, 3), kind: str = "digits") -> np.ndarray:
    """Batch generated as the page asks for it (the API's spec generator, seed + step - 1)."""
    if kind == "floats":
        return generate(list(shape), "floats", seed, -3, 3)
    low, high = (0, 9) if kind == "digits" else (-3, 3)
    return generate(list(shape), "integers", seed, low, high)


def torch_chain(batches: list[np.ndarray], momentum: float) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """torch.nn.functional.batch_norm with training=True applied once per batch, from a fresh layer."""
    channels = batches[0].shape[1]
    mean, var = torch.zeros(channels, dtype=torch.float64), torch.ones(channels, dtype=torch.float64)
    after = []
    for x in batches:
        F.batch_norm(torch.from_numpy(x), mean, var, training=True, momentum=momentum)  # in place
        after.append((mean.clone(), var.clone()))
    return after


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/batch-norm", "/embed/batch-norm"])
def test_batch_norm_loads_cleanly_and_is_photographed(
    open_page: Any, helpers: Any, path: str, lang: str
) -> None:
    ready = "#bn-compare-verdict[data-differ]"
    says = {"zh": ["有偏方差"]}
    for _, page in helpers.open_at_sizes(open_page, path, lang, "&step=3", ready, says, no_english=True):
        assert page.locator("#formula math").count() == 1
        assert page.locator("[data-grid^=input-]").count() == 4 * 2
        assert page.locator("canvas[data-chart]").count() == 2
        if lang == "en":
            assert helpers.narration(page).startswith("Biased variance")
        if path.startswith("/embed"):
            assert page.locator("nav").count() == 0


def test_keyboard_steps_say_the_numbers_torch_gives(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/batch-norm?lang=en")
    x = torch.from_numpy(batch(1))
    channel = x[:, 0]
    total, m = float(channel.sum()), channel.numel()
    mean = float(channel.mean())
    var = float(channel.var(unbiased=False))
    unbiased = float(channel.var(unbiased=True))
    std = math.sqrt(var + 1e-5)
    said = [helpers.narration(page)]
    for _ in range(5):
        page.keyboard.press("ArrowRight")
        said.append(helpers.narration(page))
    assert said[0].startswith(f"Channel 0: add its values in all 4 samples, {m} values in all: ")
    assert said[0].endswith(f"= {num(total)}.")
    assert said[1] == f"Mean of channel 0: μ = {num(total)} / {m} = {num(mean)}."
    assert said[2].endswith(f"the squares add up to {num(var * m)}.")
    assert said[3] == (
        f"Biased variance: σ² = {num(var * m)} / {m} = {num(var)}; "
        f"the divisor is √({num(var)} + 0.00001) = {num(std)}."
    )
    running_mean, running_var = 0.1 * mean, 0.9 * 1 + 0.1 * unbiased
    assert f"= {num(running_mean)};" in said[4]
    assert f"{term(unbiased)} (unbiased) = {num(running_var)}." in said[4]
    value = float(x[0, 0, 0, 0])
    x_hat = (value - mean) / std
    assert said[5] == (
        f"Sample 0, channel 0, row 0, column 0: "
        f"x̂ = ({num(value)} − {term(mean)}) / {num(std)} = {num(x_hat)}; "
        f"y = 1 × {term(x_hat)} + 0 = {num(x_hat)}."
    )
    # The same numbers as the API's frames, and the formula box shows the value step's MathML.
    assert page.locator("#formula math mn").count() > 4
    page.keyboard.press("Home")
    first, second, last = helpers.step_first_next_last(page)
    assert first == said[0]
    assert second == said[1]
    expected_last = F.batch_norm(x, None, None, training=True)[3, 1, 2, 2].item()
    assert last.startswith("Sample 3, channel 1, row 2, column 2:")
    assert last.endswith(f"= {num(expected_last)}.")
    helpers.screenshot(page, "batch-norm-en-mid-stepping")
    problems.assert_none()


def test_every_batch_norm_control_round_trips_through_the_url(
    open_scene: Any, open_page: Any, helpers: Any
) -> None:
    page, problems = open_scene("/batch-norm?lang=en")
    settings = (
        "n=3&c=3&h=2&w=4&xkind=int&seed=7&mode=eval&gamma=2, 0.5, -1&beta=1&eps=0.1&mom=0.5&steps=8&at=3"
    )
    expected = helpers.set_controls_and_step(page, settings, shown={"gamma": "2,0.5,-1"})
    assert "gamma=2%2C0.5%2C-1" in page.url
    assert "mode=eval" in page.url
    # A batch shown beyond the training steps is clamped, and the limit is said.
    helpers.set_controls(page, [("at", "12")])
    helpers.wait_for_scene(page)
    assert page.locator("[data-control=at]").input_value() == "8"
    helpers.set_controls(page, [("at", "3")])
    helpers.wait_for_scene(page)
    helpers.blur_and_press(page, "ArrowRight")
    helpers.assert_url_round_trip(page, open_page, expected, problems)


@pytest.mark.parametrize(("steps", "momentum"), [(7, 0.2), (12, 0.5)])
def test_running_statistics_equal_torch_applied_step_after_step(
    open_scene: Any, helpers: Any, steps: int, momentum: float
) -> None:
    page, problems = open_scene(f"/batch-norm?lang=en&steps={steps}&mom={momentum}&c=3&n=2&h=2&w=3&seed=4")
    page.wait_for_selector("#bn-compare-verdict[data-differ]")
    chain = page.evaluate("() => window.convscope.run.chain")
    batches = [batch(4 + t, (2, 3, 2, 3)) for t in range(steps)]
    expected = torch_chain(batches, momentum)
    assert chain["steps"] == steps
    for k, (mean, var) in enumerate(expected):
        np.testing.assert_allclose(chain["running_mean"][k], mean.numpy(), rtol=0, atol=1e-6)
        np.testing.assert_allclose(chain["running_var"][k], var.numpy(), rtol=0, atol=1e-6)
        # The table shows those numbers, rounded as the page rounds.
        cells = page.locator(f"tr[data-step='{k + 1}'] td.bn-rmean").all_text_contents()
        assert cells == [num(float(v)) for v in mean]
        cells = page.locator(f"tr[data-step='{k + 1}'] td.bn-rvar").all_text_contents()
        assert cells == [num(float(v)) for v in var]
    # Digits 0..9 have mean 4.5: the running mean has moved from 0 most of the way there.
    assert all(float(v) > 2 for v in expected[-1][0]) or momentum < 0.5
    helpers.screenshot(page, f"batch-norm-en-running-{steps}")
    problems.assert_none()


def test_eval_output_equals_the_apis_and_differs_from_training(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/batch-norm?lang=en&mode=eval&steps=6&mom=0.5&gamma=2,0.5&beta=1,-1&at=2")
    page.wait_for_selector("#bn-compare-verdict[data-differ]")
    batches = [batch(1 + t) for t in range(6)]
    mean, var = torch_chain(batches, 0.5)[-1]
    x = torch.from_numpy(batches[1])
    weight, bias = (
        torch.tensor([2.0, 0.5], dtype=torch.float64),
        torch.tensor([1.0, -1.0], dtype=torch.float64),
    )
    expected = F.batch_norm(x, mean, var, weight, bias, training=False)
    shown = page.evaluate("() => window.convscope.run.output.output")
    np.testing.assert_allclose(shown, expected.numpy(), rtol=0, atol=1e-6)
    body = {
        "input": {"shape": [4, 2, 3, 3], "kind": "integers", "seed": 2, "low": 0, "high": 9},
        "running_mean": mean.tolist(),
        "running_var": var.tolist(),
        "weight": [2, 0.5],
        "bias": [1, -1],
        "training": False,
    }
    result = helpers.post_api(page, "/api/batch-norm", body)
    np.testing.assert_allclose(shown, result["output"], rtol=0, atol=1e-6)
    # Training on the same batch gives the batch statistics' output, shown beside it.
    training = page.evaluate("() => window.convscope.run.other.output")
    np.testing.assert_allclose(
        training, F.batch_norm(x, None, None, weight, bias, training=True).numpy(), atol=1e-6
    )
    verdict = page.locator("#bn-compare-verdict").text_content()
    assert "differ between training and evaluation" in verdict
    assert page.locator("[data-grid^=eval-]").count() == 4
    # An evaluation step narrates the running statistics.
    assert helpers.narration(page) == (
        f"Channel 0 in evaluation: μ is the running mean {num(float(mean[0]))}, σ² the running variance "
        f"{num(float(var[0]))}; the divisor is {num(math.sqrt(float(var[0]) + 1e-5))}."
    )
    page.keyboard.press("ArrowRight")
    value = float(x[0, 0, 0, 0])
    assert helpers.narration(page).endswith(f"= {num(float(expected[0, 0, 0, 0]))}.")
    assert f"x̂ = ({num(value)} − {term(float(mean[0]))})" in helpers.narration(page)
    helpers.screenshot(page, "batch-norm-en-eval")
    problems.assert_none()
