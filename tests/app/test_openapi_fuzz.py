"""Property-based run against the OpenAPI document: schemathesis generates valid and invalid
requests for every operation (boundary values, wrong types, missing fields, other methods), in
process against the ASGI app. Whatever it sends, the answer is never a 5xx and always JSON."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.main import create_app
from app.settings import Settings

# Tight limits keep each generated request cheap, and put the limit checks on the tested path.
LIMITS = Settings(max_tensor_elements=20_000, max_work=2_000_000, max_stream_work=200_000, max_frames=2_000)
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20_240_601,
        "generation": {"mode": "all", "max-examples": 12, "deterministic": True},
        "phases": {"stateful": {"enabled": False}, "coverage": {"generation": {"mode": "negative"}}},
    }
)

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(LIMITS), config=CONFIG)


@schema.parametrize()
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
    if response.status_code >= 400 and case.path.startswith("/api/"):
        assert "error" in response.json(), response.text


def test_every_documented_operation_is_fuzzed() -> None:
    """The parametrisation above covers the whole document: no operation is skipped as unparsable."""
    document = create_app(LIMITS).openapi()
    documented = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    fuzzed = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert fuzzed == documented
    assert len(documented) >= 20
