import gc
import math
import subprocess
import sys

import pytest
from hypothesis import given

import micrograd
from micrograd.backprop import grad
from micrograd.engine import Value, backward_order, custom_op, linear, no_grad, total
from micrograd.testing import gradcheck, gradgradcheck
from micrograd.testing.strategies import expressions

# --- Value basics -------------------------------------------------------------


def test_value_holds_a_float_and_converts_ints():
    v = Value(3)
    assert v.data == 3.0 and isinstance(v.data, float)
    assert v.grad == 0.0 and isinstance(v.grad, float)
    assert v.label == "" and v.op == "" and v.parents == ()


def test_value_is_importable_from_the_package():
    assert micrograd.Value is Value


def test_parents_are_in_operand_order_and_op_is_named():
    a, b = Value(1.0), Value(2.0)
    c = b - a
    assert c.parents == (b, a) and c.op == "-"
    assert (a * b).parents == (a, b) and (a * b).op == "*"


def test_numbers_are_folded_into_the_op():
    a = Value(2.0)
    c = a * 3
    assert c.parents == (a,) and c.constant == 3.0 and c.data == 6.0


def test_values_hash_and_compare_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b, a}) == 2
    assert {a: "x"}[a] == "x"


def test_repr_shows_label_and_op_when_set():
    assert repr(Value(2.5)) == "Value(data=2.5, grad=0.0)"
    assert repr(Value(2.5, label="a")) == "Value(data=2.5, grad=0.0, label='a')"
    assert repr(Value(1.0) + Value(2.0)) == "Value(data=3.0, grad=0.0, op='+')"


# --- Each op: value and derivative ----------------------------------------------

OP_CASES = [
    # (name, function of x, x, expected value, expected derivative)
    ("add", lambda x: x + Value(2.0), 1.5, 3.5, 1.0),
    ("radd", lambda x: 2 + x, 1.5, 3.5, 1.0),
    ("sub", lambda x: x - Value(2.0), 1.5, -0.5, 1.0),
    ("rsub", lambda x: 2 - x, 1.5, 0.5, -1.0),
    ("mul", lambda x: x * Value(3.0), 1.5, 4.5, 3.0),
    ("rmul", lambda x: 3 * x, 1.5, 4.5, 3.0),
    ("div", lambda x: x / Value(4.0), 2.0, 0.5, 0.25),
    ("rdiv", lambda x: 2 / x, 4.0, 0.5, -2 / 16),
    ("pow number", lambda x: x**3, 2.0, 8.0, 12.0),
    ("pow value exponent", lambda x: Value(2.0) ** x, 3.0, 8.0, 8.0 * math.log(2.0)),
    ("rpow", lambda x: 2**x, 3.0, 8.0, 8.0 * math.log(2.0)),
    ("neg", lambda x: -x, 1.5, -1.5, -1.0),
    ("exp", lambda x: x.exp(), 1.0, math.e, math.e),
    ("log", lambda x: x.log(), 2.0, math.log(2.0), 0.5),
    ("tanh", lambda x: x.tanh(), 0.5, math.tanh(0.5), 1 - math.tanh(0.5) ** 2),
    ("sigmoid", lambda x: x.sigmoid(), 0.5, 1 / (1 + math.exp(-0.5)), 0.2350037122015945),
    ("relu positive", lambda x: x.relu(), 1.5, 1.5, 1.0),
    ("relu negative", lambda x: x.relu(), -1.5, 0.0, 0.0),
    ("relu at the kink", lambda x: x.relu(), 0.0, 0.0, 0.0),
    ("abs negative", lambda x: x.abs(), -1.5, 1.5, -1.0),
    ("abs at the kink", lambda x: x.abs(), 0.0, 0.0, 0.0),
    ("builtin abs", lambda x: abs(x), -2.0, 2.0, -1.0),
    ("sin", lambda x: x.sin(), 0.5, math.sin(0.5), math.cos(0.5)),
    ("cos", lambda x: x.cos(), 0.5, math.cos(0.5), -math.sin(0.5)),
    ("builtin sum", lambda x: sum([x, x * 2, Value(1.0)]), 1.5, 5.5, 3.0),
    ("total", lambda x: total([x, x * 2, 1.0]), 1.5, 5.5, 3.0),
    ("linear", lambda x: linear([x, Value(2.0)], [3.0, x], Value(1.0)), 1.5, 8.5, 5.0),
]


@pytest.mark.parametrize(
    "name, fn, x, value, derivative", OP_CASES, ids=[case[0] for case in OP_CASES]
)
def test_op_value_and_derivative(name, fn, x, value, derivative):
    v = Value(x)
    out = fn(v)
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-12)
    assert v.grad == pytest.approx(derivative, rel=1e-12)


def test_value_exponent_gets_its_own_gradient():
    a, b = Value(2.0), Value(3.0)
    c = a**b
    c.backward()
    assert a.grad == pytest.approx(12.0) and b.grad == pytest.approx(8 * math.log(2.0))


# --- backward: seeding, accumulation, sharing, depth --------------------------------


def test_leaves_accumulate_and_intermediates_hold_the_latest_call():
    a = Value(2.0)
    b = a * 3
    c = b * 4
    c.backward()
    c.backward()
    assert a.grad == 24.0
    assert b.grad == 4.0
    assert c.grad == 1.0


def test_shared_subexpressions_are_exact():
    a = Value(1.5)
    b = a + a
    c = b * b + b  # 4a^2 + 2a
    c.backward()
    assert c.data == 4 * 1.5**2 + 2 * 1.5
    assert a.grad == 8 * 1.5 + 2
    assert b.grad == 2 * 3.0 + 1


def test_backward_of_a_leaf_seeds_it_with_one():
    a = Value(5.0)
    a.backward()
    assert a.grad == 1.0


def test_million_deep_chain_needs_no_recursion():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_million_deep_shared_graph_needs_no_recursion():
    # Each level uses y twice, so backward() takes the ordering route, not the tree one.
    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.5)
    y = x
    for _ in range(500_000):
        y = (y + y) * 0.5  # two nodes a level: a million deep
    y.backward()
    assert x.grad == 1.0


def test_backward_order_puts_each_node_before_its_parents():
    a = Value(1.0)
    b = a * 2
    c = b + b.exp()
    order = backward_order(c)
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if parent.parents:
                assert position[node] < position[parent]
    assert len(order) == 3


def test_graph_has_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.3)
        y = x
        for _ in range(100):
            y = (y * 1.5 + x).tanh() * y.sigmoid()
        y.backward()
        del x, y
        assert gc.collect() == 0  # everything was freed by reference counting alone
    finally:
        gc.enable()


def test_micrograd_compatible_backward_step_by_step():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.grad = 1.0
    c._backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)
    assert c._prev == {a, b}


# --- Compatibility with micrograd 0.1.0 ---------------------------------------------


def test_micrograd_readme_expression_gives_the_same_numbers():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    assert g.data == 24.70408163265306
    g.backward()
    assert a.grad == 138.83381924198252
    assert b.grad == 645.5772594752186


# --- Bad input: clear errors naming the op and the value -----------------------------


@pytest.mark.parametrize("bad", ["abc", None, 1j, [1.0]])
def test_value_of_a_non_number_is_a_type_error(bad):
    with pytest.raises(TypeError, match="Value"):
        Value(bad)


def test_op_with_a_non_number_is_a_type_error():
    with pytest.raises(TypeError, match=r"\+: expected a real number, got 'x'"):
        Value(1.0) + "x"


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_a_non_positive_value_is_a_value_error(x):
    with pytest.raises(ValueError, match=rf"log: .*{x}"):
        Value(x).log()


def test_negative_base_with_fractional_exponent_is_a_value_error():
    with pytest.raises(ValueError, match=r"\*\*: .*-8.0 \*\* 0.5"):
        Value(-8.0) ** 0.5
    with pytest.raises(ValueError, match=r"\*\*"):
        Value(-8.0) ** Value(0.5)
    assert (Value(-2.0) ** 3).data == -8.0  # whole exponents are fine


@pytest.mark.parametrize(
    "divide",
    [
        lambda: Value(1.0) / Value(0.0),
        lambda: Value(1.0) / 0,
        lambda: 1 / Value(0.0),
        lambda: Value(0.0) ** -1,
    ],
)
def test_division_by_zero_is_a_zero_division_error(divide):
    with pytest.raises(ZeroDivisionError, match=r"(/|\*\*): .*0"):
        divide()


def test_exp_overflow_names_exp():
    with pytest.raises(OverflowError, match=r"exp: overflow at 1000\.0"):
        Value(1000.0).exp()


def test_pow_overflow_names_pow():
    with pytest.raises(OverflowError, match=r"\*\*"):
        Value(10.0) ** 400


@pytest.mark.parametrize("op", ["sin", "cos"])
def test_trig_of_infinity_is_a_value_error(op):
    with pytest.raises(ValueError, match=op):
        getattr(Value(math.inf), op)()


@pytest.mark.parametrize("x", [1000.0, -1000.0])
@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_squashing_functions_are_stable_far_out(op, x):
    v = Value(x)
    out = getattr(v, op)()
    out.backward()
    assert math.isfinite(out.data) and math.isfinite(v.grad)
    assert abs(out.data) in (0.0, 1.0)
    assert v.grad == 0.0


def test_sigmoid_is_accurate_on_both_sides():
    assert Value(-40.0).sigmoid().data == pytest.approx(math.exp(-40.0), rel=1e-12)
    assert Value(40.0).sigmoid().data == 1.0


# --- grad, second derivatives, custom ops, no_grad -----------------------------------


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


def test_custom_op_straight_through_sign():
    sign = custom_op("sign", lambda x: math.copysign(1.0, x), lambda x, out: (1.0,))
    x = Value(-0.3)
    y = sign(x) * 2
    y.backward()
    assert y.data == -2.0 and x.grad == 2.0
    assert sign(x).op == "sign"


def test_custom_op_with_several_inputs_and_second_derivatives():
    hypot = custom_op(
        "hypot",
        lambda a, b: math.hypot(a, b),
        lambda a, b, out: (a / out, b / out),
    )
    assert gradcheck(hypot, [3.0, 4.0])
    assert gradgradcheck(hypot, [3.0, 4.0])


def test_custom_op_with_a_wrong_number_of_derivatives_is_a_value_error():
    bad = custom_op("bad", lambda a, b: a + b, lambda a, b, out: (1.0,))
    with pytest.raises(ValueError, match=r"bad: derivative returned 1 values for 2 inputs"):
        bad(Value(1.0), Value(2.0))


def test_custom_op_whose_forward_returns_a_non_number_is_a_type_error():
    bad = custom_op("bad", lambda a: "x", lambda a, out: (1.0,))
    with pytest.raises(TypeError, match="bad"):
        bad(Value(1.0))


def test_no_grad_records_no_parents_and_restores_afterwards():
    a = Value(3.0)
    with no_grad():
        b = a * a + 1
        assert not micrograd.engine.is_grad_enabled()
    assert b.parents == () and b.data == 10.0
    assert micrograd.engine.is_grad_enabled()
    assert (a * a).parents == (a, a)


def test_no_grad_restores_after_an_exception():
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError
    assert micrograd.engine.is_grad_enabled()


def test_engine_imports_no_third_party_package():
    code = (
        "import sys, micrograd.engine; "
        "print(sorted(m for m in ('graphviz', 'hypothesis', 'numpy', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- Properties --------------------------------------------------------------------


@given(expressions())
def test_gradient_matches_finite_differences(case):
    fn, inputs = case
    assert gradcheck(fn, inputs)


@given(expressions(max_leaves=6))
def test_second_derivatives_match_finite_differences_of_first(case):
    fn, inputs = case
    assert gradgradcheck(fn, inputs)


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


def test_fused_nodes_with_a_single_parent():
    v = Value(2.0)
    out = total([v]) * 3
    out.backward()
    assert v.grad == 3.0
    with pytest.raises(ValueError, match="linear"):
        linear([], [], Value(0.0))


def test_a_graph_node_takes_at_most_200_bytes():
    import tracemalloc

    steps = 10_000
    gc.collect()
    tracemalloc.start()
    y = Value(0.5)
    for _ in range(steps):
        y = (y * 1.0001 + 0.001).tanh()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size / (3 * steps) <= 200


def test_tree_and_shared_graphs_visit_nodes_in_backward_order():
    # backward() takes a one-pass route for trees and a counting route for shared
    # graphs; both must visit nodes in backward_order(), so sums match to the bit.
    x = Value(0.7)
    tree = ((x * 2).tanh() + (x * 3).exp()).sin()
    shared_part = x * 2
    shared = (shared_part.tanh() + shared_part.exp()).sin()
    for root in (tree, shared):
        x.grad = 0.0
        root.backward()
        via_backward = x.grad
        x.grad = 0.0
        for _ in root.backward_steps():
            pass
        assert x.grad == via_backward


def test_backward_after_an_interrupted_backward_still_works():
    class Interrupting(float):
        def __add__(self, other):
            raise KeyboardInterrupt

    x = Value(1.0)
    h = x * 2
    y = h * h + h  # h is shared: the counting route
    x.grad = Interrupting(0.0)
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == (2 * 2.0 + 1) * 2


def test_fused_sums_add_left_to_right_as_a_chain_of_plus_nodes_does():
    # Python 3.12's builtin sum() is compensated; micrograd's numbers come from
    # plain left-to-right addition, and so must the fused nodes'.
    values = [Value(1e16), Value(1.0), Value(-1e16), Value(1.0)]
    assert total(values).data == sum(values).data == 1.0
    w = [Value(1e16), Value(1.0), Value(-1e16)]
    assert linear(w, [1.0, 1.0, 1.0], Value(0.0)).data == (w[0] + w[1] + w[2]).data
