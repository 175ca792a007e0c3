"""micrograd 0.1.0's own notebooks, in our words, run unchanged on this project.

``trace_graph.ipynb`` draws a graph by walking ``_prev`` and naming nodes
``str(id(n)) + n._op``; ``demo.ipynb`` trains an MLP on moons with a max-margin
loss and prints each step.  Both scripts below are written against 0.1.0's API
only, then run on micrograd 0.1.0 (in its own virtualenv) and on this project:
the numbers they print must agree.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_compat import micrograd_010  # noqa: F401  (the fixture)

ROOT = Path(__file__).resolve().parent.parent

TRACE_GRAPH = r"""
import json, random
from graphviz import Digraph
from micrograd.engine import Value
from micrograd.nn import Neuron

def trace(root):
    nodes, edges = set(), set()
    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges

def draw_dot(root, format="svg", rankdir="LR"):
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={"rankdir": rankdir})
    for n in nodes:
        label = "{ data %.4f | grad %.4f }" % (n.data, n.grad)
        dot.node(name=str(id(n)), label=label, shape="record")
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot

x = Value(1.0)
y = (x * 2 + 1).relu()
y.backward()
first = draw_dot(y)
random.seed(1337)
n = Neuron(2)
xs = [Value(1.0), Value(-2.0)]
out = n(xs)
out.backward()
second = draw_dot(out)
print(json.dumps({
    "x_grad": x.grad, "y": y.data, "y_op": y._op,
    "neuron_out": out.data, "input_grads": [v.grad for v in xs],
    "weight_grads": [w.grad for w in n.w], "bias_grad": n.b.grad, "nonlin": n.nonlin,
    "ops_drawn": sorted({line.split("label=")[1].strip() for line in first.body
                         if "label=" in line and "record" not in line}),
}))
"""

DEMO = r"""
import json, math, random
from micrograd.engine import Value
from micrograd.nn import Neuron, Layer, MLP

random.seed(1337)
# make_moons(n_samples=100, noise=0.1), in pure Python (no sklearn needed)
half = 50
angles = [math.pi * i / (half - 1) for i in range(half)]
points = [[math.cos(t), math.sin(t)] for t in angles]
points += [[1 - math.cos(t), 0.5 - math.sin(t)] for t in angles]
X = [[a + random.gauss(0, 0.1), b + random.gauss(0, 0.1)] for a, b in points]
y = [-1] * half + [1] * half

model = MLP(2, [16, 16, 1])
printed = [str(model), "number of parameters %d" % len(model.parameters())]

def loss(batch_size=None):
    Xb, yb = X, y
    inputs = [list(map(Value, xrow)) for xrow in Xb]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

losses = []
for k in range(STEPS):
    total_loss, acc = loss()
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    printed.append(f"step {k} accuracy {acc*100}%")
    losses.append(total_loss.data)
print(json.dumps({"printed": printed, "losses": losses}))
"""


def with_graphviz(python):
    """The graphviz package (DOT only; nothing is rendered), which the notebook imports."""
    subprocess.run([python, "-m", "pip", "install", "-q", "graphviz"], check=True)
    return python


def run(python, script):
    done = subprocess.run(
        [python, "-c", script], capture_output=True, text=True, cwd=ROOT / "benchmarks"
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_trace_graph_notebook_runs_unchanged_with_micrograd_010s_numbers(micrograd_010):  # noqa: F811
    theirs = run(with_graphviz(micrograd_010), TRACE_GRAPH)
    ours = run(sys.executable, TRACE_GRAPH)
    assert ours == theirs


def test_trace_graph_notebook_runs_unchanged():
    ours = run(sys.executable, TRACE_GRAPH)
    assert ours["x_grad"] == 2.0 and ours["y_op"] == "ReLU" and ours["nonlin"] is True
    assert ours["ops_drawn"] == ['"*"]', '"+"]', "ReLU]"]  # DOT quotes the symbols


@pytest.mark.slow
def test_demo_notebook_prints_micrograd_010s_numbers(micrograd_010):  # noqa: F811
    script = DEMO.replace("STEPS", "4")
    theirs = run(micrograd_010, script)
    ours = run(sys.executable, script)
    assert ours["printed"] == theirs["printed"]
    assert ours["losses"] == pytest.approx(theirs["losses"], rel=1e-12)
