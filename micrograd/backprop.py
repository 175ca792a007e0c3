"""Gradients as values: :func:`grad`, first and second order, and the order backprop takes.

``Value.backward()`` (in the engine) fills in ``.grad``.  :func:`grad` instead
returns the gradients and touches no ``.grad``; with ``create_graph=True`` it
builds them as new Values from the ops' derivative rules, so they can be
differentiated again.

    >>> from micrograd.engine import Value
    >>> x = Value(3.0)
    >>> (dy,) = grad(x**3, [x], create_graph=True)
    >>> dy.data, grad(dy, [x])
    (27.0, [18.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

from micrograd.engine import Value
from micrograd.traversal import backward_order

__all__ = ["backward_order", "grad", "local_derivatives"]


def local_derivatives(node: Value, create_graph: bool = False) -> tuple[Any, ...]:
    """d(node)/d(parent) for each of ``node.parents``, from its op's rule.

    As floats (stored at the forward pass), or, with ``create_graph=True``,
    as Values: the same rule run on Values, so it can be differentiated again.

    >>> x = Value(2.0)
    >>> y = x * x
    >>> local_derivatives(y)
    (2.0, 2.0)
    >>> [d.data for d in local_derivatives(y.tanh(), create_graph=True)]
    [0.0...]
    """
    if not create_graph:
        return node.local_derivatives
    op = node.op_entry
    if op is None:
        return ()
    operands = node.operands
    if op.arity == 1:
        return (op.derivative(operands[0], node),)
    if op.arity == 2:
        both = op.derivative(operands[0], operands[1], node)
    else:
        both = op.derivative(operands, node)
    # Only Value operands get a gradient; folded numbers don't.
    return tuple(d for d, x in zip(both, operands) if isinstance(x, Value))


@overload
def grad(
    output: Value, inputs: Sequence[Value], create_graph: Literal[False] = ...
) -> list[float]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[True]) -> list[Value]: ...
def grad(
    output: Value, inputs: Sequence[Value], create_graph: bool = False
) -> list[float] | list[Value]:
    """d(output)/d(input) for each input, leaving every ``.grad`` untouched.

    Args:
        output: the Value to differentiate.
        inputs: the Values to differentiate with respect to.
        create_graph: if True, the gradients are Values built from the ops'
            derivative rules, so they can be differentiated again (second
            derivatives, Hessian-vector products).  If False, floats, equal to
            what ``backward()`` gives, to the bit.

    Returns:
        One gradient per input, in order (0 for an input output doesn't use).

    >>> x = Value(3.0)
    >>> y = x**3
    >>> (dy,) = grad(y, [x], create_graph=True)
    >>> dy.data, grad(dy, [x])
    (27.0, [18.0])
    """
    grads: dict[Value, Any] = {output: Value(1.0) if create_graph else 1.0}
    for node in backward_order(output):  # each node after every node that uses it
        g = grads.get(node)
        if g is None:
            continue
        # The chain rule: each parent's gradient grows by local derivative * g.
        for parent, local in zip(node.parents, local_derivatives(node, create_graph)):
            contribution = local * g
            grads[parent] = grads[parent] + contribution if parent in grads else contribution
    results: list[Any] = []
    for x in inputs:
        g = grads.get(x, 0.0)
        results.append(Value(g) if create_graph and not isinstance(g, Value) else g)
    return results
