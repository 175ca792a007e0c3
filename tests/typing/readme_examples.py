"""The examples of README.md and docs/*.md as a user's typed script: `mypy --strict` must pass.

tests/typing/test_mypy.py runs mypy on this file (and runs it, so every line is real).  Each
section follows a section of the README or a docs page; where a user would need a cast or an
isinstance check only to satisfy mypy, the library's types are too loose and should be fixed
there instead.
"""

from __future__ import annotations

import json
import math
import random
import tempfile
from pathlib import Path

from hypothesis import given, settings

from micrograd import Value, custom_op, grad, no_grad
from micrograd.datasets import digits, make_moons
from micrograd.engine import linear, total
from micrograd.losses import cross_entropy, hinge, l2, mse
from micrograd.nn import MLP, Conv2d, Linear, MaxPool2d, flatten
from micrograd.optim import SGD, Adam, LinearDecay
from micrograd.testing import gradcheck, gradgradcheck
from micrograd.testing.strategies import Expression, expressions
from micrograd.trace import Step
from micrograd.viz import draw_dot, explore, render, to_svg


def tour() -> None:
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = a * b + a.tanh()
    c.backward()
    gradient: float = a.grad
    assert math.isclose(gradient, -2.9293491751468355) and b.grad == 2.0
    d = 2 + a - 1 / b * 3 ** a.sigmoid() - (-a).relu().exp().log().abs().sin().cos()
    assert isinstance(d.data, float)


def sums() -> None:
    xs = [Value(float(i)) for i in range(4)]
    fused: Value = total(xs)  # one node; typed Value
    started: Value = sum(xs, Value(0.0))  # builtin sum with a Value start is a Value too
    fused.backward()
    started.backward()
    assert fused.data == started.data == 6.0
    neuron: Value = linear(xs[:2], [1.0, 2.0], xs[3], activation="relu")
    assert neuron.data == 5.0


def second_derivatives() -> None:
    x = Value(3.0)
    (dy,) = grad(x**3, [x], create_graph=True)  # a Value: differentiate it again
    (d2y,) = grad(dy, [x])  # a float
    first: float = dy.data
    second: float = d2y
    assert (first, second) == (27.0, 18.0)


def custom_ops_and_no_grad() -> None:
    sign = custom_op("sign", lambda x: math.copysign(1.0, x), lambda x, out: (1.0,))
    x = Value(-0.3)
    y = sign(x) * 2
    y.backward()
    assert (y.data, x.grad) == (-2.0, 2.0)
    with no_grad():
        z = x * 3
    assert z.parents == ()


def stepping() -> None:
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    steps = o.backward_steps()
    first: Step = next(steps)
    assert str(first).startswith("o = tanh(n)")
    for step in steps:
        assert step.upstream > 0
    tree: str = o.tree()
    trace: str = o.explain()
    assert tree and trace


def drawing() -> None:
    x = Value(2.0, label="x")
    y = (x * 3).tanh()
    y.backward()
    source: str = draw_dot(y).source
    svg: str = to_svg(y)
    folder = Path(tempfile.mkdtemp())
    written: Path = render(y, folder / "y.svg")
    assert source.startswith("digraph") and svg.startswith("<?xml") and written.exists()
    page = explore(y, params=[x], lr=0.1)
    assert page.steps > 0 and page.save(folder / "page.html").exists()


# Checking gradients: docs/testing-gradients.md's test_my_ops.py, typed.
cube = custom_op("cube", lambda x: x**3, lambda x, out: (3 * x**2,))


@settings(max_examples=5, database=None)
@given(expressions())
def test_engine_gradients_match_finite_differences(case: tuple[Expression, list[float]]) -> None:
    fn, inputs = case
    assert gradcheck(fn, inputs)


@settings(max_examples=5, database=None)
@given(expressions(ops=["tanh", "*", "+"]))
def test_cube_composes_with_the_engine(case: tuple[Expression, list[float]]) -> None:
    fn, inputs = case
    assert gradcheck(lambda *xs: cube(fn(*xs)), inputs)


def checking_gradients() -> None:
    assert gradcheck(cube, [0.3])
    assert gradgradcheck(cube, [0.3])
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.3, -0.7])


def convolutions() -> None:
    image, label = digits(1, seed=3, noise=0.0)[0]
    conv = Conv2d(1, 4, kernel_size=3, rng=random.Random(0))
    maps = conv([image])
    pooled = MaxPool2d(2)([[[v.relu() for v in row] for row in m] for m in maps])
    features = flatten(pooled)
    logits = Linear(36, 10, rng=random.Random(0))(features)
    loss = cross_entropy(logits, label)
    loss.backward()
    assert label == 0 and round(loss.data, 4) == 2.1748


def state_dicts() -> None:
    model = MLP(2, [3, 1], rng=random.Random(0))
    state = model.state_dict()
    twin = MLP(2, [3, 1], rng=random.Random(1))
    twin.load_state_dict(json.loads(json.dumps(state)))
    assert twin([0.5, -1.0]).data == model([0.5, -1.0]).data


def training() -> None:
    random.seed(1337)
    X, labels = make_moons(20, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [8, 8, 1])
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, steps=5)
    for _ in range(5):
        scores = [model(x) for x in X]
        loss = hinge(scores, y) + 1e-4 * l2(model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    accuracy = sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)
    assert 0.0 <= accuracy <= 1.0


def several_outputs() -> None:
    # A model with several outputs says so; then model(x) is a list of Values.
    model: MLP[list[Value]] = MLP(2, [4, 3], rng=random.Random(0))
    logits = model([0.5, -1.0])
    loss = cross_entropy(logits, 2)
    loss.backward()
    assert len(logits) == 3 and loss.data > 0


def regression_with_adam() -> None:
    model = MLP(1, [4, 1], activation="tanh", rng=random.Random(0))
    optimizer = Adam(model.parameters(), lr=0.05)
    points = [(x / 10, math.sin(x / 10)) for x in range(10)]
    for _ in range(3):
        loss = mse([model([x]) for x, _ in points], [t for _, t in points])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.data >= 0


if __name__ == "__main__":
    for example in (
        tour,
        sums,
        second_derivatives,
        custom_ops_and_no_grad,
        stepping,
        drawing,
        checking_gradients,
        test_engine_gradients_match_finite_differences,
        test_cube_composes_with_the_engine,
        convolutions,
        state_dicts,
        training,
        several_outputs,
        regression_with_adam,
    ):
        example()
    print("ok")
