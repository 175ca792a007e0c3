"""micrograd.trace at its limits: node names unique whatever the labels, and tree(),
explain() and a backward step bounded on huge graphs (to be merged into test_trace.py)."""

from micrograd import node_names
from micrograd.engine import Value, total


def test_names_are_unique_and_predictable():
    w1, w2 = Value(1.0, label="w"), Value(2.0, label="w")
    names = node_names(w1 * w2)
    assert sorted(names.values()) == ["mul1", "w", "w#2"]
    tricky = Value(3.0, label="mul1")
    names = node_names(tricky * 2)
    assert len(set(names.values())) == 2


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
