"""Training a small CNN with the engine: data loading and (later) the training loop.

Not part of the server: nothing in ``app/`` imports this package.
"""
