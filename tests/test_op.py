"""micrograd.op: an entry of the catalogue of ops (Op), its constant slopes and reflected form."""

import math

import pytest

from micrograd.engine import OPS, Value
from micrograd.op import Op


@pytest.mark.parametrize("name", [n for n, op in OPS.items() if op.slopes is not None])
@pytest.mark.parametrize("a, b", [(0.0, 0.0), (-3.5, 2.0), (1e300, -1e-300), (2.0, math.inf)])
def test_a_constant_rule_is_the_same_wherever_it_is_asked(name, a, b):
    # Op.slopes stands in for the rule when a node is built; it must be the rule's value.
    op = OPS[name]
    out = op.apply(Value(a), Value(b)).data if math.isfinite(a + b) else math.nan
    assert op.slopes == op.derivative(a, b, out)
    assert op.reflected().slopes == op.slopes


def test_an_op_without_a_constant_rule_has_no_slopes():
    calls = []
    tanh = Op("tanh", "tanh", "call", 1, lambda a, out: calls.append(a) or 1 - out * out)
    assert tanh.slopes is None and calls == []  # the rule is not called to build the entry
    sub = Op("sub", "-", "infix", 2, lambda a, b, out: (1.0, -1.0), constant=True)
    assert sub.slopes == (1.0, -1.0)


@pytest.mark.parametrize("name", sorted(OPS))
def test_a_reflected_entry_shares_the_rule_and_points_back_to_its_base(name):
    op = OPS[name]
    flipped = op.reflected()
    assert op.base is op and not op.constant_first
    assert flipped.base is op and flipped.constant_first
    assert flipped.derivative is op.derivative and flipped.apply is op.apply
    assert flipped.slopes is op.slopes
    assert (flipped.name, flipped.symbol, flipped.notation, flipped.arity) == (
        op.name,
        op.symbol,
        op.notation,
        op.arity,
    )


def test_a_node_with_a_number_first_shows_the_catalogue_entry_and_its_operands_in_order():
    x = Value(3.0)
    assert (2 - x).op_entry is OPS["sub"] and (x - 2).op_entry is OPS["sub"]
    assert (2 - x).operands == (2.0, x) and (x - 2).operands == (x, 2.0)


def test_repr_names_the_op_its_symbol_and_notation():
    assert repr(OPS["mul"]) == "Op('mul', symbol='*', notation='infix')"
    assert repr(OPS["tanh"].reflected()) == "Op('tanh', symbol='tanh', notation='call')"
