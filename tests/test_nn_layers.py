"""Linear and Embedding without PyTorch: initialisation, calling, gradients, errors."""

import random

import pytest

from micrograd.engine import Value, total
from micrograd.nn import Embedding, Linear
from micrograd.tape import record


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


def test_a_one_hot_index_gives_the_row_and_its_gradients_to_the_bit():
    emb = Embedding(4, 3, rng=random.Random(1))
    pick = [Value(0.0), Value(0.0), Value(1.0), Value(0.0)]
    mixed = emb(pick)
    assert [v.data for v in mixed] == [v.data for v in emb.weight[2]]
    total([v * w for v, w in zip(mixed, (2.0, -3.0, 0.5))]).backward()
    assert [v.grad for v in emb.weight[2]] == [2.0, -3.0, 0.5]
    assert all(v.grad == 0.0 for k in (0, 1, 3) for v in emb.weight[k])


def test_a_one_hot_index_replays_on_a_tape_for_another_row():
    emb = Embedding(3, 2, rng=random.Random(2))
    pick = [Value(1.0), Value(0.0), Value(0.0)]
    tape = record(lambda: total(emb(pick)), check_every=1)
    pick[0].data, pick[2].data = 0.0, 1.0  # row 2 now
    assert tape.forward() == total(emb(2)).data


def test_a_one_hot_index_must_be_a_list_of_values_as_long_as_the_table():
    with pytest.raises(TypeError, match="a one-hot index must be a list of 3 Values, got 2"):
        Embedding(3, 2)([Value(1.0), Value(0.0)])
    with pytest.raises(TypeError, match="a one-hot index must be a list of 3 Values"):
        Embedding(3, 2)([1.0, 0.0, 0.0])
