"""micrograd.backprop: grad (first and second order) and local_derivatives. Each op's
derivative is written once: backward(), grad() and grad(create_graph=True) agree."""

import math

import pytest
from hypothesis import given

from micrograd import custom_op
from micrograd.backprop import grad, local_derivatives
from micrograd.engine import Value
from micrograd.testing import gradgradcheck
from micrograd.testing.strategies import expressions

# --- grad ------------------------------------------------------------------------------------


def test_grad_returns_floats_and_leaves_grad_untouched():
    x, y = Value(2.0), Value(3.0)
    z = x * y + x.exp()
    dx, dy = grad(z, [x, y])
    assert (dx, dy) == (pytest.approx(3.0 + math.exp(2.0)), 2.0)
    assert x.grad == 0.0 and y.grad == 0.0 and z.grad == 0.0


def test_grad_of_an_unused_input_is_zero():
    x, unused = Value(2.0), Value(5.0)
    assert grad(x * x, [unused]) == [0.0]
    (d,) = grad(x * x, [unused], create_graph=True)
    assert isinstance(d, Value) and d.data == 0.0


def test_grad_of_a_leaf_with_respect_to_itself_is_one():
    x = Value(2.0)
    assert grad(x, [x]) == [1.0]
    (d,) = grad(x, [x], create_graph=True)
    assert isinstance(d, Value) and d.data == 1.0


# --- Second order: create_graph ---------------------------------------------------------------


def test_second_derivative_through_create_graph():
    x = Value(0.7)
    y = x.tanh()
    (dy,) = grad(y, [x], create_graph=True)
    assert isinstance(dy, Value)
    (d2y,) = grad(dy, [x])
    t = math.tanh(0.7)
    assert d2y == pytest.approx(-2 * t * (1 - t * t), rel=1e-12)


def test_hessian_vector_product():
    x, y = Value(1.5), Value(-0.5)
    f = x * x * y + y.exp()  # H = [[2y, 2x], [2x, e^y]]
    gx, gy = grad(f, [x, y], create_graph=True)
    v = (1.0, 2.0)
    hv = grad(gx * v[0] + gy * v[1], [x, y])
    assert hv == [pytest.approx(2 * -0.5 + 2 * 3.0), pytest.approx(2 * 1.5 + 2 * math.exp(-0.5))]


def test_second_derivative_through_an_exponent_of_exactly_zero():
    # d2/dx dy of x * x**y at (1, 0) is 1: PyTorch says 0 there, finite differences agree with us.
    x, y = Value(1.0), Value(0.0)
    dx, _ = grad(x * x**y, [x, y], create_graph=True)
    assert grad(dx, [x, y]) == [0.0, 1.0]
    assert gradgradcheck(lambda a, b: a * a**b, [1.0, 0.0])


def test_gradients_of_gradients_can_be_backpropagated():
    x = Value(2.0)
    (dy,) = grad(x**3, [x], create_graph=True)
    dy.backward()
    assert x.grad == 12.0


@given(expressions(max_leaves=6))
def test_second_derivatives_match_finite_differences_of_first(case):
    fn, inputs = case
    assert gradgradcheck(fn, inputs)


# --- The rules on Values agree with the floats backward() uses ----------------------------------


def first_order_three_ways(fn, inputs):
    values = [Value(x) for x in inputs]
    out = fn(*values)
    out.backward()
    via_backward = [v.grad for v in values]
    via_grad = grad(out, values)
    via_rules = [g.data for g in grad(out, values, create_graph=True)]
    return via_backward, via_grad, via_rules


@given(expressions())
def test_backward_grad_and_the_rules_on_values_agree(case):
    fn, inputs = case
    via_backward, via_grad, via_rules = first_order_three_ways(fn, inputs)
    assert via_grad == via_backward  # the same floats, in the same order: to the bit
    assert via_rules == pytest.approx(via_backward, rel=1e-12, abs=1e-300)


@given(expressions())
def test_first_order_path_equals_the_derivative_rules(case):
    # Each op stores float local derivatives at the forward pass and keeps a
    # derivative rule for second order: the two must be the same formula.
    fn, inputs = case
    values = [Value(x) for x in inputs]
    out = fn(*values)
    first = grad(out, values)
    through_rules = [g.data for g in grad(out, values, create_graph=True)]
    assert first == pytest.approx(through_rules, rel=1e-12, abs=1e-15)


EDGES = [
    *[(f"x**{c} at 0", lambda x, c=c: x**c, 0.0) for c in (0, 0.5, 1, 2, 3)],
    ("relu at 0", lambda x: x.relu(), 0.0),
    ("abs at 0", lambda x: x.abs(), 0.0),
    ("0**y", lambda y: 0.0**y, 2.0),
    ("0**y at 0", lambda y: 0.0**y, 0.0),
    ("(-8)**y", lambda y: (-8.0) ** y, 2.0),
    ("Value(-8)**y", lambda y: Value(-8.0) ** y, 2.0),
    ("1e-200**-1.5", lambda x: x**-1.5, 1e-200),
]


@pytest.mark.parametrize("name, fn, x", EDGES, ids=[e[0] for e in EDGES])
def test_first_and_second_order_paths_agree_at_the_edges(name, fn, x):
    via_backward, via_grad, via_rules = first_order_three_ways(fn, [x])
    assert via_grad == via_backward or all(map(math.isnan, via_grad + via_backward))
    assert math.isnan(via_rules[0]) == math.isnan(via_backward[0])
    if not math.isnan(via_backward[0]):
        assert via_rules == via_backward


# --- local_derivatives ---------------------------------------------------------------------------


def test_local_derivatives_are_one_per_parent_both_ways():
    x, y = Value(2.0), Value(3.0)
    node = x * y
    assert local_derivatives(node) == (3.0, 2.0)
    as_values = local_derivatives(node, create_graph=True)
    assert [d.data for d in as_values] == [3.0, 2.0]


def test_local_derivatives_skip_folded_numbers_and_leaves_have_none():
    x = Value(2.0)
    assert local_derivatives(2.0 - x) == (-1.0,)
    assert local_derivatives(2.0 - x, create_graph=True) == (-1.0,)
    assert local_derivatives(x) == () and local_derivatives(x, create_graph=True) == ()


# --- Stopped half-way: nothing left behind --------------------------------------------------------


def test_an_interrupted_grad_leaves_nothing_behind():
    def exploding_rule(x, out):
        if isinstance(x, Value):
            raise KeyboardInterrupt
        return (2.0,)

    double = custom_op("double", lambda x: 2 * x, exploding_rule)
    x = Value(1.0)
    h = double(x)
    y = h * h + h
    with pytest.raises(KeyboardInterrupt):
        grad(y, [x], create_graph=True)
    y.backward()
    assert x.grad == (2 * 2.0 + 1) * 2
