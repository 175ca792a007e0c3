"""Recurrent cells: ``RNNCell``, ``LSTMCell``, ``GRUCell``, and ``unroll`` to run one
over a sequence.

A cell takes one time step's input and the previous state and returns the next
state.  Unrolled over a sequence, the same weights are used at every step, so
each weight's gradient is summed over the steps: backpropagation through time
is just ``backward()`` on the unrolled graph.

Weights are laid out and gates ordered as in PyTorch (``weight_ih`` is
``gates * hidden_size`` rows of ``input_size``), so the numbers can be checked
against ``torch.nn.RNNCell``, ``LSTMCell`` and ``GRUCell``.

    >>> import random
    >>> cell = RNNCell(1, 3, rng=random.Random(0))
    >>> outputs, h = unroll(cell, [[1.0], [0.0], [1.0]])
    >>> len(outputs), len(h), outputs[-1] is h
    (3, 3, True)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from micrograd.engine import Value, linear
from micrograd.nn.layers import uniform_matrix
from micrograd.nn.module import Module, check_size

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "unroll"]

Input = Value | float | int
Vector = list[Value] | list[float]


class _Cell(Module):
    """What the three cells share: sizes, PyTorch's initialisation, input checks."""

    gates = 1
    tensor_names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")  # no biases: None

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        name = type(self).__name__
        self.input_size = check_size(input_size, "input_size", name)
        self.hidden_size = check_size(hidden_size, "hidden_size", name)
        self.bias = bool(bias)
        uniform = random.uniform if rng is None else rng.uniform  # random.seed works too
        bound = 1.0 / math.sqrt(hidden_size)  # PyTorch's default for every RNN weight
        rows = self.gates * hidden_size
        self.weight_ih = uniform_matrix(rows, input_size, bound, uniform)
        self.weight_hh = uniform_matrix(rows, hidden_size, bound, uniform)
        self.bias_ih: list[Value] | None = None
        self.bias_hh: list[Value] | None = None
        if bias:
            self.bias_ih = [Value(uniform(-bound, bound)) for _ in range(rows)]
            self.bias_hh = [Value(uniform(-bound, bound)) for _ in range(rows)]

    def _vector(self, v: Any, size: int, what: str) -> list[Any]:
        if v is None:
            return [0.0] * size  # PyTorch's default state: zeros
        if isinstance(v, (Value, str)) or not isinstance(v, Sequence) or len(v) != size:
            got = f"length {len(v)}" if isinstance(v, Sequence) else repr(v)
            raise ValueError(f"{type(self).__name__}: {what} must be a list of {size}, got {got}")
        return list(v)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size}, bias={self.bias})"


def _gate_sums(
    weight_ih: list[list[Value]],
    weight_hh: list[list[Value]],
    bias_ih: list[Value] | None,
    bias_hh: list[Value] | None,
    x: list,
    h: list,
) -> list[Value]:
    """``W_ih x + b_ih + W_hh h + b_hh`` for every row: one fused node for the weighted
    sum and ``b_ih``, then ``+ b_hh`` (so a drawing shows both biases as what they are)."""
    inputs = _same_kind([*x, *h])
    if bias_ih is None or bias_hh is None:
        return [linear([*w_i, *w_h], inputs, Value(0.0)) for w_i, w_h in zip(weight_ih, weight_hh)]
    return [
        linear([*w_i, *w_h], inputs, b_i) + b_h
        for w_i, w_h, b_i, b_h in zip(weight_ih, weight_hh, bias_ih, bias_hh)
    ]


def _same_kind(inputs: list) -> list:
    # linear() takes all Values or all numbers; turn a mix into Values once here,
    # not once per row inside linear().
    kinds = {isinstance(v, Value) for v in inputs}
    if len(kinds) == 2:
        return [v if isinstance(v, Value) else Value(v) for v in inputs]
    return inputs


class RNNCell(_Cell):
    """An Elman RNN cell: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``, as ``torch.nn.RNNCell``.

    Args:
        input_size: the length of each input.
        hidden_size: the length of the state ``h``.
        nonlinearity: "tanh" (default) or "relu".
        bias: learn ``bias_ih`` and ``bias_hh`` (default) or not.
        rng: a ``random.Random`` for the weights; default the ``random`` module.

    ``cell(x, h=None)`` returns the new ``h``, a list of ``hidden_size`` Values;
    ``h=None`` starts from zeros.

    >>> cell = RNNCell(2, 3, rng=random.Random(0))
    >>> h = cell([1.0, -1.0])
    >>> h = cell([0.5, 0.5], h)
    >>> len(h), len(cell.parameters())  # 3*2 + 3*3 + 3 + 3
    (3, 21)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        nonlinearity: str = "tanh",
        bias: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, rng)

    def __call__(self, x: Sequence[Input], h: Vector | None = None) -> list[Value]:
        xs = self._vector(x, self.input_size, "the input")
        hs = self._vector(h, self.hidden_size, "h")
        sums = _gate_sums(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, xs, hs)
        if self.nonlinearity == "relu":
            return [s.relu() for s in sums]
        return [s.tanh() for s in sums]

    def __repr__(self) -> str:
        return (
            f"RNNCell({self.input_size}, {self.hidden_size}, "
            f"nonlinearity={self.nonlinearity!r}, bias={self.bias})"
        )


class LSTMCell(_Cell):
    """A long short-term memory cell, as ``torch.nn.LSTMCell``.

    The four gates, in PyTorch's order, each from ``W_ih x + b_ih + W_hh h + b_hh``::

        i = sigmoid(.)  input gate      f = sigmoid(.)  forget gate
        g = tanh(.)     candidate       o = sigmoid(.)  output gate
        c' = f * c + i * g
        h' = o * tanh(c')

    The cell state ``c`` is updated by multiplying by ``f`` and adding, not by a
    matrix and a squashing function, so the gradient flowing back along it is
    scaled only by ``f``: with ``f`` near 1 it reaches far back in time.

    Args:
        input_size: the length of each input.
        hidden_size: the length of ``h`` and ``c``.
        bias: learn ``bias_ih`` and ``bias_hh`` (default) or not.
        forget_bias: added to the forget gate's initial ``bias_ih``, so the cell starts
            out remembering.  Jozefowicz et al. (2015) recommend 1.0; the default 0
            matches PyTorch.
        rng: a ``random.Random`` for the weights; default the ``random`` module.

    ``cell(x, state=None)`` returns ``(h, c)``; ``state=None`` starts from zeros.

    >>> cell = LSTMCell(1, 2, forget_bias=1.0, rng=random.Random(0))
    >>> h, c = cell([1.0])
    >>> h, c = cell([0.0], (h, c))
    >>> len(h), len(c), len(cell.weight_ih)   # 4 gates * 2 rows
    (2, 2, 8)
    """

    gates = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        forget_bias: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        if forget_bias and not bias:
            raise ValueError(f"LSTMCell: forget_bias={forget_bias} needs bias=True")
        super().__init__(input_size, hidden_size, bias, rng)
        self.forget_bias = float(forget_bias)
        if self.bias_ih is not None:
            for b in self.bias_ih[hidden_size : 2 * hidden_size]:
                b.data += self.forget_bias

    def __call__(
        self, x: Sequence[Input], state: tuple[Vector, Vector] | None = None
    ) -> tuple[list[Value], list[Value]]:
        n = self.hidden_size
        if state is not None and not (isinstance(state, tuple) and len(state) == 2):
            raise ValueError(f"LSTMCell: state must be a pair (h, c) or None, got {state!r}")
        xs = self._vector(x, self.input_size, "the input")
        h = self._vector(None if state is None else state[0], n, "h")
        c = self._vector(None if state is None else state[1], n, "c")
        sums = _gate_sums(self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, xs, h)
        i = [s.sigmoid() for s in sums[:n]]
        f = [s.sigmoid() for s in sums[n : 2 * n]]
        g = [s.tanh() for s in sums[2 * n : 3 * n]]
        o = [s.sigmoid() for s in sums[3 * n :]]
        c_next = [fj * cj + ij * gj for fj, cj, ij, gj in zip(f, c, i, g)]
        h_next = [oj * cj.tanh() for oj, cj in zip(o, c_next)]
        return h_next, c_next

    def __repr__(self) -> str:
        return (
            f"LSTMCell({self.input_size}, {self.hidden_size}, bias={self.bias}, "
            f"forget_bias={self.forget_bias})"
        )


class GRUCell(_Cell):
    """A gated recurrent unit, as ``torch.nn.GRUCell``.

    The gates, in PyTorch's order (reset r, update z, new n)::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    Args:
        input_size: the length of each input.
        hidden_size: the length of the state ``h``.
        bias: learn ``bias_ih`` and ``bias_hh`` (default) or not.
        rng: a ``random.Random`` for the weights; default the ``random`` module.

    ``cell(x, h=None)`` returns the new ``h``; ``h=None`` starts from zeros.

    >>> cell = GRUCell(2, 2, rng=random.Random(0))
    >>> h = cell([1.0, 0.0])
    >>> len(h), len(cell.weight_hh)   # 3 gates * 2 rows
    (2, 6)
    """

    gates = 3

    def __call__(self, x: Sequence[Input], h: Vector | None = None) -> list[Value]:
        n = self.hidden_size
        xs = self._vector(x, self.input_size, "the input")
        hs = self._vector(h, n, "h")
        # r and z: both halves summed in one node each, as in the other cells.
        rz = _gate_sums(
            self.weight_ih[: 2 * n],
            self.weight_hh[: 2 * n],
            self.bias_ih and self.bias_ih[: 2 * n],
            self.bias_hh and self.bias_hh[: 2 * n],
            xs,
            hs,
        )
        r, z = [s.sigmoid() for s in rz[:n]], [s.sigmoid() for s in rz[n:]]
        # n keeps its two halves apart: r scales only the hidden half.
        rows = range(2 * n, 3 * n)
        if self.bias_ih is not None and self.bias_hh is not None:
            b_ih, b_hh = self.bias_ih, self.bias_hh
            from_x = [linear(self.weight_ih[k], xs, b_ih[k]) for k in rows]
            from_h = [linear(self.weight_hh[k], hs, b_hh[k]) for k in rows]
        else:
            from_x = [linear(self.weight_ih[k], xs, Value(0.0)) for k in rows]
            from_h = [linear(self.weight_hh[k], hs, Value(0.0)) for k in rows]
        new = [(a + rj * b).tanh() for a, rj, b in zip(from_x, r, from_h)]
        return [(1 - zj) * nj + zj * hj for zj, nj, hj in zip(z, new, hs)]


def unroll(
    cell: Callable[[Any, Any], Any], inputs: Sequence[Sequence[Input]], state: Any = None
) -> tuple[list[list[Value]], Any]:
    """Run ``cell`` over a sequence: ``state = cell(x, state)`` for each ``x``.

    Args:
        cell: an ``RNNCell``, ``LSTMCell`` or ``GRUCell`` (anything called as
            ``cell(x, state)``).
        inputs: one input list per time step.
        state: the starting state (``h``, or ``(h, c)`` for an LSTM); None for zeros.

    Returns:
        ``(outputs, state)``: ``outputs`` holds ``h`` at each time step, and
        ``state`` is the last state, as the cell returns it.

    >>> cell = LSTMCell(1, 2, rng=random.Random(0))
    >>> outputs, (h, c) = unroll(cell, [[1.0], [0.0]])
    >>> len(outputs), outputs[-1] is h
    (2, True)
    """
    if isinstance(inputs, (str, Value)) or not isinstance(inputs, Sequence):
        raise ValueError(f"unroll: inputs must be a list of time steps, got {inputs!r}")
    outputs = []
    for x in inputs:
        state = cell(x, state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return outputs, state
