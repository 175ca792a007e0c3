"""The order backprop takes: every node of a graph before the nodes it was made from.

This is the lowest layer.  It imports nothing, so the engine's
``Value.backward()`` can call it downward.  It works on any node that keeps
the four slots the engine fills in (the *node layout*, owned by this module):

- ``_kind``: None for a leaf (a number you made), else the op that made it;
- ``_a``, ``_b``: the operands.  ``_b`` is None when ``_a`` is the one
  operand, another node when there are two, and :data:`MANY` or
  :data:`BY_HAND` when ``_a`` is a tuple of any number of them;
- ``_mark``: scratch for one walk.  Each walk marks nodes with a token of its
  own, so a walk stopped half-way (Ctrl-C) leaves nothing the next walk could
  mistake for its own.

>>> from micrograd import Value
>>> a = Value(1.0, label="a")
>>> b = (a * 2).exp()
>>> [node.op for node in backward_order(b)]
['exp', '*']
"""

from __future__ import annotations

from typing import Any

__all__ = ["BY_HAND", "MANY", "backward_order", "nodes_under", "postorder", "tree_walk"]

MANY = object()
"""``_b`` of a node whose operands are all in the tuple ``_a`` (fused and custom ops)."""
BY_HAND = object()
"""``_b`` of a node built micrograd 0.1.0's way, with its own ``_backward``."""


def backward_order(root: Any) -> list[Any]:
    """The non-leaf nodes under ``root``, root first, each before its operands:
    the order in which the chain rule visits them, a node only after every node
    that uses it.

    A graph where no intermediate node is used twice (most hand-written
    expressions) is ordered by :func:`tree_walk`; any other by :func:`postorder`,
    reversed.  Iterative throughout: a million-deep graph needs no recursion.

    Returns:
        The nodes, root first (empty for a leaf).
    """
    if root._kind is None:
        return []
    order = tree_walk(root, backprop=False)
    if order is None:
        order = postorder(root, reset_grads=False)
        order.reverse()
    return order  # type: ignore[return-value]


def tree_walk(root: Any, backprop: bool) -> list[Any] | bool | None:
    """Depth first from the root, later operands first: the backward order of a
    graph in which no intermediate node is used twice.

    With ``backprop=False`` it returns that order.  With ``backprop=True`` it
    applies the chain rule as it goes instead, in that same order, and returns
    True: each node's gradient passes to its operands, an intermediate node's
    gradient is *set* (it has this one consumer) and a leaf's accumulates.  One
    walk serves both, so ``backward()`` and the traces cannot drift apart; and for
    a tree, ordering and backprop in one pass is what keeps ``backward()`` near a
    plain tape's speed.

    Either way it gives up, returning None, at the first intermediate node used
    twice or built by hand; by then it has put back every leaf gradient it
    changed, and the caller takes :func:`postorder`, which handles any graph.
    """
    token = object()
    many, by_hand = MANY, BY_HAND  # locals: read once a node
    order = [root]
    emit = order.append
    touched: list[tuple[Any, float]] = []  # (leaf, its grad before), to put back
    waiting: list[Any] = []
    root._mark = token
    g = 0.0
    if backprop:
        root.grad = g = 1.0
    node = root
    while True:  # g is node.grad
        b = node._b
        if b is None:  # one operand: straight down, the usual case in a chain
            a = node._a
            if a._kind is not None:
                if a._mark is token:
                    _put_back(touched)
                    return None
                a._mark = token
                if backprop:
                    a.grad = g = node._da * g
                else:
                    emit(a)
                node = a
                continue
            if backprop:  # a leaf
                if a._mark is not token:
                    a._mark = token
                    touched.append((a, a.grad))
                a.grad += node._da * g
        elif b is by_hand:
            _put_back(touched)
            return None
        else:
            pairs = zip(node._a, node._da) if b is many else ((node._a, node._da), (b, node._db))
            for a, local in pairs:
                if a._kind is None:
                    if backprop:
                        if a._mark is not token:
                            a._mark = token
                            touched.append((a, a.grad))
                        a.grad += local * g
                elif a._mark is token:
                    _put_back(touched)
                    return None
                else:
                    a._mark = token
                    if backprop:
                        a.grad = local * g
                    waiting.append(a)
        if not waiting:
            return True if backprop else order
        node = waiting.pop()
        if backprop:
            g = node.grad
        else:
            emit(node)


def _put_back(touched: list[tuple[Any, float]]) -> None:
    for leaf, grad in touched:
        leaf.grad = grad


def postorder(root: Any, reset_grads: bool) -> list[Any]:
    """The non-leaf nodes under root, each after its operands (depth first,
    operands in order, so close to the order they were made in).

    A node is marked with this walk's token as it is entered.  A node with
    one or two operands goes straight down into its first operand still to
    do, leaving itself, a None and any later operand on the stack; a node
    with a tuple of operands pushes itself, a None and all of them.  A node is
    emitted when its None comes back up, or at once if it has nothing left to
    do.  Going down without the stack matters: most nodes in a hand-written
    graph have one new operand.  The one- and two-operand cases are written
    out: one branch for both, with flags, made this walk about 15% slower.
    """
    token = object()
    many, by_hand = MANY, BY_HAND  # locals: read once a node
    order: list[Any] = []
    emit = order.append
    stack: list[Any] = []
    push = stack.append
    pop = stack.pop
    node = root
    root._mark = token
    while True:
        if reset_grads:
            node.grad = 0.0
        b = node._b
        if b is None:  # one operand
            a = node._a
            if a._kind is not None and a._mark is not token:
                push(node)
                push(None)
                a._mark = token
                node = a
                continue
            emit(node)
        elif b is many or b is by_hand:  # a tuple of operands: pushed last first
            push(node)
            push(None)
            for a in reversed(node._a):
                if a._kind is not None and a._mark is not token:
                    push(a)
        else:  # two operands
            a = node._a
            if a._kind is not None and a._mark is not token:
                push(node)
                push(None)
                if b._kind is not None and b._mark is not token:
                    push(b)
                a._mark = token
                node = a
                continue
            if b._kind is not None and b._mark is not token:
                push(node)
                push(None)
                b._mark = token
                node = b
                continue
            emit(node)
        while stack:  # the next node to enter, emitting those now done
            waiting = pop()
            if waiting is None:
                emit(pop())
            elif waiting._mark is not token:
                waiting._mark = token
                node = waiting
                break
        else:
            return order


def nodes_under(root: Any) -> list[Any]:
    """Every node under ``root``, leaves included, each before its operands:
    the non-leaf nodes in backward order, then the leaves.

    >>> from micrograd import Value
    >>> x = Value(2.0, label="x")
    >>> [node.label or node.op for node in nodes_under(x * x)]
    ['*', 'x']
    """
    order = backward_order(root)
    if not order:
        return [root]
    seen = set(order)
    leaves = []
    for node in order:
        for parent in node.parents:
            if parent not in seen:
                seen.add(parent)
                leaves.append(parent)
    return order + leaves
