"""One entry of the catalogue of ops: what made a node, and how it differentiates.

It imports nothing from micrograd.  The engine makes one :class:`Op` per op,
beside the op's rule, and every node carries the entry of the op that made it;
traces, drawings, the command line and the test strategies read the entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["Op"]


class Op:
    """One entry of the catalogue: what made a node, and how it differentiates.

    Attributes:
        name: the op's word: ``"mul"``, ``"tanh"``; node names use it (``mul2``).
        symbol: what micrograd 0.1.0 keeps in ``_op``: ``"*"``, ``"tanh"``.
        notation: how a formula writes it: ``"infix"`` (``a * b``),
            ``"prefix"`` (``-a``) or ``"call"`` (``tanh(a)``).
        arity: how many operands: 1, 2, or 0 for any number (fused ops).
        derivative: the rule.  ``derivative(a, out)`` for one operand,
            ``derivative(a, b, out) -> (da, db)`` for two, and
            ``derivative(operands, out) -> tuple`` for any number, where
            ``out`` is the op's output.  Floats or Values alike.
        constant_first: for a folded number on the left (``2 - x``).
        slopes: for an op whose rule is constant (``+``, ``-``), the rule's
            value, worked out once, so that building a node calls no rule;
            None for the others.
        custom: made by :func:`custom_op`.
        apply: the function that makes such a node from its operands
            (``Value.__mul__``, ``Value.tanh``, ``linear``...).
        formula: how step texts write the rule, as templates that names or
            numbers fill: one (``"1 - {out}²"``) for one operand, one per
            operand for two (``("{b}", "{a}")`` for ``*``), and for any number
            one per kind of operand: ``(weights, inputs, bias)`` for ``linear``
            (``{x}`` the matching input, ``{w}`` the matching weight), or one
            for all (``sum``).  ``{a}``, ``{b}`` are the operands, ``{out}`` the
            output.  None (custom ops): the text shows the number alone.
        chooses: the op picks among its operands by their values (a max), so
            the graph's shape depends on the data: a page that recomputes
            it cannot follow a change of its inputs.

    >>> tanh = Op("tanh", "tanh", "call", 1, lambda a, out: 1 - out * out, formula="1 - {out}²")
    >>> tanh.derivative(0.5, 0.5), tanh.formula.format(out="o")
    (0.75, '1 - o²')
    """

    __slots__ = (
        "apply", "arity", "base", "chooses", "constant_first", "custom", "derivative", "formula",
        "name", "notation", "slopes", "symbol",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        symbol: str,
        notation: str,
        arity: int,
        derivative: Callable[..., Any],
        apply: Callable[..., Any] | None = None,
        custom: bool = False,
        constant: bool = False,
        formula: str | tuple[str, ...] | None = None,
        chooses: bool = False,
    ) -> None:
        self.apply = apply
        self.name = name
        self.symbol = symbol
        self.notation = notation
        self.arity = arity
        self.derivative = derivative
        self.custom = custom
        self.formula = formula
        self.chooses = chooses
        self.constant_first = False
        self.base = self  # the catalogue entry; a reflected form points back to it
        # A constant rule ignores its arguments: NaN stands in for them.
        self.slopes: Any = derivative(*[math.nan] * (arity + 1)) if constant else None

    def reflected(self) -> Op:
        """The same op with a folded number as its *first* operand (``2 - x``)."""
        flipped = Op(
            self.name, self.symbol, self.notation, self.arity, self.derivative, self.apply,
            self.custom, False, self.formula, self.chooses,
        )  # fmt: skip
        flipped.constant_first = True
        flipped.slopes = self.slopes
        flipped.base = self
        return flipped

    def __repr__(self) -> str:
        return f"Op({self.name!r}, symbol={self.symbol!r}, notation={self.notation!r})"
