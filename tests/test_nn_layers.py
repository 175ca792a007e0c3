"""Linear and Embedding without PyTorch: initialisation, calling, gradients, errors."""

import random

import pytest

from micrograd.engine import Value, total
from micrograd.nn import Embedding, Linear


def test_linear_bound_is_one_over_sqrt_in_features():
    layer = Linear(16, 8, rng=random.Random(0))
    values = [p.data for p in layer.parameters()]
    assert max(map(abs, values)) <= 0.25
    assert max(map(abs, values)) > 0.2


def test_linear_always_returns_a_list_and_embedding_returns_a_row():
    assert len(Linear(2, 1)([1.0, 2.0])) == 1
    emb = Embedding(4, 3, rng=random.Random(0))
    row = emb(2)
    assert [id(v) for v in row] == [id(v) for v in emb.weight[2]]
    row.append(Value(0.0))
    assert len(emb.weight[2]) == 3


def test_an_embedding_row_used_twice_sums_its_gradients():
    emb = Embedding(3, 2, rng=random.Random(0))
    a, b = emb(1), emb(1)
    total([a[0] * 2, b[0] * 3]).backward()
    assert emb.weight[1][0].grad == 5.0
    assert emb.weight[0][0].grad == 0.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Linear(0, 2), "Linear: in_features"),
        (lambda: Linear(2, 2)([1.0]), "Linear: expected 2 inputs, got 1"),
        (lambda: Linear(2, 2)(1.0), r"Linear: the input must be a list of 2, got 1\.0"),
        (lambda: Linear(1, 2)(Value(1.0)), r"Linear: the input must be a list of 1, got Value\("),
        (lambda: Linear(2, 2)("ab"), "Linear: the input must be a list of 2, got 'ab'"),
        (lambda: Embedding(3, 2)(3), "Embedding: index 3"),
    ],
)
def test_bad_input_raises_naming_the_class_and_the_value(call, match):
    with pytest.raises((ValueError, IndexError), match=match):
        call()


def test_an_embedding_index_must_be_an_int():
    with pytest.raises(TypeError, match="Embedding: the index must be an int"):
        Embedding(3, 2)(1.0)
