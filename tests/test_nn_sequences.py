"""Sequence modules without PyTorch: shapes, layouts, parameters, errors, stability,
and gradients through time against finite differences."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd.engine import Value, grad, total
from micrograd.nn import (
    Embedding,
    GRUCell,
    Linear,
    LSTMCell,
    Module,
    RNNCell,
    log_softmax,
    rmsnorm,
    softmax,
    unroll,
)


def flatten(nested):
    if isinstance(nested, Value):
        return [nested]
    return [v for item in nested for v in flatten(item)]


# --- Layouts and parameters -----------------------------------------------------------


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: Linear(3, 2), {"weight": (2, 3), "bias": (2,)}),
        (lambda: Linear(3, 2, bias=False), {"weight": (2, 3)}),
        (lambda: Embedding(5, 4), {"weight": (5, 4)}),
        (
            lambda: RNNCell(3, 2),
            {"weight_ih": (2, 3), "weight_hh": (2, 2), "bias_ih": (2,), "bias_hh": (2,)},
        ),
        (
            lambda: LSTMCell(3, 2),
            {"weight_ih": (8, 3), "weight_hh": (8, 2), "bias_ih": (8,), "bias_hh": (8,)},
        ),
        (
            lambda: GRUCell(3, 2),
            {"weight_ih": (6, 3), "weight_hh": (6, 2), "bias_ih": (6,), "bias_hh": (6,)},
        ),
        (lambda: GRUCell(3, 2, bias=False), {"weight_ih": (6, 3), "weight_hh": (6, 2)}),
    ],
)
def test_tensors_have_pytorchs_names_and_shapes_and_parameters_follow_them(make, expected):
    module = make()
    assert isinstance(module, Module)
    tensors = module._tensors()
    shapes = {}
    for name, rows in tensors.items():
        if isinstance(rows[0], Value):
            shapes[name] = (len(rows),)
        else:
            assert len({len(row) for row in rows}) == 1
            shapes[name] = (len(rows), len(rows[0]))
    assert shapes == expected
    params = module.parameters()
    assert [id(p) for p in params] == [id(p) for p in flatten(list(tensors.values()))]
    assert len(set(map(id, params))) == len(params)  # no Value twice


def test_constructor_arguments_are_attributes_with_pytorchs_names():
    assert (Linear(3, 2).in_features, Linear(3, 2).out_features) == (3, 2)
    assert Linear(3, 2, bias=False).bias is None
    emb = Embedding(5, 4)
    assert (emb.num_embeddings, emb.embedding_dim) == (5, 4)
    rnn = RNNCell(3, 2, nonlinearity="relu", bias=False)
    assert (rnn.input_size, rnn.hidden_size, rnn.nonlinearity, rnn.bias) == (3, 2, "relu", False)
    lstm = LSTMCell(3, 2, forget_bias=1.0)
    assert (lstm.input_size, lstm.hidden_size, lstm.bias, lstm.forget_bias) == (3, 2, True, 1.0)


def test_same_rng_same_weights_and_the_random_module_by_default():
    def weights(module):
        return [p.data for p in module.parameters()]

    assert weights(LSTMCell(2, 3, rng=random.Random(4))) == weights(
        LSTMCell(2, 3, rng=random.Random(4))
    )
    random.seed(9)
    first = weights(GRUCell(2, 3))
    random.seed(9)
    assert weights(GRUCell(2, 3)) == first


def test_linear_bound_is_one_over_sqrt_in_features():
    layer = Linear(16, 8, rng=random.Random(0))
    values = [p.data for p in layer.parameters()]
    assert max(map(abs, values)) <= 0.25
    assert max(map(abs, values)) > 0.2


def test_forget_bias_raises_only_the_forget_gates_bias():
    plain = LSTMCell(2, 3, rng=random.Random(1))
    shifted = LSTMCell(2, 3, forget_bias=1.0, rng=random.Random(1))
    diffs = [b.data - a.data for a, b in zip(plain.bias_ih, shifted.bias_ih)]
    assert diffs == pytest.approx([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert [b.data for b in plain.bias_hh] == [b.data for b in shifted.bias_hh]


# --- Calling ---------------------------------------------------------------------------


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


def test_unroll_returns_every_h_and_the_last_state():
    cell = LSTMCell(1, 2, rng=random.Random(0))
    outputs, (h, c) = unroll(cell, [[1.0], [0.0], [1.0]])
    assert len(outputs) == 3 and outputs[-1] is h and len(c) == 2
    manual = cell([1.0], cell([0.0], cell([1.0])))
    assert [v.data for v in manual[0]] == [v.data for v in h]


def test_one_weight_used_at_every_step_gets_the_sum_of_its_gradients_through_time():
    # h_t = tanh(w * h_{t-1} + x_t): dL/dw sums one term per time step; check the sum
    # against a central finite difference.
    cell = RNNCell(1, 1, bias=False, rng=random.Random(0))
    (w,) = cell.weight_hh[0]
    w.data = 0.8
    xs = [[0.5], [-0.3], [0.9], [0.2]]

    def loss_at(value):
        w.data = value
        _, h = unroll(cell, xs, [Value(0.1)])
        return h[0]

    loss = loss_at(0.8)
    (dw,) = grad(loss, [w])
    step = 1e-6
    numeric = (loss_at(0.8 + step).data - loss_at(0.8 - step).data) / (2 * step)
    assert dw == pytest.approx(numeric, rel=1e-7)


@pytest.mark.parametrize("kind", [RNNCell, LSTMCell, GRUCell])
def test_gradients_through_time_match_finite_differences(kind):
    cell = kind(2, 3, rng=random.Random(7))
    xs = [[Value(0.3), Value(-0.7)], [Value(1.1), Value(0.2)], [Value(-0.4), Value(0.5)]]
    outputs, _ = unroll(cell, xs)
    loss = total([v * (k + 1) for k, h in enumerate(outputs) for v in h])
    loss.backward()
    leaves = [*cell.parameters()[::5], xs[0][0], xs[1][1]]
    for leaf in leaves:
        saved, step = leaf.data, 1e-6
        values = []
        for delta in (step, -step):
            leaf.data = saved + delta
            outs, _ = unroll(cell, [[v.data for v in x] for x in xs])
            values.append(sum(v.data * (k + 1) for k, h in enumerate(outs) for v in h))
        leaf.data = saved
        assert leaf.grad == pytest.approx((values[0] - values[1]) / (2 * step), abs=1e-7)


# --- Bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Linear(0, 2), "Linear: in_features"),
        (lambda: Linear(2, 2)([1.0]), "Linear: expected 2 inputs, got 1"),
        (lambda: Embedding(3, 2)(3), "Embedding: index 3"),
        (lambda: RNNCell(2, 2, nonlinearity="sigmoid"), "RNNCell: nonlinearity"),
        (lambda: RNNCell(2, 2)([1.0]), "RNNCell: the input must be a list of 2"),
        (lambda: GRUCell(2, 2)([1.0, 2.0], [Value(0.0)]), "GRUCell: h must be a list of 2"),
        (lambda: LSTMCell(2, 2)([1.0, 2.0], [Value(0.0)] * 2), "LSTMCell: state must be a pair"),
        (lambda: LSTMCell(2, 2, bias=False, forget_bias=1.0), "LSTMCell: forget_bias"),
        (lambda: softmax([]), "softmax: needs a non-empty list"),
        (lambda: log_softmax([float("inf"), 0.0]), "log_softmax: needs finite inputs, got inf"),
        (lambda: rmsnorm([1.0], eps=-1), "rmsnorm: eps must be a number >= 0, got -1"),
    ],
)
def test_bad_input_raises_naming_the_class_and_the_value(call, match):
    with pytest.raises((ValueError, IndexError), match=match):
        call()


def test_an_embedding_index_must_be_an_int():
    with pytest.raises(TypeError, match="Embedding: the index must be an int"):
        Embedding(3, 2)(1.0)


# --- softmax, log_softmax, rmsnorm -----------------------------------------------------


def test_softmax_sums_to_one_and_log_softmax_is_its_log():
    logits = [Value(v) for v in (0.5, -2.0, 3.0, 1.0)]
    probs = softmax(logits)
    assert sum(p.data for p in probs) == pytest.approx(1.0, abs=1e-15)
    for p, lp in zip(probs, log_softmax(logits)):
        assert lp.data == pytest.approx(math.log(p.data), abs=1e-15)


@pytest.mark.parametrize("fn", [softmax, log_softmax])
def test_softmax_values_and_gradients_stay_finite_at_logits_of_1000(fn):
    logits = [Value(1000.0), Value(-1000.0), Value(999.0)]
    out = fn(logits)
    total([o * (k + 1) for k, o in enumerate(out)]).backward()
    assert all(math.isfinite(v.data) for v in out)
    assert all(math.isfinite(z.grad) for z in logits)


def test_softmax_of_a_nan_is_nan_not_hidden():
    assert all(math.isnan(p.data) for p in softmax([Value(float("nan")), Value(1.0)]))


def test_rmsnorm_gives_unit_root_mean_square_and_zero_stays_zero():
    out = rmsnorm([Value(v) for v in (3.0, -1.0, 2.0, 7.0)], eps=0.0)
    assert math.sqrt(sum(v.data**2 for v in out) / 4) == pytest.approx(1.0, abs=1e-15)
    zeros = rmsnorm([Value(0.0), Value(0.0)])
    total(zeros).backward()
    assert [v.data for v in zeros] == [0.0, 0.0]


# --- Properties ------------------------------------------------------------------------

logit_lists = st.lists(
    st.floats(min_value=-1000, max_value=1000, allow_nan=False), min_size=1, max_size=8
)


@given(logit_lists, st.floats(min_value=-100, max_value=100))
def test_softmax_is_unchanged_by_adding_a_constant_to_every_logit(logits, shift):
    plain = [p.data for p in softmax(logits)]
    shifted = [p.data for p in softmax([z + shift for z in logits])]
    assert shifted == pytest.approx(plain, abs=1e-12)
    assert sum(plain) == pytest.approx(1.0, abs=1e-12)


@given(logit_lists)
def test_log_softmax_exponentiated_is_softmax_and_its_gradient_is_finite(logits):
    values = [Value(z) for z in logits]
    logs = log_softmax(values)
    assert [math.exp(lp.data) for lp in logs] == pytest.approx(
        [p.data for p in softmax(logits)], abs=1e-12
    )
    total([lp * (k + 1) for k, lp in enumerate(logs)]).backward()
    assert all(math.isfinite(v.grad) for v in values)
