"""Layer tables of classic CNNs as encoded JSON: the list, and one network's table by input size.

The list never changes; a table depends only on (name, input_size). Both are encoded once (the
list here, a table on first use, in the route's worker thread): FastAPI would otherwise validate
and encode the returned dict on the event loop for every request (about 1 ms for ResNet-50's 28 kB).
"""

from __future__ import annotations

from functools import lru_cache

from app.errors import ApiError, limit_error
from app.schemas import ArchitectureList, ArchitectureResponse, ArchitectureSummary
from app.settings import Settings
from engine import NETWORKS, architecture_table

NAMES = ", ".join(NETWORKS)
EXAMPLE = architecture_table("lenet5").to_dict()
LIST = ArchitectureList(
    architectures=[
        ArchitectureSummary(
            name=net.name,
            title=net.title,
            description=net.description,
            default_input_size=net.default_input_size,
        )
        for net in NETWORKS.values()
    ]
)
LIST_JSON = LIST.model_dump_json(by_alias=True).encode()


# At most 128 tables: under 6 MB, the largest (SE-ResNet-50 at 1024) being 43 kB. A refusal
# raises, and lru_cache keeps only answers.
@lru_cache(maxsize=128)
def _table_json(name: str, input_size: int | None) -> bytes:
    table = ArchitectureResponse.model_validate(architecture_table(name, input_size).to_dict())
    return table.model_dump_json(by_alias=True).encode()


def architecture_json(name: str, input_size: int | None, settings: Settings) -> bytes:
    """One network's table walked from an ``input_size`` square input (its default when None)."""
    if name not in NETWORKS:
        raise ApiError(404, "not_found", f"no architecture named {name!r}; the names are {NAMES}", "name")
    if input_size is not None and input_size > settings.max_architecture_input:
        limit = settings.max_architecture_input
        raise limit_error(
            f"input_size {input_size} is more than", "max_architecture_input", limit, "input_size"
        )
    try:
        return _table_json(name, input_size)
    except ValueError as error:
        raise ApiError(422, "invalid_value", str(error), "input_size") from None
