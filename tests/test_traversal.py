"""micrograd.traversal: the order backprop takes (backward_order, nodes_under), with no
recursion, and nothing left behind by a walk or a backward pass stopped half-way."""

import random
import sys

import pytest
from hypothesis import given

from micrograd.backprop import grad
from micrograd.engine import Value, linear, total
from micrograd.testing.strategies import expressions
from micrograd.traversal import backward_order, nodes_under


class Interrupting(float):
    """A gradient that raises KeyboardInterrupt (as Ctrl-C would) when added to."""

    def __add__(self, other):
        raise KeyboardInterrupt


def tree_graph():
    x = Value(0.7)
    return x, ((x * 2).tanh() + (x * 3).exp()).sin()  # no node used twice: the tree route


def shared_graph():
    x = Value(1.0)
    h = x * 2
    return x, h * h + h  # h is used twice: the general route


def chain(n):
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0 + 1.0
    return x, y


def assert_each_node_before_its_parents(order):
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    for node in order:
        for parent in node.parents:
            if parent in position:
                assert position[node] < position[parent]


# --- backward_order: each node before the nodes it was made from ------------------------


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


@pytest.mark.parametrize("build", [tree_graph, shared_graph], ids=["tree", "shared"])
def test_backward_order_holds_every_non_leaf_node_once_root_first(build):
    x, root = build()
    order = backward_order(root)
    assert order[0] is root
    assert_each_node_before_its_parents(order)
    assert set(order) == {node for node in nodes_under(root) if node.parents}
    assert x not in order


def test_backward_order_of_a_leaf_is_empty():
    assert backward_order(Value(1.0)) == []


@given(expressions())
def test_backward_order_puts_each_node_once_before_its_parents(case):
    fn, inputs = case
    root = fn(*[Value(x) for x in inputs])
    order = backward_order(root)
    assert_each_node_before_its_parents(order)
    assert all(node.parents for node in order)  # no leaf


def test_backward_order_walks_fused_and_hand_built_nodes():
    # Operands kept in a tuple: fused ops (MANY) and 0.1.0's hand-built nodes (BY_HAND).
    w, x = Value(2.0), Value(3.0)
    h = w * x
    fused = linear([h, w], [1.0, 2.0], Value(0.5))
    by_hand = Value(fused.data + h.data, (fused, h), "+")
    order = backward_order(total([by_hand, h]))
    assert_each_node_before_its_parents(order)
    assert set(order) >= {fused, by_hand, h}


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


# --- No recursion ------------------------------------------------------------------------


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


# --- reset_grads ---------------------------------------------------------------------------


@pytest.mark.parametrize("build", [tree_graph, shared_graph], ids=["tree", "shared"])
def test_backward_resets_intermediate_grads_and_keeps_the_leaves(build):
    # Whichever route backward() takes, each intermediate node starts from 0 (it holds
    # this call's gradient only) and each leaf accumulates onto what it had.
    x, root = build()
    for node in nodes_under(root):
        node.grad = 5.0
    root.backward()
    fresh_x, fresh_root = build()
    fresh_root.backward()
    got = [node.grad for node in nodes_under(root) if node is not x]
    want = [node.grad for node in nodes_under(fresh_root) if node is not fresh_x]
    assert got == want
    assert x.grad == 5.0 + fresh_x.grad


def test_backward_order_touches_no_grad():
    _, root = shared_graph()
    for node in nodes_under(root):
        node.grad = 5.0
    backward_order(root)
    assert {node.grad for node in nodes_under(root)} == {5.0}


# --- nodes_under ---------------------------------------------------------------------------


def test_nodes_under_a_leaf_is_the_leaf():
    x = Value(1.0)
    assert nodes_under(x) == [x]


def test_nodes_under_lists_each_node_once_leaves_last():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    h = a * b
    root = h * h + a
    nodes = nodes_under(root)
    assert nodes[: len(backward_order(root))] == backward_order(root)
    assert nodes[-2:] == [a, b] or nodes[-2:] == [b, a]
    assert len(nodes) == len(set(nodes)) == 5  # root, h*h, h, a, b
    assert_each_node_before_its_parents(nodes)


def test_nodes_under_leaves_out_folded_numbers():
    x = Value(2.0)
    nodes = nodes_under(linear([x], [3.0], Value(1.0)) * 2)
    assert len(nodes) == 4 and all(isinstance(node, Value) for node in nodes)


@given(expressions())
def test_nodes_under_holds_every_node_once_each_before_its_parents(case):
    fn, inputs = case
    values = [Value(x) for x in inputs]
    root = fn(*values)
    nodes = nodes_under(root)
    assert_each_node_before_its_parents(nodes)
    assert nodes[0] is root
    reached = {root}
    for node in nodes:
        reached.update(node.parents)
    assert reached == set(nodes)


# --- Stopped half-way: nothing left behind ----------------------------------------------------


def test_backward_after_an_interrupted_backward_still_works():
    x = Value(1.0)
    h = x * 2
    y = h * h + h  # h is shared: the counting route
    x.grad = Interrupting(0.0)
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == (2 * 2.0 + 1) * 2


@pytest.mark.parametrize("build", [shared_graph, lambda: chain(100_000)])
def test_an_interrupted_backward_leaves_nothing_behind(build):
    x, y = build()
    x.grad = Interrupting(0.0)
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    x.grad = 0.0
    y.backward()
    expected = grad(y, [x])[0]
    assert x.grad == expected


def test_an_interrupted_backward_steps_leaves_nothing_behind():
    x, y = chain(100_000)
    steps = y.backward_steps()
    for _ in range(500):
        next(steps)
    steps.close()  # abandoned half-way, as a Ctrl-C in a loop would
    x.grad = 0.0
    y.backward()
    assert x.grad == 1.0


@pytest.mark.parametrize("stop_at", range(1, 5900, 131))  # the pass runs ~5,900 lines here
def test_a_ctrl_c_anywhere_in_the_ordering_pass_leaves_nothing_behind(stop_at):
    # Ctrl-C can land between any two lines of the pass that orders a shared graph:
    # raise it there (through a tracer on every walk in micrograd.traversal, whichever
    # it takes), then backpropagate again.
    from micrograd.nn import MLP

    model = MLP(2, [4, 4, 1], rng=random.Random(0), fused=False)

    def loss():
        return sum((model([Value(0.3 * i), Value(-0.2 * i)]) - 1) ** 2 for i in range(5))

    expected = loss()
    expected.backward()
    want = [p.grad for p in model.parameters()]
    interrupted = loss()
    lines = 0

    def tracer(frame, event, arg):
        if frame.f_globals.get("__name__") != "micrograd.traversal":
            return None

        def each_line(frame, event, arg):
            nonlocal lines
            lines += 1
            if lines == stop_at:
                raise KeyboardInterrupt
            return each_line

        return each_line

    sys.settrace(tracer)
    try:
        with pytest.raises(KeyboardInterrupt):
            interrupted.backward()
    finally:
        sys.settrace(None)
    model.zero_grad()
    interrupted.backward()
    assert [p.grad for p in model.parameters()] == want
