"""Hostile inputs to the engine and the trace (issue 15's engine half): each case a
clear error naming the op and the value, or the right number; never a bare math
error, never a hidden NaN, never unbounded output."""

import copy
import math
import time

import pytest

from micrograd import custom_op, node_names
from micrograd.engine import Value

np = pytest.importorskip("numpy")


def test_numpy_scalars_become_python_floats():
    v = Value(np.float64(10))
    assert type(v.data) is float
    with pytest.raises(OverflowError, match=r"\*\*"):
        v**400
    assert Value(np.True_).data == 1.0
    assert type((Value(1.0) * np.float32(2)).data) is float


def test_a_huge_int_names_value():
    with pytest.raises(OverflowError, match=r"Value: an int of .* too large for a float"):
        Value(10**400)


@pytest.mark.parametrize("exponent", [math.nan, math.inf, -math.inf])
def test_a_negative_base_with_nan_or_inf_exponent_is_no_bare_error(exponent):
    out = Value(-2.0) ** exponent
    assert out.data == (-2.0) ** exponent or math.isnan(out.data)


def test_relu_and_abs_keep_nan():
    for op in (Value.relu, Value.abs, Value.tanh, Value.log):
        out = op(Value(math.nan))
        assert math.isnan(out.data)
        out.backward()


def test_an_overflowing_derivative_is_inf_not_an_error_on_a_valid_forward():
    x = Value(1e-200)
    y = x**-1.5
    assert y.data == pytest.approx(1e300)
    y.backward()
    assert x.grad == -math.inf


def test_custom_op_accepts_a_bare_number_for_one_input():
    double = custom_op("double", lambda x: 2 * x, lambda x, out: 2.0)
    x = Value(1.0)
    double(x).backward()
    assert x.grad == 2.0


def test_custom_op_refuses_a_dict_naming_the_op():
    bad = custom_op("bad", lambda x: x, lambda x, out: {"x": 1.0})
    with pytest.raises(TypeError, match="bad: derivative must return a tuple"):
        bad(Value(1.0))


def test_custom_op_called_with_the_wrong_number_of_inputs_says_so():
    one = custom_op("one", lambda x: x, lambda x, out: (1.0,))
    with pytest.raises(TypeError, match="one: called with 2 inputs"):
        one(Value(1.0), Value(2.0))


def test_deep_copies_of_any_depth():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    z = copy.deepcopy(y)
    assert z is not y and z.data == y.data
    z.backward()
    assert x.grad == 0.0  # the copy has its own leaves


def test_names_are_unique_and_predictable():
    w1, w2 = Value(1.0, label="w"), Value(2.0, label="w")
    names = node_names(w1 * w2)
    assert sorted(names.values()) == ["mul1", "w", "w#2"]
    tricky = Value(3.0, label="mul1")
    names = node_names(tricky * 2)
    assert len(set(names.values())) == 2


def test_tree_of_a_long_chain_is_bounded_and_fast():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    start = time.perf_counter()
    text = y.tree()
    assert time.perf_counter() - start < 2.0
    assert len(text) < 200_000
    assert "tree(max_depth=None)" in text or "tree(max_lines=None)" in text
    assert len(y.tree(max_depth=None, max_lines=2000).splitlines()) == 2001


def test_tree_with_shared_nodes_is_linear():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * y  # each node used twice
    text = y.tree(max_lines=None, max_depth=None)
    assert text.count("(see above)") == 100_000 - 1


def test_explain_is_bounded():
    x = Value(0.5)
    y = x
    for _ in range(10_000):
        y = y + 1.0
    text = y.explain()
    assert "explain(max_lines=None)" in text
    assert len(text.splitlines()) <= 1001


def test_a_step_of_a_huge_sum_prints_one_short_line():
    from micrograd.engine import total

    s = total([Value(float(i)) for i in range(10_000)])
    line = str(next(s.backward_steps()))
    assert len(line) < 2000 and "more parents" in line
