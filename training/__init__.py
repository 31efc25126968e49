"""Training a small CNN with the engine: MNIST loading (:mod:`training.mnist`), evaluation
(:mod:`training.evaluate`) and the training run that writes the shipped network (:mod:`training.train`).

Not part of the server: nothing in ``app/`` imports this package.
"""
