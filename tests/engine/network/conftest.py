"""The network tests run with one BLAS and one torch thread (see :mod:`tests.engine.network.threads`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.network.threads import one_thread


@pytest.fixture(autouse=True, scope="package")
def _one_thread() -> Iterator[None]:
    with one_thread():
        yield
