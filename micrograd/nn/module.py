"""The base class of every model: ``parameters()`` and ``zero_grad()``."""

from __future__ import annotations

from micrograd.engine import Value

__all__ = ["Module"]


class Module:
    """Anything with parameters: ``parameters()`` lists them, ``zero_grad()`` zeroes their grads.

    >>> import random
    >>> from micrograd.nn import Neuron
    >>> n = Neuron(2, rng=random.Random(0))
    >>> n([1.0, 2.0]).backward()
    >>> n.zero_grad(); [p.grad for p in n.parameters()]
    [0.0, 0.0, 0.0]
    """

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaves accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        """The Values that training adjusts: weights, then bias, neuron by neuron."""
        return []
