"""ConvScope's web layer: FastAPI routes that validate, call the engine and serialise."""
