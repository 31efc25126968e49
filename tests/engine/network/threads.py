"""One BLAS thread and one torch thread for a stretch of tests.

The network tests run many small matrix products; on a shared machine a multi-threaded BLAS
spends most of their time waiting for its threads (0.7 s for a step that takes 0.01 s on one
thread). The numbers are the same either way. NumPy's bundled OpenBLAS is reached through
ctypes (it reads OPENBLAS_NUM_THREADS only when NumPy is first imported); where it cannot be
found, its threads are left as they are.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch


def _openblas() -> ctypes.CDLL | None:
    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(folder.glob("libscipy_openblas*.so*")):
        library = ctypes.CDLL(str(path))
        if hasattr(library, "scipy_openblas_set_num_threads64_"):
            return library
    return None


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the body with one BLAS and one torch thread, then restore both counts."""
    blas, torch_threads = _openblas(), torch.get_num_threads()
    blas_threads = blas.scipy_openblas_get_num_threads64_() if blas else None
    torch.set_num_threads(1)
    if blas:
        blas.scipy_openblas_set_num_threads64_(1)
    try:
        yield
    finally:
        torch.set_num_threads(torch_threads)
        if blas:
            blas.scipy_openblas_set_num_threads64_(blas_threads)
