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
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "micrograd.testing.strategies needs hypothesis: pip install 'micrograd-stepwise[dev]'"
    ) from error

from micrograd.engine import OPS, Value, no_grad

__all__ = ["ALL_OPS", "Expression", "expressions", "values"]

_MARGIN = 0.1  # distance kept from kinks and poles
_LIMIT = 1e3  # largest magnitude of any intermediate value


def _away_from_zero(x: float) -> bool:
    return abs(x) > _MARGIN


# Where each op of the engine's catalogue (micrograd.engine.OPS) is smooth, so a
# drawn point stays away from kinks and poles.  Keys are the catalogue's names; a
# test checks the two lists agree, so a new op cannot be left out.
_SMOOTH: dict[str, Callable[..., bool]] = {
    "add": lambda a, b: True,
    "sub": lambda a, b: True,
    "mul": lambda a, b: True,
    "div": lambda a, b: _away_from_zero(b),
    "pow": lambda a, b: a > _MARGIN and abs(b) < 4,
    "neg": lambda a: True,
    "exp": lambda a: a < 6,
    "log": lambda a: a > _MARGIN,
    "tanh": lambda a: True,
    "sigmoid": lambda a: True,
    "relu": _away_from_zero,
    "abs": _away_from_zero,
    "sin": lambda a: True,
    "cos": lambda a: True,
    "linear": lambda w, x, b: True,
    "linear_relu": lambda w, x, b: _away_from_zero(w * x + b),
    "sum": lambda *xs: True,
    "max": lambda *xs: all(abs(a - b) > _MARGIN for a, b in combinations(xs, 2)),  # no tie
}
_NARY_ARITY = {"linear": 3, "linear_relu": 3}  # w, x, bias; "sum" and "max" take 2 or 3
_CONSTANTS = (1.5, 2.0, 3.0)  # folded into a binary op: x op c, or c op x
# Earlier names of ops, still accepted in ``ops=``: the symbols.
_ALIASES = {op.symbol: name for name, op in OPS.items()}


# Python's own spelling of the infix ops, so that a folded number on either side
# goes through the reflected methods (2 - x is x.__rsub__(2)).
_INFIX = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_INFIX.update({"/": operator.truediv, "**": operator.pow})


def _apply(name: str, operands: Sequence[Value | float]) -> Value:
    op = OPS[name]
    if op.notation == "infix":
        return _INFIX[op.symbol](*operands)
    if name in _NARY_ARITY:  # linear(weights, inputs, bias)
        return op.apply([operands[0]], [operands[1]], operands[2])  # type: ignore[misc]
    return op.apply(*operands)  # type: ignore[misc]


ALL_OPS: frozenset[str] = frozenset(OPS)


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
        elif node[0] == "c":  # a number folded into its op
            results.append(node[1])
        elif not expanded:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node[1:]))
        else:
            k = len(node) - 1
            operands = results[len(results) - k :]
            del results[len(results) - k :]
            results.append(_apply(node[0], operands))
    return results[0]


def _formula(tree: tuple) -> str:
    name, *children = tree
    if name == "x":
        return f"x{children[0]}"
    if name == "c":
        return repr(children[0])
    args = [_formula(c) for c in children]
    op = OPS[name]
    if op.notation == "infix":
        return f"({args[0]} {op.symbol} {args[1]})"
    if op.notation == "prefix":
        return f"-{args[0]}"
    if name == "linear":
        return f"linear([{args[0]}], [{args[1]}], {args[2]})"
    if name == "linear_relu":
        return f"linear([{args[0]}], [{args[1]}], {args[2]}, activation='relu')"
    if name == "sum":
        return f"total([{', '.join(args)}])"
    if name == "max":
        return f"max_of([{', '.join(args)}])"
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
    names = sorted(ALL_OPS if ops is None else {_ALIASES.get(name, name) for name in ops})
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
    arity, smooth = OPS[name].arity, _SMOOTH[name]
    if arity == 0:
        arity = _NARY_ARITY.get(name) or draw(st.integers(2, 3))
    if budget < arity:  # no room for this op's operands: a leaf after all
        i = draw(st.integers(0, len(point) - 1))
        return ("x", i), point[i], set()
    # A binary op may fold a number in, on the right (x * 2) or the left (2 - x).
    fold = draw(st.integers(0, 2)) if arity == 2 else 0
    children: list[tuple] = []
    results: list[Value | float] = []
    used: set[str] = set()
    share = budget // arity if arity > 1 and not fold else budget - 1
    for _ in range(arity - (1 if fold else 0)):
        child, result, child_used = _draw_tree(draw, names, point, share)
        children.append(child)
        results.append(result)
        used |= child_used
    if fold:
        constant = draw(st.sampled_from(_CONSTANTS))
        where = len(children) if fold == 1 else 0
        children.insert(where, ("c", constant))
        results.insert(where, constant)
    datas = [r.data if isinstance(r, Value) else r for r in results]
    if smooth(*datas):
        try:
            out = _apply(name, results)
        except (ValueError, ZeroDivisionError, OverflowError):
            out = None
        if out is not None and math.isfinite(out.data) and abs(out.data) < _LIMIT:
            return (name, *children), out, used | {name}
    # Not smooth here: keep the first drawn operand instead of applying the op.
    first = 1 if fold == 2 else 0
    return children[first], results[first], used
