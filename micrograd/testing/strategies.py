"""Hypothesis strategies for property-testing gradients.

:func:`expressions` draws ``(fn, inputs)`` pairs: a random expression over the
engine's ops and a point where it is smooth, ready for
:func:`~micrograd.testing.gradcheck`::

    from hypothesis import given
    from micrograd.testing import gradcheck
    from micrograd.testing.strategies import expressions

    @given(expressions())
    def test_backward_matches_finite_differences(case):
        fn, inputs = case
        assert gradcheck(fn, inputs)

The tree is built bottom-up at the drawn point, so each op is chosen only where
it is defined and smooth: log of a positive number, relu and abs away from 0,
no division near 0, nothing that overflows.  Hypothesis shrinks a failure to a
small expression, printed as a formula such as ``tanh(x0 * x1) + log(x2)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "micrograd.testing.strategies needs hypothesis: pip install 'micrograd[dev]'"
    ) from error

from micrograd.engine import Value, linear, no_grad, total

__all__ = ["ALL_OPS", "Expression", "expressions", "values"]

_MARGIN = 0.1  # distance kept from kinks and poles
_LIMIT = 1e3  # largest magnitude of any intermediate value


def _away_from_zero(x: float) -> bool:
    return abs(x) > _MARGIN


# Each op: (number of operands, how to apply it to Values, where it is smooth).
# Operand counts of 0 mean "a variable number", for the fused n-ary ops.
_OPS: dict[str, tuple[int, Callable[..., Value], Callable[..., bool]]] = {
    "+": (2, lambda a, b: a + b, lambda a, b: True),
    "-": (2, lambda a, b: a - b, lambda a, b: True),
    "*": (2, lambda a, b: a * b, lambda a, b: True),
    "/": (2, lambda a, b: a / b, lambda a, b: _away_from_zero(b)),
    "**": (2, lambda a, b: a**b, lambda a, b: a > _MARGIN and abs(b) < 4),
    "neg": (1, lambda a: -a, lambda a: True),
    "exp": (1, lambda a: a.exp(), lambda a: a < 6),
    "log": (1, lambda a: a.log(), lambda a: a > _MARGIN),
    "tanh": (1, lambda a: a.tanh(), lambda a: True),
    "sigmoid": (1, lambda a: a.sigmoid(), lambda a: True),
    "relu": (1, lambda a: a.relu(), _away_from_zero),
    "abs": (1, lambda a: a.abs(), _away_from_zero),
    "sin": (1, lambda a: a.sin(), lambda a: True),
    "cos": (1, lambda a: a.cos(), lambda a: True),
    # A number folded into the op: the reflected and constant forms.
    "+ c": (1, lambda a: a + 1.5, lambda a: True),
    "c - x": (1, lambda a: 2.0 - a, lambda a: True),
    "c * x": (1, lambda a: 3 * a, lambda a: True),
    "c / x": (1, lambda a: 2.0 / a, _away_from_zero),
    "x ** 2": (1, lambda a: a**2, lambda a: True),
    "x ** -1.5": (1, lambda a: a**-1.5, lambda a: a > _MARGIN),
    "c ** x": (1, lambda a: 2**a, lambda a: a < 8),
    "linear": (0, lambda *xs: linear(xs[:1], xs[1:2], xs[2]), lambda *xs: True),
    "sum": (0, lambda *xs: total(xs), lambda *xs: True),
}
_NARY_ARITY = {"linear": 3}  # w, x, bias; "sum" takes 2 or 3

ALL_OPS: frozenset[str] = frozenset(_OPS)


@dataclass(frozen=True)
class Expression:
    """A drawn expression: call it on Values; its repr is the formula.

    >>> fn = Expression(("tanh", ("x", 0)), 1)
    >>> fn, fn(Value(0.0)).data
    (tanh(x0), 0.0)
    """

    tree: tuple
    n_inputs: int
    ops: frozenset[str] = field(default=frozenset())

    def __call__(self, *inputs: Value) -> Value:
        if len(inputs) != self.n_inputs:
            raise TypeError(f"expression takes {self.n_inputs} inputs, got {len(inputs)}")
        return _evaluate(self.tree, inputs)

    def __repr__(self) -> str:
        return _formula(self.tree)


def _evaluate(tree: tuple, inputs: Sequence[Value]) -> Value:
    # Iterative post-order, so even a deep tree needs no recursion.
    results: list[Value] = []
    stack: list[tuple[tuple, bool]] = [(tree, False)]
    while stack:
        node, expanded = stack.pop()
        if node[0] == "x":
            results.append(inputs[node[1]])
        elif not expanded:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node[1:]))
        else:
            k = len(node) - 1
            operands = results[len(results) - k :]
            del results[len(results) - k :]
            results.append(_OPS[node[0]][1](*operands))
    return results[0]


def _formula(tree: tuple) -> str:
    name, *children = tree
    if name == "x":
        return f"x{children[0]}"
    args = [_formula(c) for c in children]
    templates = {
        "+": "({0} + {1})",
        "-": "({0} - {1})",
        "*": "({0} * {1})",
        "/": "({0} / {1})",
        "**": "({0} ** {1})",
        "neg": "-{0}",
        "+ c": "({0} + 1.5)",
        "c - x": "(2.0 - {0})",
        "c * x": "(3 * {0})",
        "c / x": "(2.0 / {0})",
        "x ** 2": "({0} ** 2)",
        "x ** -1.5": "({0} ** -1.5)",
        "c ** x": "(2 ** {0})",
        "linear": "linear([{0}], [{1}], {2})",
    }
    if name in templates:
        return templates[name].format(*args)
    if name == "sum":
        return f"total([{', '.join(args)}])"
    return f"{name}({', '.join(args)})"


def values(min_value: float = -10.0, max_value: float = 10.0) -> st.SearchStrategy[Value]:
    """Leaf Values with finite data in ``[min_value, max_value]``.

    >>> from hypothesis import given
    >>> @given(values(0.5, 2.0))
    ... def test_log_is_defined(v):
    ...     assert v.log().data == math.log(v.data)
    >>> test_log_is_defined()
    """
    floats = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    return floats.map(Value)


@st.composite
def expressions(
    draw: st.DrawFn,
    ops: Sequence[str] | None = None,
    n_inputs: tuple[int, int] = (1, 3),
    max_leaves: int = 12,
) -> tuple[Expression, list[float]]:
    """Draw ``(fn, inputs)``: a random expression and a point where it is smooth.

    Args:
        ops: names from :data:`ALL_OPS` to build from (default: all of them).
        n_inputs: the least and most number of inputs.
        max_leaves: the most leaves (input uses) in the tree.

    Returns (as drawn examples):
        ``fn``, an :class:`Expression` taking one Value per input, and
        ``inputs``, a list of floats.

    >>> from hypothesis import find
    >>> fn, inputs = find(expressions(ops=["exp"]), lambda case: "exp" in case[0].ops)
    >>> fn, fn(*map(Value, inputs)).data == math.exp(inputs[0])
    (exp(x0), True)
    """
    names = sorted(ALL_OPS if ops is None else ops)
    unknown = set(names) - ALL_OPS
    if unknown:
        raise ValueError(
            f"expressions: unknown ops {sorted(unknown)}; choose from {sorted(ALL_OPS)}"
        )
    count = draw(st.integers(*n_inputs))
    inputs = [draw(st.floats(-3.0, 3.0, allow_nan=False)) for _ in range(count)]
    with no_grad():
        point = [Value(x) for x in inputs]
        tree, _, used = _draw_tree(draw, names, point, max_leaves)
    return Expression(tree, count, frozenset(used)), inputs


def _draw_tree(draw, names, point, budget):
    """Returns (tree, its Value at the point, ops used); uses at most ``budget`` leaves."""
    # Choice 0 is a leaf, so hypothesis shrinks towards small trees.
    choice = draw(st.integers(0, len(names))) if budget > 1 else 0
    if choice == 0:
        i = draw(st.integers(0, len(point) - 1))
        return ("x", i), point[i], set()
    name = names[choice - 1]
    arity, apply, smooth = _OPS[name]
    if arity == 0:
        arity = _NARY_ARITY.get(name) or draw(st.integers(2, 3))
    if budget < arity:  # no room for this op's operands: a leaf after all
        i = draw(st.integers(0, len(point) - 1))
        return ("x", i), point[i], set()
    children, results, used = [], [], set()
    share = budget // arity if arity > 1 else budget - 1
    for _ in range(arity):
        child, result, child_used = _draw_tree(draw, names, point, share)
        children.append(child)
        results.append(result)
        used |= child_used
    datas = [r.data for r in results]
    if smooth(*datas):
        try:
            out = apply(*results)
        except (ValueError, ZeroDivisionError, OverflowError):
            out = None
        if out is not None and math.isfinite(out.data) and abs(out.data) < _LIMIT:
            return (name, *children), out, used | {name}
    # Not smooth here: keep the first operand instead of applying the op.
    return children[0], results[0], used
