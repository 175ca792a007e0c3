"""micrograd.tape: replaying a recorded graph gives, bit for bit, what rebuilding it and
calling backward() gives; its code holds no label; forward mode agrees with reverse mode."""

import copy
import math
import random
from collections import Counter
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from micrograd import Value, custom_op, tape
from micrograd.engine import OPS, linear, max_of, total
from micrograd.losses import binary_cross_entropy_with_logits, hinge, l2
from micrograd.nn import MLP, MaxPool2d, RNNCell, unroll
from micrograd.tape import EXPRESSIONS, TapeShapeError, record
from micrograd.testing.strategies import expressions

# A custom op whose forward and rule are plain functions: the tape must call them.
cube = custom_op("cube", lambda x: x * x * x, lambda x, out: 3 * x * x)
mix = custom_op(
    "mix", lambda a, b: a * math.sin(b), lambda a, b, out: (math.sin(b), a * math.cos(b))
)


def bits(x):
    return repr(x)  # tells -0.0 from 0.0, and NaN equals NaN


def rebuilt(build, leaves):
    """The root's number and every leaf's gradient, by building and backward()."""
    for leaf in leaves:
        leaf.grad = 0.0
    root = build()
    root.backward()
    return [bits(root.data), *(bits(leaf.grad) for leaf in leaves)]


def replayed(recorded, leaves):
    for leaf in leaves:
        leaf.grad = 0.0
    value = recorded.forward()
    recorded.backward()
    return [bits(value), *(bits(leaf.grad) for leaf in leaves)]


def shared(fn):
    """A graph where the expression's node is used three times: backward() takes postorder."""

    def build(*xs):
        y = fn(*xs)
        return y * y + mix(y, xs[0]) + cube(y) * 0.5

    return build


def test_every_op_of_the_catalogue_has_code():
    assert set(EXPRESSIONS) == set(OPS)


@pytest.mark.parametrize("graph", ["tree", "shared"])
@settings(max_examples=200)
@given(case=expressions(), steps=st.lists(st.floats(-0.01, 0.01), min_size=1, max_size=3))
def test_replay_equals_rebuild_bit_for_bit_across_updates(graph, case, steps):
    fn, point = case
    fn = fn if graph == "tree" else shared(fn)
    leaves = [Value(x) for x in point]
    build = lambda: fn(*leaves)
    recorded = record(build)
    assert replayed(recorded, leaves) == rebuilt(build, leaves)
    for step in steps:  # an update, as an optimizer makes it
        for leaf in leaves:
            leaf.data += step * leaf.data
        try:
            expected = rebuilt(build, leaves)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue  # the update left the op's domain: no number to compare
        assert replayed(recorded, leaves) == expected


@settings(max_examples=100)
@given(case=expressions())
def test_replay_in_many_small_functions_is_the_same(case):
    fn, point = case
    leaves = [Value(x) for x in point]
    build = lambda: shared(fn)(*leaves)
    with pytest.MonkeyPatch.context() as patch:  # 3 nodes a function, 2 terms a line
        patch.setattr(tape, "CHUNK", 3)
        patch.setattr(tape, "TERMS", 2)
        recorded = record(build)
    assert replayed(recorded, leaves) == rebuilt(build, leaves)


@pytest.mark.parametrize("graph", ["tree", "shared"])
@settings(max_examples=100)
@given(case=expressions(), copies=st.integers(2, 6), step=st.floats(-0.01, 0.01))
def test_a_graph_that_repeats_itself_replays_the_same(graph, case, copies, step):
    """The same expression once per copy, on some leaves of its own and some shared (as a
    model's parameters are), times a number of its own, chained as an RNN's steps are:
    cut into pieces that share code, it replays as it rebuilds, to_python and jvp too."""
    fn, point = case
    fn = fn if graph == "tree" else shared(fn)
    shared_leaves = [Value(x) for x in point]
    own = [[Value(x) for x in point] for _ in range(copies)]

    def build():
        h = shared_leaves[0] * 1.0
        for k in range(copies):
            args = [own[k][i] if i % 2 else shared_leaves[i] for i in range(len(point))]
            h = fn(*args) * (k + 1.5) + h * 0.5
        return h

    leaves = shared_leaves + [v for vs in own for v in vs]
    with pytest.MonkeyPatch.context() as patch:  # pieces as small as a node or two
        patch.setattr(tape, "REPEAT", 2)
        patch.setattr(tape, "WINDOW", 2)
        patch.setattr(tape, "CHUNK", 7)
        recorded = record(build)
    assert replayed(recorded, leaves) == rebuilt(build, leaves)
    for leaf in leaves:
        leaf.data += step * leaf.data
    try:
        expected = rebuilt(build, leaves)
    except (ValueError, ZeroDivisionError, OverflowError):
        return  # the update left the op's domain: no number to compare
    assert replayed(recorded, leaves) == expected
    scope: dict = {}
    exec(recorded.to_python(), scope)
    value, _ = scope["replay"](*[leaf.data for leaf in recorded.leaves], K=recorded.custom_ops)
    assert bits(value) == expected[0]
    for leaf in leaves:
        leaf.grad = 0.0
    build().backward()
    on_tape = set(recorded.leaves)  # numbers an op makes into leaves are new at each build
    direction = {leaf: 0.5 + k for k, leaf in enumerate(leaves) if leaf in on_tape}
    dot = sum(leaf.grad * direction.get(leaf, 0.0) for leaf in leaves)
    scale = 1 + sum(abs(leaf.grad * direction.get(leaf, 0.0)) for leaf in leaves)
    assert math.isclose(recorded.jvp(direction), dot, rel_tol=0, abs_tol=1e-12 * scale)


def test_alike_pieces_share_one_function():
    rng = random.Random(0)
    model = MLP(2, [4, 4, 1], rng=random.Random(1))
    points = [[Value(rng.uniform(-1, 1)), Value(rng.uniform(-1, 1))] for _ in range(40)]
    build = lambda: hinge([model(x) for x in points], [1 - 2 * (k % 2) for k in range(40)])
    recorded = record(build)
    pieces = Counter(piece.kind for piece in recorded._pieces)
    alike = sum(len(kind.ops) * count for kind, count in pieces.items() if count > 1)
    assert alike >= 0.8 * len(recorded)  # all but the first point and the loss
    leaves = model.parameters() + [v for x in points for v in x]
    assert replayed(recorded, leaves) == rebuilt(build, leaves)


@settings(max_examples=100)
@given(case=expressions())
def test_to_python_runs_and_gives_the_same_numbers(case):
    fn, point = case
    leaves = [Value(x) for x in point]
    build = lambda: shared(fn)(*leaves)
    recorded = record(build)
    scope: dict = {}
    exec(recorded.to_python(), scope)
    value, grads = scope["replay"](*[leaf.data for leaf in recorded.leaves], K=recorded.custom_ops)
    by_leaf = dict(zip(map(id, recorded.leaves), grads))
    got = [bits(value), *(bits(by_leaf[id(leaf)]) for leaf in leaves if id(leaf) in by_leaf)]
    expected = rebuilt(build, leaves)
    assert got == [
        expected[0],
        *(e for leaf, e in zip(leaves, expected[1:]) if id(leaf) in by_leaf),
    ]


@settings(max_examples=100)
@given(case=expressions(), direction=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_jvp_equals_the_dot_product_of_reverse_modes_gradient(case, direction):
    fn, point = case
    leaves = [Value(x) for x in point]
    build = lambda: shared(fn)(*leaves)
    root = build()
    root.backward()
    dot = sum(leaf.grad * v for leaf, v in zip(leaves, direction))
    scale = 1 + sum(abs(leaf.grad * v) for leaf, v in zip(leaves, direction))
    vs = direction[: len(leaves)]
    assert math.isclose(micrograd.jvp(shared(fn), point, vs), dot, rel_tol=0, abs_tol=1e-12 * scale)
    recorded = record(build)
    tangents = {leaf: v for leaf, v in zip(leaves, vs) if leaf in set(recorded.leaves)}
    assert math.isclose(recorded.jvp(tangents), dot, rel_tol=0, abs_tol=1e-12 * scale)


def test_a_leaf_as_root_and_folded_numbers_of_every_kind():
    x = Value(2.0)
    leaf = record(x)
    assert leaf.forward() == 2.0
    leaf.backward()
    assert x.grad == 1.0
    odd = [float("inf"), -0.0, 1e-300, -2.5]
    build = lambda: total([x * c for c in odd[1:]] + [(x - odd[0]).relu()])
    recorded = record(build)
    assert replayed(recorded, [x]) == rebuilt(build, [x])


def test_fused_nodes_of_many_inputs_compile(monkeypatch):
    ws = [Value(random.Random(k).uniform(-1, 1)) for k in range(600)]
    xs = [Value(0.01 * k) for k in range(600)]
    build = lambda: linear(ws, xs, Value(0.1), activation="relu") + linear(ws, [0.5] * 600, ws[0])
    assert replayed(record(build), ws + xs) == rebuilt(build, ws + xs)


# --- Training loops: 20 steps on the tape, 20 rebuilding, the same to the bit ---------------


def train(model, loss_of, steps, on_tape, lr=0.05):
    losses = []
    recorded = record(lambda: loss_of(model)) if on_tape else None
    for _ in range(steps):
        model.zero_grad()
        if recorded is not None:
            losses.append(recorded.forward())
            recorded.backward()
        else:
            loss = loss_of(model)
            loss.backward()
            losses.append(loss.data)
        for p in model.parameters():
            p.data -= lr * p.grad
    return [bits(x) for x in losses], [bits(p.grad) for p in model.parameters()]


@pytest.mark.parametrize("fused", [False, True])
def test_an_mlp_trains_the_same_on_the_tape(fused):
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(20)]
    y = [1 if a * b > 0 else -1 for a, b in X]
    model = MLP(2, [8, 8, 1], fused=fused, rng=random.Random(1))

    def loss_of(m):
        return hinge([m(x) for x in X], y) + 1e-4 * l2(m.parameters())

    assert train(copy.deepcopy(model), loss_of, 20, True) == train(model, loss_of, 20, False)


def test_an_rnn_trains_the_same_on_the_tape_with_its_inputs_as_leaves():
    cell = RNNCell(1, 4, rng=random.Random(0))
    rng = random.Random(2)
    data = [[rng.choice([-1.0, 1.0]) for _ in range(6)] for _ in range(20)]
    xs = [Value(0.0) for _ in range(6)]
    target = Value(0.0)
    step = iter(range(10**9))

    class Model:
        def __init__(self, cell):
            self.cell = cell

        def parameters(self):
            return self.cell.parameters()

        def zero_grad(self):
            k = next(step) % 20
            for x, b in zip(xs, data[k]):
                x.data = b
            target.data = float(data[k][0] > 0)
            for p in self.parameters():
                p.grad = 0.0

    def loss_of(m):
        outputs, _ = unroll(m.cell, [[x] for x in xs])
        return binary_cross_entropy_with_logits([outputs[-1][0]], [target])

    first = train(Model(copy.deepcopy(cell)), loss_of, 20, True)
    step = iter(range(10**9))
    assert first == train(Model(cell), loss_of, 20, False)


def test_the_gpt_replays_the_same_at_the_same_numbers():
    from micrograd.demos.gpt import BOS, GPT

    from micrograd.losses import cross_entropy

    model = GPT(rng=random.Random(0))
    tokens = [BOS, 3, 1, 4, BOS]

    def build():
        cache, losses = None, []
        for a, b in pairwise(tokens):
            logits, cache = model(a, cache)
            losses.append(cross_entropy(logits, b))
        return total(losses) * (1 / len(losses))

    params = model.parameters()
    assert replayed(record(build), params) == rebuilt(build, params)


# --- Replaying safely -----------------------------------------------------------------------


def test_max_replays_the_first_largest_when_it_moves_and_never_hides_a_nan():
    xs = [Value(v) for v in (1.0, 3.0, 3.0, 2.0)]
    w = Value(0.5)
    build = lambda: max_of(xs) * w + max_of([xs[0], w]) + max_of([xs[3]])
    recorded = record(build)
    points = [
        (1.0, 3.0, 3.0, 2.0),  # a tie: the first of the two
        (5.0, 3.0, 3.0, 2.0),  # the largest moves to the front
        (1.0, 2.0, 7.0, 7.0),
        (1.0, math.nan, 2.0, 3.0),  # NaN: the output and every slope
        (-0.0, 0.0, -1.0, -2.0),  # -0.0 and 0.0 tie: the first wins
        (math.inf, 1.0, math.inf, -math.inf),
    ]
    for point in points:
        for x, v in zip(xs, point):
            x.data = v
        assert replayed(recorded, [*xs, w]) == rebuilt(build, [*xs, w])


def test_max_pooling_replays_when_the_largest_moves():
    image = [[Value(v) for v in row] for row in [[1.0, 2.0], [3.0, 4.0]]]
    w = Value(0.5)
    pool = MaxPool2d(2)
    build = lambda: pool([image])[0][0][0] * w
    recorded = record(build, check_every=1)  # the shape holds: every replay checks it
    pixels = [v for row in image for v in row]
    for largest in range(4):
        for k, v in enumerate(pixels):
            v.data = 10.0 if k == largest else float(k)
        assert replayed(recorded, [*pixels, w]) == rebuilt(build, [*pixels, w])


def test_check_every_catches_a_choice_made_in_python():
    xs = [Value(1.0), Value(2.0)]
    w = Value(0.5)
    # Python's max returns one of the Values: the graph's shape follows the numbers
    recorded = record(lambda: max(xs, key=lambda v: v.data) * w, check_every=2)
    recorded.forward()  # 1: no check yet
    xs[0].data = 10.0  # the largest moves: the graph would take another input
    with pytest.raises(TapeShapeError, match=r"the graph's shape changed at node 1 of 1"):
        recorded.forward()


def test_check_every_passes_while_the_shape_holds_and_needs_a_function():
    x = Value(1.0)
    recorded = record(lambda: (x * 2).relu(), check_every=1)
    for k in range(3):
        x.data = -k
        recorded.forward()
    with pytest.raises(ValueError, match="check_every needs a function"):
        record(x * 2, check_every=1)


def test_hostile_labels_never_reach_the_code_that_runs(monkeypatch):
    sources = []
    compile_ = tape._compile
    monkeypatch.setattr(
        tape, "_compile", lambda source, *a: sources.append(source) or compile_(source, *a)
    )
    hostile = '"; import os; os.system("echo pwned") #\n__import__'
    x = Value(1.5, label=hostile)
    evil = custom_op(hostile, lambda v: v + 1, lambda v, out: 1.0)
    y = evil(x * x)
    y.label = hostile + "y"
    recorded = record(lambda: evil(x * x).tanh(), names={x: hostile})
    recorded.jvp({x: 1.0})
    assert len(sources) == 2  # forward and backward together, then jvp
    for text in ["\n".join(s) for s in sources] + [recorded.to_python()]:
        assert "pwned" not in text and "import os" not in text and "__import__" not in text
    assert hostile in str(recorded)  # for reading only


def test_an_interrupted_replay_leaves_the_next_one_correct():
    calls = {"n": 0}

    def forward(v):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return v * 2

    twice = custom_op("twice", forward, lambda v, out: 2.0)
    x = Value(1.0)
    build = lambda: twice(x * x) * x
    recorded = record(build)  # call 1 (build) and 2 (its first forward)
    x.data = 3.0
    x.grad = 0.0
    with pytest.raises(KeyboardInterrupt):
        recorded.forward()  # call 3: interrupted half-way
    recorded.backward()  # forward runs again first: the interrupted one is not kept
    assert bits(x.grad) == rebuilt(build, [x])[1]
    assert replayed(recorded, [x]) == rebuilt(build, [x])


def test_a_replay_interrupted_inside_a_batch_of_pieces_leaves_the_next_one_correct():
    calls = {"n": 0, "stop": -1}

    def forward(v):
        calls["n"] += 1
        if calls["n"] == calls["stop"]:
            raise KeyboardInterrupt
        return v * 2

    twice = custom_op("twice", forward, lambda v, out: 2.0)
    w = Value(0.5)
    xs = [Value(0.1 * k) for k in range(12)]

    def build():
        h = w * 1.0
        for x in xs:  # 12 alike steps, cut into pieces that run as one batch
            h = (twice(h * w + x)).tanh()
        return h

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tape, "REPEAT", 4)
        patch.setattr(tape, "WINDOW", 4)
        recorded = record(build)
    assert max(len(batch) for _, batch in recorded._batches) >= 2
    w.data = 0.7
    calls["stop"] = calls["n"] + 7  # half-way through the batch
    with pytest.raises(KeyboardInterrupt):
        recorded.forward()
    w.grad = 0.0
    recorded.backward()  # forward runs again first: the interrupted one is not kept
    assert bits(w.grad) == rebuilt(build, [w])[1]
    assert replayed(recorded, [w, *xs]) == rebuilt(build, [w, *xs])


def test_str_reads_like_the_stepping_text():
    x, w, b = Value(0.5, label="x"), Value(-2.0, label="w"), Value(1.0, label="b")
    text = str(record(lambda: (x * w + b).tanh()))
    assert "v3 = v0 * v1  # mul3 = x * w" in text
    assert "g0 += v1 * g3" in text
    model = MLP(2, [1], rng=random.Random(0))
    named = str(record(lambda: model([1.0, 2.0]), names=model.named_parameters()))
    assert "layers.0.weight[0][1]" in named


def test_a_million_node_tape_records_and_replays():
    x = Value(0.5)
    y = x
    for _ in range(500_000):
        y = y * 1.0000001 + 0.0  # 1,000,000 nodes
    recorded = record(y)
    del y
    assert len(recorded) == 1_000_000
    value = recorded.forward()
    recorded.backward()
    assert math.isclose(value, 0.5 * 1.0000001**500_000) and x.grad > 1.0
