"""micrograd.compat: micrograd 0.1.0's names (_prev, _op, _backward, nodes built by hand),
and the same numbers as micrograd 0.1.0, checked against the real thing.

micrograd 0.1.0 has this project's import name, so it is installed with pip into
a virtualenv of its own; the tests that run it skip only if that install is impossible.
"""

import gc
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from micrograd.backprop import grad
from micrograd.compat import ChainRuleStep
from micrograd.engine import Value

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ROOT / "benchmarks" / "workloads.py"
STEPS = "8"  # micrograd 0.1.0 takes about a second a step; the benchmark checks all 100


# --- _prev and _op ---------------------------------------------------------------------------


def test_prev_is_the_set_of_parents():
    a, b = Value(2.0), Value(-3.0)
    assert (a * b)._prev == {a, b}
    assert (a * a)._prev == {a}
    assert (a * 2)._prev == {a}
    assert Value(1.0)._prev == set()


@pytest.mark.parametrize(
    "fn, op",
    [
        (lambda x: x + Value(1.0), "+"),
        (lambda x: x + 1, "+"),
        (lambda x: x * Value(2.0), "*"),
        (lambda x: 2 * x, "*"),
        (lambda x: x.relu(), "ReLU"),
        (lambda x: x**2, "**2"),
        (lambda x: x**0.5, "**0.5"),
        (lambda x: x**-1, "**-1"),
        (lambda x: x.tanh(), "tanh"),
        (lambda x: x.exp(), "exp"),
        (lambda x: x, ""),
    ],
    ids=["+", "+ number", "*", "number *", "ReLU", "**2", "**0.5", "**-1", "tanh", "exp", "leaf"],
)
def test_op_is_micrograd_010s_string(fn, op):
    assert fn(Value(2.0))._op == op


# --- _backward -------------------------------------------------------------------------------


def test_micrograd_compatible_backward_step_by_step():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.grad = 1.0
    c._backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)
    assert c._prev == {a, b}


def test_backward_is_one_chain_rule_step_that_accumulates():
    x = Value(3.0)
    y = x * x + x
    step = y._backward
    assert isinstance(step, ChainRuleStep) and callable(step)
    y.grad = 2.0
    step()
    step()
    assert [p.grad for p in y.parents] == [4.0, 4.0]


def test_a_chain_rule_step_holds_no_reference_cycle():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = (x * x).tanh()
        step = y._backward
        y.grad = 1.0
        step()
        assert step.node is y
        del x, y, step
        assert gc.collect() == 0  # freed by reference counting alone
    finally:
        gc.enable()


def test_backward_assigned_to_an_engine_node_replaces_its_step():
    x = Value(3.0)
    y = x * x
    calls = []
    y._backward = lambda: calls.append(y.grad)
    out = y * 2
    out.backward()
    assert calls == [2.0] and x.grad == 0.0  # the function ran instead of the rule
    assert y._op == "*" and y._prev == {x}


def test_backward_must_be_assigned_a_function():
    y = Value(3.0) * 2
    with pytest.raises(TypeError, match=r"_backward: expected a function"):
        y._backward = 1.0


# --- Nodes built by hand: Value(data, children, op) --------------------------------------------


def multiply_by_hand(a, b):
    """A node built the way micrograd 0.1.0's lectures build one."""
    out = Value(a.data * b.data, (a, b), "*")

    def _backward():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    return out


def test_a_node_built_by_hand_keeps_its_children_and_op():
    a, b = Value(2.0), Value(3.0)
    out = Value(6.0, (a, b), "*")
    assert out._prev == {a, b} and out.parents == (a, b)
    assert out._op == "*" and out.op == "*"
    out._backward()  # does nothing until one is assigned, as in 0.1.0
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_backward_runs_hand_built_steps_in_topological_order():
    # f = (a*b) * (a*b) + 3*(a*b): each hand-built step must run after all its users.
    a, b = Value(2.0), Value(-1.5)
    h = multiply_by_hand(a, b)
    sq = multiply_by_hand(h, h)
    f = sq + 3 * h
    f.backward()
    hv = 2.0 * -1.5
    assert f.data == hv * hv + 3 * hv
    assert h.grad == 2 * hv + 3
    assert (a.grad, b.grad) == ((2 * hv + 3) * -1.5, (2 * hv + 3) * 2.0)


def test_hand_built_nodes_need_value_children():
    with pytest.raises(TypeError, match=r"Value: _children must be Values"):
        Value(1.0, (1.0, 2.0), "+")


def test_grad_of_a_hand_built_node_says_only_backward_can_run_it():
    a, b = Value(2.0), Value(3.0)
    out = multiply_by_hand(a, b)
    with pytest.raises(TypeError, match=r"\*: built by hand with its own _backward"):
        grad(out, [a])
    with pytest.raises(TypeError, match=r"\*: built by hand .* no derivative rule"):
        grad(out, [a], create_graph=True)


# --- The same numbers as micrograd 0.1.0 ---------------------------------------------------------


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


@pytest.fixture(scope="module")
def micrograd_010(tmp_path_factory):
    cached = ROOT / "benchmarks" / ".venv-micrograd-0.1.0" / "bin" / "python"
    if cached.exists():
        return str(cached)
    home = tmp_path_factory.mktemp("micrograd-0.1.0")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "micrograd==0.1.0"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"micrograd 0.1.0 could not be installed: {done.stderr[-300:]}")
    return str(python)


def losses(python):
    done = subprocess.run(
        [python, str(WORKLOADS), "micrograd", "losses", STEPS],
        capture_output=True,
        text=True,
        cwd=WORKLOADS.parent,
        check=True,
    )
    return json.loads(done.stdout)["losses"]


@pytest.mark.slow
def test_moons_recipe_losses_equal_micrograd_010_at_every_step(micrograd_010):
    theirs = losses(micrograd_010)
    ours = losses(sys.executable)
    assert len(ours) == len(theirs) == int(STEPS)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_a_number_to_the_power_of_a_value_is_not_written_as_a_number_exponent():
    x = Value(3.0)
    assert (x**2)._op == "**2"
    assert (2**x)._op == "**"  # 0.1.0 has no __rpow__; its '**2' means x ** 2 only
