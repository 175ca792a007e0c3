"""The engine against PyTorch in float64, on the same expressions."""

import pytest
from hypothesis import assume, given

from micrograd.backprop import grad
from micrograd.engine import OPS, Value, no_grad
from micrograd.testing.strategies import Expression, expressions

torch = pytest.importorskip("torch")

TORCH_OPS = {  # keyed by the names of the engine's catalogue, micrograd.engine.OPS
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "neg": lambda a: -a,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "linear": lambda w, x, b: b + w * x,
    "linear_relu": lambda w, x, b: torch.relu(b + w * x),
    "sum": lambda *xs: sum(xs[1:], xs[0]),
    "max": lambda *xs: torch.stack([torch.as_tensor(x, dtype=torch.float64) for x in xs]).max(),
}


def test_every_op_of_the_catalogue_has_a_torch_reference():
    assert set(TORCH_OPS) == set(OPS)


def torch_evaluate(tree, inputs):
    name, *children = tree
    if name == "x":
        return inputs[children[0]]
    if name == "c":  # a number folded into its op
        return children[0]
    return TORCH_OPS[name](*(torch_evaluate(child, inputs) for child in children))


@given(expressions())
def test_value_and_gradient_match_torch(case):
    fn, inputs = case
    values = [Value(x) for x in inputs]
    out = fn(*values)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    reference = torch_evaluate(fn.tree, tensors)
    assert out.data == pytest.approx(reference.item(), rel=1e-12, abs=1e-12)
    if reference.requires_grad:
        expected = torch.autograd.grad(reference, tensors, allow_unused=True)
        expected = [0.0 if g is None else g.item() for g in expected]
    else:
        expected = [0.0] * len(inputs)
    assert [v.grad for v in values] == pytest.approx(expected, rel=1e-10, abs=1e-12)


def zero_exponents(tree, inputs):
    """True if some `base ** exponent` has an exponent Value of exactly 0 here."""
    name, *children = tree
    if name in ("x", "c"):
        return False
    if name == "pow":
        with no_grad():
            if fn_value(children[1], inputs) == 0.0:
                return True
    return any(zero_exponents(child, inputs) for child in children)


def fn_value(tree, inputs):
    if tree[0] == "c":
        return tree[1]
    return Expression(tree, len(inputs))(*map(Value, inputs)).data


@given(expressions(max_leaves=6))
def test_second_derivatives_match_torch(case):
    fn, inputs = case
    # PyTorch's pow backward masks an exponent of exactly 0 with a `where`, so its
    # second derivative through the exponent is 0 there (and 1 at 1e-9).  Ours is
    # right at that point (test_engine checks it against finite differences).
    assume(not zero_exponents(fn.tree, inputs))
    values = [Value(x) for x in inputs]
    first = grad(fn(*values), values, create_graph=True)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    reference = torch_evaluate(fn.tree, tensors)
    if not reference.requires_grad:
        return
    torch_first = torch.autograd.grad(reference, tensors, create_graph=True, allow_unused=True)
    for g, tg in zip(first, torch_first):
        ours = grad(g, values)
        if tg is None or not tg.requires_grad:
            expected = [0.0] * len(inputs)
        else:
            expected = torch.autograd.grad(tg, tensors, retain_graph=True, allow_unused=True)
            expected = [0.0 if h is None else h.item() for h in expected]
        assert ours == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_micrograd_readme_expression_matches_torch():
    def build(a, b, relu):
        c = a + b
        d = a * b + b**3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + relu(b + a)
        d = d + 3 * d + relu(b - a)
        e = c - d
        f = e**2
        g = f / 2.0
        return g + 10.0 / f

    a, b = Value(-4.0), Value(2.0)
    g = build(a, b, lambda v: v.relu())
    g.backward()
    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tg = build(ta, tb, torch.relu)
    tg.backward()
    assert g.data == pytest.approx(tg.item(), rel=1e-15)
    assert (a.grad, b.grad) == (pytest.approx(ta.grad.item()), pytest.approx(tb.grad.item()))
