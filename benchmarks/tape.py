"""The baseline: a minimal pure-Python tape.

One ``__slots__`` object per op, local derivatives computed at the forward
pass, and backward as a plain loop over the tape in reverse.  No graph
traversal, no second derivatives, no safety: the floor for pure Python.
"""

import math

TAPE = []
_record = TAPE.append
_new = object.__new__


class Var:
    __slots__ = ("a", "b", "da", "data", "db", "grad")

    def __init__(self, data):  # a leaf
        self.data = float(data)
        self.grad = 0.0
        self.a = self.b = None

    def __add__(self, other):
        if type(other) is Var:
            return _op(self.data + other.data, self, other, 1.0, 1.0)
        return _op(self.data + other, self, None, 1.0, 0.0)

    __radd__ = __add__

    def __mul__(self, other):
        if type(other) is Var:
            return _op(self.data * other.data, self, other, other.data, self.data)
        return _op(self.data * other, self, None, other, 0.0)

    __rmul__ = __mul__

    def tanh(self):
        t = math.tanh(self.data)
        return _op(t, self, None, 1.0 - t * t, 0.0)

    def relu(self):
        if self.data > 0:
            return _op(self.data, self, None, 1.0, 0.0)
        return _op(0.0, self, None, 0.0, 0.0)


def _op(data, a, b, da, db):
    out = _new(Var)
    out.data = data
    out.grad = 0.0
    out.a, out.b, out.da, out.db = a, b, da, db
    _record(out)
    return out


def backward(root):
    root.grad = 1.0
    for node in reversed(TAPE):
        g = node.grad
        node.a.grad += node.da * g
        if node.b is not None:
            node.b.grad += node.db * g
    TAPE.clear()
