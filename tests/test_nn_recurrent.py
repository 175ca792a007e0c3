"""RNNCell, LSTMCell, GRUCell and unroll without PyTorch: initialisation, errors, and
gradients through time against finite differences."""

import random

import pytest

from micrograd import grad
from micrograd.engine import Value, total
from micrograd.nn import GRUCell, LSTMCell, RNNCell, unroll


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


def test_forget_bias_raises_only_the_forget_gates_bias():
    plain = LSTMCell(2, 3, rng=random.Random(1))
    shifted = LSTMCell(2, 3, forget_bias=1.0, rng=random.Random(1))
    diffs = [b.data - a.data for a, b in zip(plain.bias_ih, shifted.bias_ih)]
    assert diffs == pytest.approx([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert [b.data for b in plain.bias_hh] == [b.data for b in shifted.bias_hh]


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


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: RNNCell(2, 2, nonlinearity="sigmoid"), "RNNCell: nonlinearity"),
        (lambda: RNNCell(2, 2)([1.0]), "RNNCell: the input must be a list of 2"),
        (lambda: GRUCell(2, 2)([1.0, 2.0], [Value(0.0)]), "GRUCell: h must be a list of 2"),
        (lambda: LSTMCell(2, 2)([1.0, 2.0], [Value(0.0)] * 2), "LSTMCell: state must be a pair"),
        (lambda: LSTMCell(2, 2, bias=False, forget_bias=1.0), "LSTMCell: forget_bias"),
    ],
)
def test_bad_input_raises_naming_the_class_and_the_value(call, match):
    with pytest.raises((ValueError, IndexError), match=match):
        call()
