"""Optimizers with ``torch.optim``'s update rules: each ``step(grads)`` changes the parameter
arrays in place, returns the update applied, and leaves its state readable in ``state[i]``."""

from engine.optim._base import Optimizer
from engine.optim.adam import Adam
from engine.optim.rmsprop import RMSprop
from engine.optim.sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop"]
