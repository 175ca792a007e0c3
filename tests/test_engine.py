"""micrograd.engine: Value and its ops (values, derivatives, errors), the catalogue OPS,
backward(), no_grad, custom_op, the fused nodes linear and total, the size of a node, no
reference cycles, and the import paths."""

import asyncio
import copy
import gc
import math
import subprocess
import sys
import threading

import pytest
from hypothesis import given

import micrograd
from micrograd.backprop import local_derivatives
from micrograd.engine import (
    OPS,
    Value,
    custom_op,
    is_grad_enabled,
    linear,
    max_of,
    no_grad,
    total,
)
from micrograd.testing import gradcheck, gradgradcheck
from micrograd.testing.strategies import expressions

# --- Value basics ---------------------------------------------------------------------


def test_value_holds_a_float_and_converts_ints():
    v = Value(3)
    assert v.data == 3.0 and isinstance(v.data, float)
    assert v.grad == 0.0 and isinstance(v.grad, float)
    assert v.label == "" and v.op == "" and v.parents == ()


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


def test_deep_copies_of_any_depth():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    z = copy.deepcopy(y)
    assert z is not y and z.data == y.data
    z.backward()
    assert x.grad == 0.0  # the copy has its own leaves


# --- Each op: value and derivative ----------------------------------------------------


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


def test_a_negative_base_has_no_exponent_slope_either_way():
    y = Value(2.0)
    for out in (Value(-8.0) ** y, (-8.0) ** y):
        y.grad = 0.0
        out.backward()
        assert math.isnan(y.grad)


def test_an_overflowing_derivative_is_inf_not_an_error_on_a_valid_forward():
    x = Value(1e-200)
    y = x**-1.5
    assert y.data == pytest.approx(1e300)
    y.backward()
    assert x.grad == -math.inf


def test_division_by_a_number_is_recorded_and_shown_as_a_division():
    x = Value(3.0, label="x")
    y = x / 2
    assert y.op == "/" and y.constant == 2.0 and y.data == 1.5
    assert "x / 2" in y.tree()


@given(expressions())
def test_gradient_matches_finite_differences(case):
    fn, inputs = case
    assert gradcheck(fn, inputs)


# --- The catalogue: each op's rule, also where an op fills in its node itself ---------


def test_every_op_in_the_catalogue_has_a_rule_and_a_way_to_apply_it():
    for name, op in OPS.items():
        assert op.name == name and callable(op.derivative) and callable(op.apply)
    x = Value(0.3)
    for name in ("exp", "tanh", "sigmoid", "sin", "cos", "neg", "abs", "relu"):
        node = OPS[name].apply(x)
        (from_rule,) = local_derivatives(node, create_graph=True)
        assert local_derivatives(node) == (pytest.approx(getattr(from_rule, "data", from_rule)),)


def test_nodes_built_without_their_builder_match_the_rule():
    # +, *, tanh and relu fill in their nodes themselves; their local derivatives are
    # still the rule's, for Value and number operands, either way round.
    x, y = Value(0.7), Value(-1.3)
    cases = [
        (x + y, OPS["add"].derivative(0.7, -1.3, -0.6)),
        (x + 2.0, (1.0,)),
        (2 + x, (1.0,)),
        (x * y, OPS["mul"].derivative(0.7, -1.3, 0.7 * -1.3)),
        (x * 3, (3.0,)),
        (3.0 * x, (3.0,)),
        (x.tanh(), (OPS["tanh"].derivative(0.7, math.tanh(0.7)),)),
        (y.relu(), (0.0,)),
        (x.relu(), (1.0,)),
    ]
    for node, expected in cases:
        assert local_derivatives(node) == tuple(expected), node
    assert Value(math.nan).relu().data != Value(math.nan).relu().data  # NaN stays NaN
    assert math.isnan(local_derivatives(Value(math.nan).relu())[0])


# --- backward: seeding, accumulation, sharing -----------------------------------------


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


# --- Bad input: clear errors naming the op and the value ------------------------------


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


# --- Overflow: one rule for every op (issue 25, item 11) -----------------------------
# Past the float range an op's result is infinite, with its sign, as IEEE 754 floats,
# micrograd 0.1.0's + and *, PyTorch and NumPy all give: docs/guide.md, "Overflow".


@pytest.mark.parametrize(
    "overflow, expected",
    [
        (lambda: Value(1e308) * 10, math.inf),
        (lambda: Value(1e308) + 1e308, math.inf),
        (lambda: Value(-1e308) - 1e308, -math.inf),
        (lambda: Value(1e308) / 0.1, math.inf),
        (lambda: Value(1000.0).exp(), math.inf),
        (lambda: Value(10.0) ** 400, math.inf),
        (lambda: Value(-10.0) ** 401, -math.inf),
        (lambda: Value(-10.0) ** Value(400.0), math.inf),
        (lambda: 2 ** Value(5000.0), math.inf),
        (lambda: Value(0.5) ** -5000, math.inf),
    ],
)
def test_every_op_that_overflows_gives_inf_with_its_sign(overflow, expected):
    assert overflow().data == expected


def test_an_overflowed_exp_backpropagates_inf_not_an_error():
    x = Value(1000.0)
    y = x.exp()
    y.backward()
    assert y.data == math.inf and x.grad == math.inf


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


@pytest.mark.parametrize("exponent", [math.nan, math.inf, -math.inf])
def test_a_negative_base_with_nan_or_inf_exponent_is_no_bare_error(exponent):
    out = Value(-2.0) ** exponent
    assert out.data == (-2.0) ** exponent or math.isnan(out.data)


def test_relu_and_abs_keep_nan():
    for op in (Value.relu, Value.abs, Value.tanh, Value.log):
        out = op(Value(math.nan))
        assert math.isnan(out.data)
        out.backward()


# --- custom_op ------------------------------------------------------------------------


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


# --- Fused nodes: linear, total -------------------------------------------------------


def test_fused_nodes_with_a_single_parent():
    v = Value(2.0)
    out = total([v]) * 3
    out.backward()
    assert v.grad == 3.0
    with pytest.raises(ValueError, match="linear"):
        linear([], [], Value(0.0))


def test_fused_sums_add_left_to_right_as_a_chain_of_plus_nodes_does():
    # Python 3.12's builtin sum() is compensated; micrograd's numbers come from
    # plain left-to-right addition, and so must the fused nodes'.
    values = [Value(1e16), Value(1.0), Value(-1e16), Value(1.0)]
    assert total(values).data == sum(values).data == 1.0
    w = [Value(1e16), Value(1.0), Value(-1e16)]
    assert linear(w, [1.0, 1.0, 1.0], Value(0.0)).data == (w[0] + w[1] + w[2]).data


# --- max_of: one node that picks the largest --------------------------------------------


def test_max_of_keeps_every_operand_and_sends_the_gradient_to_the_first_largest():
    a, b, c = Value(2.0), Value(-1.0), Value(2.0)
    m = max_of([a, b, 1.5, c])  # a number becomes a leaf of its own, as in total()
    assert m.data == 2.0 and len(m.parents) == 4 and m.parents[:2] == (a, b)
    assert m.op_entry is OPS["max"] and OPS["max"].chooses
    (m * 3).backward()
    assert (a.grad, b.grad, m.parents[2].grad, c.grad) == (3.0, 0.0, 0.0, 0.0)  # a tie: a


def test_max_of_never_hides_a_nan():
    # Python's max([1.0, nan]) is 1.0: the NaN would vanish.  max_of says NaN, and so do
    # the gradients of every operand.
    x, y = Value(1.0), Value(math.nan)
    for operands in ([x, y], [y, x]):
        x.grad = y.grad = 0.0
        m = max_of(operands)
        m.backward()
        assert math.isnan(m.data) and math.isnan(x.grad) and math.isnan(y.grad)


def test_max_of_refuses_nothing_and_non_numbers():
    with pytest.raises(ValueError, match="max_of: needs at least one value"):
        max_of([])
    with pytest.raises(TypeError):
        max_of([Value(1.0), "2"])


def test_max_of_has_second_derivatives_through_its_input():
    x = Value(0.7)
    gradgradcheck(lambda v: max_of([v * v, v.tanh()]), [x])
    gradcheck(lambda v, w: max_of([v, w * 2]), [Value(0.3), Value(0.5)])


# --- The trace methods take names, as micrograd.trace does ---------------------------------


def test_explain_tree_and_backward_steps_take_a_partial_mapping_of_names():
    w, x = Value(0.5), Value(2.0, label="x")
    y = (w * x).tanh()
    for names in ({w: "weight"}, {"weight": w}):  # {value: name} or {name: value}
        assert "mul2 = weight * x" in y.explain(names=names)
        assert "dtanh1/dweight" in y.explain(names=names)
        assert "    weight  data 0.5" in y.tree(names=names)
        steps = [str(step) for step in y.backward_steps(names=names)]
        assert "weight" in steps[1] and "leaf" not in "".join(steps)


# --- no_grad, per thread and per async task -------------------------------------------


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


def test_no_grad_blocks_closed_out_of_order_leave_recording_on():
    # Two generators, each holding a block open, closed in the order they were opened.
    def evaluating():
        with no_grad():
            yield

    first, second = evaluating(), evaluating()
    next(first)
    next(second)
    next(first, None)  # the first block ends while the second is still open
    assert not is_grad_enabled()
    next(second, None)
    assert is_grad_enabled()
    a = Value(2.0)
    assert (a * a).parents == (a, a)


def test_no_grad_in_one_thread_leaves_the_others_recording():
    entered, release = threading.Event(), threading.Event()
    results = {}

    def pausing():
        with no_grad():
            entered.set()
            release.wait(5)
            results["inside"] = (Value(2.0) * Value(3.0)).parents

    def recording():
        entered.wait(5)
        a = Value(2.0)
        b = a * a
        b.backward()
        results["grad"] = a.grad
        results["enabled"] = is_grad_enabled()
        release.set()

    threads = [threading.Thread(target=pausing), threading.Thread(target=recording)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {"inside": (), "grad": 4.0, "enabled": True}
    assert is_grad_enabled()


def test_no_grad_is_per_async_task():
    async def main():
        paused = asyncio.Event()
        done = asyncio.Event()

        async def pausing():
            with no_grad():
                paused.set()
                await done.wait()

        async def recording():
            await paused.wait()
            a = Value(2.0)
            out = (a * a).parents
            done.set()
            return out

        _, parents = await asyncio.gather(pausing(), recording())
        return parents

    assert len(asyncio.run(main())) == 2


# --- Memory: node size, no reference cycles -------------------------------------------


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


# --- Import paths ---------------------------------------------------------------------


def test_value_is_importable_from_the_package():
    assert micrograd.Value is Value


def test_every_earlier_import_path_still_works():
    import micrograd
    from micrograd.engine import ParentUpdate, Step, linear, node_names, total  # noqa: F401
    from micrograd.engine import Value as EngineValue

    assert EngineValue is micrograd.Value
    assert node_names is micrograd.node_names


def test_grad_lives_above_the_engine_as_the_changelog_says():
    # micrograd.engine.grad could only be kept by an upward import (see docs/architecture.md).
    import micrograd.engine
    from micrograd.backprop import grad

    assert not hasattr(micrograd.engine, "grad")
    assert micrograd.grad is grad


def test_engine_imports_no_third_party_package():
    code = (
        "import sys, micrograd.engine; "
        "print(sorted(m for m in ('graphviz', 'hypothesis', 'numpy', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
