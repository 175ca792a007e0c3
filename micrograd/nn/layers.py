"""``Linear`` and ``Embedding``: the two layers every sequence model starts from.

Weights are laid out as PyTorch lays them out (``weight`` of a Linear is
``out_features`` rows of ``in_features``), so numbers can be checked against
PyTorch and exported to it.

    >>> import random
    >>> layer = Linear(3, 2, rng=random.Random(0))
    >>> out = layer([1.0, 2.0, 3.0])
    >>> len(out), len(layer.parameters())
    (2, 8)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from micrograd.engine import Value, linear
from micrograd.floats import describe
from micrograd.nn.module import Module, check_size

__all__ = ["Embedding", "Linear"]

Input = Value | float | int


def uniform_matrix(
    rows: int, cols: int, bound: float, uniform: Callable[[float, float], float]
) -> list[list[Value]]:
    """``rows`` lists of ``cols`` Values drawn by ``uniform(-bound, bound)``, row by row.

    >>> rng = random.Random(0)
    >>> [[round(w.data, 3) for w in row] for row in uniform_matrix(1, 2, 1.0, rng.uniform)]
    [[0.689, 0.516]]
    """
    return [[Value(uniform(-bound, bound)) for _ in range(cols)] for _ in range(rows)]


def weighted_sums(
    rows: Sequence[Sequence[Value]], inputs: Sequence[Input], biases: Sequence[Value] | None
) -> list[Value]:
    """``bias_j + sum_k rows[j][k] * inputs[k]`` for each row j, one fused node per row.

    Without biases, each row gets a fresh constant 0 (not a parameter).

    >>> w = [[Value(1.0), Value(2.0)]]
    >>> weighted_sums(w, [3.0, 4.0], None)[0].data
    11.0
    """
    if biases is None:
        return [linear(row, inputs, Value(0.0)) for row in rows]
    return [linear(row, inputs, b) for row, b in zip(rows, biases)]


class Linear(Module):
    """A fully connected layer: ``y = weight @ x + bias``, as ``torch.nn.Linear``.

    Args:
        in_features: the length of the input list.
        out_features: the length of the output list.
        bias: learn a bias per output (default) or not.
        rng: a ``random.Random`` for the weights; default the ``random`` module.

    Weights and bias start uniform in ``(-1/sqrt(in_features), 1/sqrt(in_features))``,
    PyTorch's default.  Calling it on a list of ``in_features`` Values or numbers
    returns a list of ``out_features`` Values, always a list.

    >>> layer = Linear(2, 1, bias=False, rng=random.Random(0))
    >>> layer.weight[0][0].data = 2.0; layer.weight[0][1].data = -1.0
    >>> [y.data for y in layer([3.0, 4.0])]
    [2.0]
    """

    tensor_names = ("weight", "bias")

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        self.in_features = check_size(in_features, "in_features", "Linear")
        self.out_features = check_size(out_features, "out_features", "Linear")
        uniform = random.uniform if rng is None else rng.uniform  # random.seed works too
        bound = 1.0 / math.sqrt(in_features)
        self.weight = uniform_matrix(out_features, in_features, bound, uniform)
        # As in PyTorch, ``bias`` is the list of Values, or None when there is none.
        self.bias: list[Value] | None = (
            [Value(uniform(-bound, bound)) for _ in range(out_features)] if bias else None
        )

    def __call__(self, x: Sequence[Input]) -> list[Value]:
        if isinstance(x, (Value, str, bytes)) or not hasattr(x, "__len__"):
            # as the cells say it; len() of a number would be a TypeError naming no module
            raise ValueError(
                f"Linear: the input must be a list of {self.in_features}, got {describe(x)}"
            )
        if len(x) != self.in_features:
            raise ValueError(f"Linear: expected {self.in_features} inputs, got {len(x)}")
        return weighted_sums(self.weight, x, self.bias)

    def __repr__(self) -> str:
        sizes = f"in_features={self.in_features}, out_features={self.out_features}"
        return f"Linear({sizes}, bias={self.bias is not None})"


class Embedding(Module):
    """A lookup table: ``emb(i)`` is row ``i`` of ``weight``, as ``torch.nn.Embedding``.

    Args:
        num_embeddings: how many rows (e.g. the vocabulary size).
        embedding_dim: the length of each row.
        rng: a ``random.Random`` for the weights; default the ``random`` module.

    Rows start from a standard normal, PyTorch's default.  Only the rows you look
    up get gradients.

    ``emb(one_hot)`` takes a one-hot list of ``num_embeddings`` Values instead of
    an index (``F.one_hot(i) @ weight`` in PyTorch): each output is one ``linear``
    node over a column of the table, ``0 + sum_k one_hot[k] * weight[k][j]``,
    which is row i's number to the bit, and the gradient reaches row i only
    (the others get 0).  The row is picked by arithmetic, not by Python, so the
    graph's shape is the same whichever row it is: set the Values' ``.data``
    and a recorded tape (:func:`micrograd.tape.record`) replays it.

    >>> emb = Embedding(27, 4, rng=random.Random(0))
    >>> row = emb(3)
    >>> len(row), row[0] is emb.weight[3][0]
    (4, True)
    >>> pick = [Value(1.0 if k == 3 else 0.0) for k in range(27)]
    >>> [v.data for v in emb(pick)] == [v.data for v in row]
    True
    """

    tensor_names = ("weight",)

    def __init__(
        self, num_embeddings: int, embedding_dim: int, rng: random.Random | None = None
    ) -> None:
        self.num_embeddings = check_size(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = check_size(embedding_dim, "embedding_dim", "Embedding")
        gauss = random.gauss if rng is None else rng.gauss
        self.weight = [
            [Value(gauss(0.0, 1.0)) for _ in range(embedding_dim)] for _ in range(num_embeddings)
        ]
        # The bias of a one-hot lookup's linear nodes: one leaf for every call, so that
        # each build of a graph uses the same leaves (a tape's shape check compares them).
        self._zero = Value(0.0)

    def __call__(self, index: int | Sequence[Value]) -> list[Value]:
        if isinstance(index, (list, tuple)):
            return self._mix(index)
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(
                f"Embedding: the index must be an int or a one-hot list of Values, got {index!r}"
            )
        if not 0 <= index < self.num_embeddings:
            raise IndexError(
                f"Embedding: index {index} is out of range 0..{self.num_embeddings - 1}"
            )
        return list(self.weight[index])  # a new list: appending to it can't change the table

    def _mix(self, one_hot: Sequence[Value]) -> list[Value]:
        if len(one_hot) != self.num_embeddings or not all(isinstance(v, Value) for v in one_hot):
            raise TypeError(
                f"Embedding: a one-hot index must be a list of {self.num_embeddings} Values, "
                f"got {len(one_hot)} items"
            )
        return [linear(one_hot, column, self._zero) for column in zip(*self.weight)]

    def __repr__(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"
