"""Models built from Values: every one is a :class:`Module` with ``parameters()``.

- :mod:`micrograd.nn.module`: the base class ``Module``.
- :mod:`micrograd.nn.mlp`: ``Neuron``, ``Layer`` and ``MLP``, micrograd 0.1.0's models.
- :mod:`micrograd.nn.layers`: ``Linear`` and ``Embedding``, in PyTorch's layout.
- :mod:`micrograd.nn.recurrent`: ``RNNCell``, ``LSTMCell``, ``GRUCell`` and ``unroll``.
- :mod:`micrograd.nn.functional`: ``softmax``, ``log_softmax`` and ``rmsnorm``.
- :mod:`micrograd.nn.conv`: ``Conv2d``, ``MaxPool2d`` and ``flatten``, for images.
- :mod:`micrograd.nn.pytorch`: the bridge behind ``to_torch()`` and ``from_torch()``.

    >>> import random
    >>> random.seed(1337)
    >>> model = MLP(2, [2, 1])
    >>> model
    MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]
    >>> len(model.parameters())
    9
"""

from micrograd.nn.conv import Conv2d, MaxPool2d, flatten
from micrograd.nn.functional import log_softmax, rmsnorm, softmax
from micrograd.nn.layers import Embedding, Linear
from micrograd.nn.mlp import ACTIVATIONS, INITS, MLP, Layer, Neuron
from micrograd.nn.module import Module
from micrograd.nn.recurrent import GRUCell, LSTMCell, RNNCell, unroll

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "Conv2d",
    "Embedding",
    "GRUCell",
    "LSTMCell",
    "Layer",
    "Linear",
    "MaxPool2d",
    "Module",
    "Neuron",
    "RNNCell",
    "flatten",
    "log_softmax",
    "rmsnorm",
    "softmax",
    "unroll",
]
