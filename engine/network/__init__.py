"""Trainable networks from the layer vocabulary: :class:`Sequential`, its description, TinyVGG.

The layers (:mod:`engine.layers`) compute with the engine's own functions; a
:class:`Sequential` holds their weights in a torch-keyed state dict, runs forward keeping every
layer's output, and backward returning every gradient.
"""

from engine.network.describe import describe as describe
from engine.network.describe import layer_kwargs as layer_kwargs
from engine.network.describe import layers_from_description as layers_from_description
from engine.network.describe import to_torch_code as to_torch_code
from engine.network.files import load_network as load_network
from engine.network.files import save_weights as save_weights
from engine.network.sequential import Gradients as Gradients
from engine.network.sequential import Sequential as Sequential
from engine.network.tinyvgg import CLASSES as CLASSES
from engine.network.tinyvgg import tinyvgg as tinyvgg
