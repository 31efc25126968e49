"""The classifier head of a CNN: flatten the maps, a linear layer, softmax and the cross-entropy loss.

Each forward beside its backward, with ``torch.nn.functional``'s names and rules.
"""

from engine.classifier.cross_entropy import cross_entropy, cross_entropy_backward
from engine.classifier.flatten import flatten, flatten_backward, flattened_shape
from engine.classifier.linear import linear, linear_backward
from engine.classifier.softmax import log_softmax, log_softmax_backward, softmax, softmax_backward

__all__ = [
    "cross_entropy",
    "cross_entropy_backward",
    "flatten",
    "flatten_backward",
    "flattened_shape",
    "linear",
    "linear_backward",
    "log_softmax",
    "log_softmax_backward",
    "softmax",
    "softmax_backward",
]
