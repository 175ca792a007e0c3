"""micrograd.trace: stepping through backprop with backward_steps(), explain() and tree().

Drawing a step is tested in test_viz_graph.py, and `micrograd graph --steps` in test_cli.py.
"""

import itertools
import re
import subprocess
import sys

import pytest
from hypothesis import given

from micrograd import node_names
from micrograd.engine import Value, backward_order, total
from micrograd.testing.strategies import expressions
from micrograd.trace import explain, tree


def neuron():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [x1, w1, x2, w2, b]


def non_leaf_count(root):
    seen, stack, count = {root}, [root], 0
    while stack:
        node = stack.pop()
        count += bool(node.parents)
        for p in node.parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return count


def test_one_step_per_non_leaf_node_in_backward_order():
    o, _ = neuron()
    steps = list(o.backward_steps())
    assert len(steps) == non_leaf_count(o) == 5
    assert [s.node for s in steps] == backward_order(o)


def test_step_reads_like_the_chain_rule():
    o, _ = neuron()
    first = next(o.backward_steps())
    assert str(first) == (
        "o = tanh(n): upstream do/do = 1 -> do/dn: local do/dn = 1 - o² = 1 - 0.7071² = 0.5, "
        "upstream × local = 1 × 0.5 = 0.5, total 0 + 0.5 = 0.5"
    )
    assert first.upstream == 1.0
    (update,) = first.updates
    assert update.parent.label == "n"
    assert update.local == pytest.approx(0.5) and update.contribution == pytest.approx(0.5)


def test_unlabelled_nodes_are_named_by_op_and_number():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = (a * b + 1).exp()
    text = "\n".join(str(s) for s in c.backward_steps())
    assert "exp1 = exp(add2)" in text and "add2 = mul3 + 1" in text and "mul3 = a * b" in text


@given(expressions())
def test_exhausted_steps_leave_exactly_the_gradients_of_backward(case):
    fn, inputs = case
    stepped = [Value(x) for x in inputs]
    plain = [Value(x) for x in inputs]
    for _ in fn(*stepped).backward_steps():
        pass
    fn(*plain).backward()
    assert [v.grad for v in stepped] == [v.grad for v in plain]


def test_steps_accumulate_into_leaves_and_reset_intermediates_like_backward():
    a = Value(2.0)
    b = a * 3
    c = b * 4
    for _ in range(2):
        for _ in c.backward_steps():
            pass
    assert a.grad == 24.0 and b.grad == 4.0


def test_a_half_consumed_generator_leaves_partial_gradients():
    o, (x1, w1, _x2, _w2, b) = neuron()
    steps = o.backward_steps()
    next(steps)
    next(steps)  # o -> n, then n -> (x1*w1 + x2*w2), b
    assert b.grad == pytest.approx(0.5)
    assert x1.grad == 0.0 and w1.grad == 0.0  # not reached yet
    for _ in steps:
        pass
    assert x1.grad == pytest.approx(-1.5) and w1.grad == pytest.approx(1.0)


def test_explain_names_every_labelled_node_and_touches_no_grad():
    o, leaves = neuron()
    text = o.explain()
    for name in ["o", "n", "x1", "w1", "x2", "w2", "b"]:
        assert name in text
    edges = sum(len(node.parents) for node in backward_order(o))
    assert sum(line.startswith("  do/d") for line in text.splitlines()) == edges
    assert "  do/dx1: local dmul2/dx1 = w1 = -3, upstream × local = 0.5 × (-3) = -1.5" in text
    assert all(v.grad == 0.0 for v in leaves) and o.grad == 0.0


def test_tree_names_every_labelled_node_with_data_and_grad():
    o, _ = neuron()
    o.backward()
    text = o.tree()
    assert text.splitlines()[0] == "o = tanh(n)  data 0.7071  grad 1"
    for name in ["n", "x1", "w1", "x2", "w2", "b"]:
        assert any(line.strip().startswith(name) for line in text.splitlines())
    assert "  b  data 6.881  grad 0.5" in text


def test_tree_writes_a_shared_subexpression_once():
    a = Value(1.0, label="a")
    s = a * 2
    s.label = "s"
    y = s * s
    assert y.tree().count("s = a * 2") == 1 and "s  (see above)" in y.tree()


def test_tree_and_explain_of_a_deep_chain_need_no_recursion():
    x = Value(1.0, label="x")
    for _ in range(5000):
        x = x * 1.0
    assert x.tree(max_depth=None, max_lines=None).count("\n") == 5000
    assert x.explain(max_lines=None).count("\n") == 2 * 5000 - 1


REPL_SESSION = """\
from micrograd import Value
a = Value(2.0, label="a"); b = Value(-0.3, label="b")
c = a * b; c.label = "c"
L = c.tanh(); L.label = "L"
for step in L.backward_steps(): print(step)

print(a.grad, b.grad)
print(L.tree())
"""


def test_a_real_python_i_session_prints_readable_steps():
    done = subprocess.run(
        [sys.executable, "-i", "-q"], input=REPL_SESSION, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    assert "L = tanh(c): upstream dL/dL = 1 -> dL/dc: local dL/dc = 1 - L² = " in done.stdout
    assert (
        "c = a * b: upstream dL/dc = 0.7116 -> dL/da: local dc/da = b = -0.3, "
        "upstream × local = 0.7116 × (-0.3) = -0.2135, total 0 + (-0.2135) = -0.2135" in done.stdout
    )
    assert "L = tanh(c)  data -0.537  grad 1" in done.stdout


# --- At the limits: names unique whatever the labels, output bounded on huge graphs ---


def test_names_are_unique_and_predictable():
    w1, w2 = Value(1.0, label="w"), Value(2.0, label="w")
    names = node_names(w1 * w2)
    assert sorted(names.values()) == ["mul1", "w", "w#2"]
    tricky = Value(3.0, label="mul1")
    names = node_names(tricky * 2)
    assert len(set(names.values())) == 2


def test_a_users_label_keeps_its_name_and_the_automatic_name_gives_way():
    # issue 25, item 12: the label "mul1" used to become "mul1#2"
    tricky = Value(3.0, label="mul1")
    y = tricky * 2
    names = node_names(y)
    assert names[tricky] == "mul1" and names[y] == "mul2"


def test_names_given_come_first_either_way_round():
    w, b = Value(2.0, label="w"), Value(1.0)
    y = w * 3 + b
    by_value = node_names(y, {w: "layer.weight[0]", b: "layer.bias"})
    by_name = node_names(y, {"layer.weight[0]": w, "layer.bias": b})
    assert by_value == by_name
    assert by_value[w] == "layer.weight[0]" and by_value[b] == "layer.bias"
    assert "layer.weight[0]" in explain(y, names=by_name) and "layer.bias" in tree(y, names=by_name)
    with pytest.raises(TypeError, match="names: each name must be a non-empty string"):
        node_names(y, {w: ""})


def test_names_from_a_model_reach_explain_and_tree():
    from micrograd.nn import MLP

    model = MLP(2, [2, 1])
    out = model([Value(0.5, label="x1"), Value(-0.3, label="x2")])
    out = out[0] if isinstance(out, list) else out
    text = explain(out, names=dict(model.named_parameters()))
    for name, _ in model.named_parameters():
        assert f"/d{name}:" in text


def test_tree_of_a_long_chain_is_bounded():
    # How fast it is belongs to benchmarks/, not to a pass/fail here.
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    text = y.tree()
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
    s = total([Value(float(i)) for i in range(10_000)])
    line = str(next(s.backward_steps()))
    assert len(line) < 2000 and "more parents" in line


# --- Texts a learner can check: every printed a op b = c holds at its printed precision ---

NUMBER = r"\(?-?(?:\d+\.?\d*(?:e[+-]\d+)?|inf|nan)\)?"


def _digits(number: str) -> int:
    mantissa = number.strip("()-").split("e")[0].replace(".", "").lstrip("0")
    return max(1, len(mantissa))


def _recompute(expression: str) -> float:
    """The value of a printed arithmetic expression, as a learner would work it out."""
    import math

    def sign(x):
        return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else math.nan

    python = expression.replace("×", "*").replace("²", "**2").replace("^", "**")
    namespace = {"inf": math.inf, "nan": math.nan, "log": math.log, "cos": math.cos}
    namespace.update(sin=math.sin, sign=sign)
    return float(eval(python, {"__builtins__": {}}, namespace))  # only printed numbers


def equations(text: str) -> list[tuple[str, str]]:
    """Every ``expression = number`` of a step's text whose expression holds only numbers."""
    found = []
    for part in re.split(r"[,;:]| -> |\n", text.replace("total ", "")):
        forms = [f.strip() for f in part.split(" = ")]
        for left, right in itertools.pairwise(forms):
            operators = re.sub(r"e[+-]\d", "", left.strip("()-"))
            if re.fullmatch(NUMBER, right) and re.search(r"[-+×/²^ ]", operators):
                words = re.sub(r"inf|nan|log|cos|sin|sign|if|else", "", left)
                if not re.search(r"[a-df-z_#]", words):
                    found.append((left, right))
    return found


def assert_consistent(text: str) -> None:
    import math

    found = equations(text)
    for left, right in found:
        try:
            again = _recompute(left)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue  # log(0) and the like: the rule says what the formula cannot
        printed = float(right.strip("()"))
        if math.isnan(printed) or math.isinf(printed):
            assert math.isnan(again) or again == printed, (left, right)
            continue
        # the printed c, to as many figures as it shows (a rounding that gives c at more
        # figures gives it at these), is what the printed a and b give
        assert float(format(again, f".{_digits(right)}g")) == printed, (text, left, right, again)


def test_the_neurons_steps_are_checked_equations():
    o, _ = neuron()
    texts = [str(step) for step in o.backward_steps()]
    assert sum(len(equations(t)) for t in texts) == 19  # 9 edges x 2, and 1 - o²
    for text in texts:
        assert_consistent(text)


@given(expressions())
def test_every_printed_equation_holds_at_its_printed_precision(case):
    fn, inputs = case
    root = fn(*[Value(x, label=f"x{i}") for i, x in enumerate(inputs)])
    for step in root.backward_steps():
        assert_consistent(str(step))
    assert_consistent(explain(root))


def test_numbers_are_significant_figures_and_negative_operands_have_parentheses():
    a, b = Value(1e-5, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    text = str(next(c.backward_steps()))
    assert "local dc/da = b = -3, upstream × local = 1 × (-3) = -3" in text
    assert "local dc/db = a = 1e-05, upstream × local = 1 × 1e-05 = 1e-05" in text
    p = Value(-1.2561, label="p") ** 2
    p.label = "q"
    assert "2 × (-1.256)^(2 - 1)" in str(next(p.backward_steps()))
