"""What the tests against PyTorch share: numbers out of nested lists of Values, and a
check that ours and PyTorch's agree to ``TOL``.  Not a test file (no ``test_`` prefix)."""

from micrograd.engine import Value

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
