"""What the tests against PyTorch share: numbers out of nested lists of Values, a check
that ours and PyTorch's agree to ``TOL``, and our weights copied into a torch module.
Not a test file (no ``test_`` prefix); only tests that need torch import it."""

import pytest

from micrograd.engine import Value

torch = pytest.importorskip("torch")

TOL = 1e-10


def close(ours, theirs, tol=TOL):
    """Assert that the numbers ``ours`` equal the tensor ``theirs``, flattened, within ``tol``."""
    theirs = theirs.detach().reshape(-1).tolist()
    ours = list(ours)
    assert len(ours) == len(theirs)
    worst = max(abs(a - b) for a, b in zip(ours, theirs))
    assert worst <= tol, worst


def data(nested):
    """The numbers of a Value or of nested lists of them, in the same nesting."""
    if isinstance(nested, Value):
        return nested.data
    return [data(v) for v in nested]


def grads(nested):
    """The gradients of a Value or of nested lists of them, flattened."""
    if isinstance(nested, Value):
        return [nested.grad]
    return [g for v in nested for g in grads(v)]


def with_our_weights(theirs, ours):
    """The torch module ``theirs`` in float64, holding ``ours``' weights (by state_dict name)."""
    theirs = theirs.double()
    state = ours.state_dict()
    assert sorted(state) == sorted(name for name, _ in theirs.named_parameters())
    with torch.no_grad():
        for name, param in theirs.named_parameters():
            param.copy_(torch.tensor(state[name], dtype=torch.float64))
    return theirs


def sequence(rng, steps, size):
    """``steps`` random input vectors of ``size`` numbers in [-2, 2]."""
    return [[rng.uniform(-2, 2) for _ in range(size)] for _ in range(steps)]
