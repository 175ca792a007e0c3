"""Models built from Values: every one is a :class:`Module` with ``parameters()``.

- :mod:`micrograd.nn.module`: the base class ``Module``.
- :mod:`micrograd.nn.mlp`: ``Neuron``, ``Layer`` and ``MLP``, micrograd 0.1.0's models.

    >>> import random
    >>> random.seed(1337)
    >>> model = MLP(2, [2, 1])
    >>> model
    MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]
    >>> len(model.parameters())
    9
"""

from micrograd.nn.mlp import ACTIVATIONS, INITS, MLP, Layer, Neuron
from micrograd.nn.module import Module

__all__ = ["ACTIVATIONS", "INITS", "MLP", "Layer", "Module", "Neuron"]
