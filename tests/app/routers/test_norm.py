"""batch-norm over HTTP: results against torch, streams replayed into the result."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F

from engine import replay_batch_norm, replay_batch_norm_backward

CASES: list[dict[str, Any]] = [
    {"input": {"shape": [2, 2, 2, 2], "seed": 5}, "training": True},
    {
        "input": {"shape": [1, 2, 2, 2], "seed": 5},
        "running_mean": [0.5, -1],
        "running_var": [2, 1],
        "weight": [1, 2],
        "bias": [0, 0.5],
    },
    {
        "input": {"shape": [3, 3, 2, 4], "kind": "floats", "seed": 1},
        "running_mean": {"shape": [3], "kind": "floats", "seed": 2},
        "running_var": {"shape": [3], "seed": 3, "low": 1, "high": 4},
        "weight": {"shape": [3], "kind": "floats", "seed": 4},
        "bias": {"shape": [3], "kind": "floats", "seed": 5},
        "training": True,
        "momentum": 0.3,
        "eps": 0.001,
    },
]


def _torch_forward(
    body: dict[str, Any], t: dict[str, Any]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    mean, var = t["running_mean"].clone(), t["running_var"].clone()  # torch updates them in place
    output = F.batch_norm(
        t["input"],
        mean,
        var,
        t["weight"],
        t["bias"],
        training=body.get("training", False),
        momentum=body.get("momentum", 0.1),
        eps=body.get("eps", 1e-5),
    )
    return output, mean, var


@pytest.mark.parametrize("body", CASES)
def test_batch_norm_matches_torch_and_its_stream(
    body: dict[str, Any], against_torch: Any, close: Any
) -> None:
    def expected(t: dict[str, Any]) -> dict[str, torch.Tensor]:
        output, mean, var = _torch_forward(body, t)
        return {"output": output, "running_mean": mean, "running_var": var}

    checked = against_torch("/batch-norm", body, expected)
    lines = checked.stream
    assert lines.header["output_size"] is None
    replayed = replay_batch_norm(lines.frames, checked.result["shapes"]["input"])
    for actual, expected_value in zip(replayed, checked.expected.values(), strict=True):
        close(actual, expected_value)


def test_omitted_running_statistics_are_a_fresh_layers(post: Any) -> None:
    result = post("/api/batch-norm", {"input": {"shape": [1, 3, 1, 2]}})
    assert result["inputs"]["running_mean"] == [0.0, 0.0, 0.0]
    assert result["inputs"]["running_var"] == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("body", CASES)
def test_batch_norm_backward_matches_torch_autograd(
    body: dict[str, Any], leaves_of: Any, against_torch: Any, close: Any
) -> None:
    t = leaves_of("/api/batch-norm", body)
    x, channels = t["input"], t["input"].shape[1]
    weight = t["weight"]
    if weight is None:  # gamma = 1, whose gradient the endpoint reports all the same
        weight = torch.ones(channels, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(channels, dtype=torch.float64, requires_grad=True)
    eps = body.get("eps", 1e-5)
    out = F.batch_norm(x, None, None, weight, bias, training=True, eps=eps)
    grad_output = torch.linspace(-1.0, 2.0, out.numel(), dtype=torch.float64).reshape(out.shape) ** 2
    out.backward(grad_output)
    backward: dict[str, Any] = {"input": body["input"], "grad_output": grad_output.tolist(), "eps": eps}
    if "weight" in body:
        backward["weight"] = body["weight"]
    grads = {"grad_input": x.grad, "grad_weight": weight.grad, "grad_bias": bias.grad}

    checked = against_torch("/batch-norm/backward", backward, lambda _: grads)
    result, lines = checked.result, checked.stream
    replayed = replay_batch_norm_backward(lines.frames, result["shapes"]["input"])
    for actual, name in zip(replayed, grads, strict=True):
        close(actual, result[name])


def _batches(steps: int, seed: int = 1, shape: tuple[int, ...] = (4, 2, 3, 3)) -> list[dict[str, Any]]:
    return [{"shape": list(shape), "seed": seed + t, "low": 0, "high": 9} for t in range(steps)]


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0])
def test_steps_equal_torch_applied_step_after_step_and_a_chain_of_requests(
    momentum: float, post: Any, close: Any, tensors: Any
) -> None:
    specs = _batches(6)
    result = post("/api/batch-norm/steps", {"inputs": specs, "momentum": momentum})
    assert result["steps"] == 6
    assert result["start"] == {"running_mean": [0.0, 0.0], "running_var": [1.0, 1.0]}
    mean, var = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    chained = {"running_mean": [0.0, 0.0], "running_var": [1.0, 1.0]}
    for t, spec in enumerate(specs):
        single = post("/api/batch-norm", {"input": spec, "training": True, "momentum": momentum, **chained})
        x = tensors(single)["input"]
        assert x is not None
        F.batch_norm(x, mean, var, training=True, momentum=momentum)  # updates mean and var in place
        close(result["running_mean"][t], mean)
        close(result["running_var"][t], var)
        close(result["mean"][t], x.mean(dim=(0, 2, 3)))
        close(result["variance"][t], x.var(dim=(0, 2, 3), unbiased=False))
        close(result["unbiased_variance"][t], x.var(dim=(0, 2, 3), unbiased=True))
        # Step t is the single endpoint on the statistics step t - 1 returned: the same numbers.
        chained = {"running_mean": single["running_mean"], "running_var": single["running_var"]}
        assert [chained["running_mean"], chained["running_var"]] == [
            result["running_mean"][t],
            result["running_var"][t],
        ]


def test_steps_start_from_given_running_statistics(post: Any, close: Any) -> None:
    body = {"inputs": _batches(2, shape=(2, 1, 2, 2)), "running_mean": [3.0], "running_var": [0.5]}
    result = post("/api/batch-norm/steps", body)
    assert result["start"] == {"running_mean": [3.0], "running_var": [0.5]}
    first = post(
        "/api/batch-norm",
        {"input": body["inputs"][0], "training": True, "running_mean": [3.0], "running_var": [0.5]},
    )
    close(result["running_mean"][0], first["running_mean"])


@pytest.mark.parametrize(
    ("body", "status", "field", "text"),
    [
        ({"inputs": []}, 422, "inputs", "at least 1"),
        ({"inputs": _batches(33, shape=(2, 1, 2, 2))}, 422, "inputs", "at most 32"),
        (
            {"inputs": [{"shape": [2, 2, 2, 2]}, {"shape": [2, 3, 2, 2]}]},
            422,
            "inputs",
            "inputs[1] has 3 channels",
        ),
        ({"inputs": [{"shape": [1, 1, 1, 1]}]}, 422, "inputs", "more than 1 value per channel"),
        ({"inputs": [{"shape": [2, 2, 2]}]}, 422, "inputs[0]", "(N, C, H, W)"),
        (
            {"inputs": _batches(2), "running_mean": [0.0]},
            422,
            "running_mean",
            "running_mean must have shape (2,)",
        ),
        ({"inputs": _batches(2), "momentum": 2}, 422, "momentum", "momentum"),
        ({"inputs": [{"shape": [8, 2, 160, 160]}] * 3}, 413, "inputs", "max_tensor_elements"),
    ],
)
def test_steps_refuse_bad_bodies_with_a_clear_error(
    client: Any, body: dict[str, Any], status: int, field: str, text: str
) -> None:
    response = client.post("/api/batch-norm/steps", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert text in error["message"]
