"""Check gradients against finite differences, in your own test suite.

:func:`gradcheck` compares what backpropagation says with what nudging each
input says, the central difference ``(f(x + eps) - f(x - eps)) / (2 eps)``:

    >>> from micrograd import Value
    >>> gradcheck(lambda x, y: (x * y).tanh(), [0.3, -1.2])
    True

A wrong derivative fails with a message that names each input:

    >>> from micrograd import custom_op
    >>> bad_square = custom_op("square", lambda x: x * x, lambda x, out: (x,))
    >>> gradcheck(bad_square, [3.0])
    Traceback (most recent call last):
    ...
    micrograd.testing.GradcheckError: gradient mismatch for 1 of 1 inputs:
      input 0 at 3.0: analytic 3.0, numeric 6.000...  <-- mismatch

Random expressions to feed it come from :mod:`micrograd.testing.strategies`
(needs hypothesis).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from micrograd.backprop import grad
from micrograd.engine import Value, no_grad
from micrograd.floats import as_float

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(AssertionError):
    """Backpropagation and finite differences disagree.  An AssertionError, so
    pytest shows it as a failed check."""


def _call(name: str, fn: Callable[..., Value], values: Sequence[Value]) -> Value:
    out = fn(*values)
    if not isinstance(out, Value):
        raise TypeError(f"{name}: fn must return a Value, got {type(out).__name__}")
    return out


def _evaluate(fn: Callable[..., Value], point: Sequence[float]) -> float:
    with no_grad():
        return _call("gradcheck", fn, [Value(x) for x in point]).data


def _central_difference(f: Callable[[list[float]], float], point: list[float], i: int, eps: float):
    up, down = list(point), list(point)
    up[i] += eps
    down[i] -= eps
    return (f(up) - f(down)) / (2 * eps)


def _five_point_difference(f, point: list[float], i: int, eps: float) -> float:
    """A fourth-order central difference: error O(eps**4), for noisier second derivatives."""
    at = lambda k: f([x + k * eps if j == i else x for j, x in enumerate(point)])
    return (-at(2) + 8 * at(1) - 8 * at(-1) + at(-2)) / (12 * eps)


def _compare(
    what: str,
    labels: list[str],
    analytic: list[float],
    numeric: list[float],
    atol: float,
    rtol: float,
) -> bool:
    # NaN compares false with everything, so `abs(a - n) > tol` alone would pass it: a
    # value that is not finite is a failure of its own, never a silent pass.
    finite = [math.isfinite(a) and math.isfinite(n) for a, n in zip(analytic, numeric)]
    bad = [
        not ok or abs(a - n) > atol + rtol * abs(n) for a, n, ok in zip(analytic, numeric, finite)
    ]
    if any(bad):
        lines = [
            f"  {label}: analytic {a!r}, numeric {n!r}"
            + ("" if not b else "  <-- mismatch" if ok else "  <-- not finite (NaN or infinity)")
            for label, a, n, b, ok in zip(labels, analytic, numeric, bad, finite)
        ]
        raise GradcheckError(
            f"gradient mismatch for {sum(bad)} of {len(bad)} {what}:\n" + "\n".join(lines)
        )
    return True


def _start(
    name: str,
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float,
    atol: float,
    rtol: float,
) -> tuple[list[float], list[Value], Value]:
    """What both checks begin with: the settings checked, the point as floats, a Value
    for each input, and ``fn`` of those Values."""
    _check_settings(name, eps, atol, rtol)
    # A Value counts as its number, so the Values that strategies.values() draws check too.
    point = [
        x.data if isinstance(x, Value) else as_float(x, f"{name}: input {i}")
        for i, x in enumerate(inputs)
    ]
    values = [Value(x) for x in point]
    return point, values, _call(name, fn, values)


def _check_settings(name: str, eps: float, atol: float, rtol: float) -> None:
    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"{name}: eps must be a positive finite number, got {eps!r}")
    for what, tolerance in (("atol", atol), ("rtol", rtol)):
        if not (
            isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance >= 0
        ):
            raise ValueError(f"{name}: {what} must be a finite number >= 0, got {tolerance!r}")


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Check ``fn``'s backpropagated gradient against central finite differences.

    Args:
        fn: takes one Value per input and returns a Value.
        inputs: the point to check at, as numbers (a Value counts as its ``data``).
        eps: the finite-difference step.
        atol, rtol: an input passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.

    Returns:
        True when every input passes.

    Raises:
        GradcheckError: listing every input with its analytic and numeric value.  A NaN or
            infinite value on either side fails the check: it cannot be verified.
        ValueError: ``eps`` not a positive finite number, or a negative or NaN tolerance.

    >>> gradcheck(lambda x: x.exp() * x, [0.5])
    True
    """
    point, values, out = _start("gradcheck", fn, inputs, eps, atol, rtol)
    out.backward()
    analytic = [v.grad for v in values]
    f = lambda p: _evaluate(fn, p)
    numeric = [_central_difference(f, point, i, eps) for i in range(len(point))]
    labels = [f"input {i} at {x!r}" for i, x in enumerate(point)]
    return _compare("inputs", labels, analytic, numeric, atol, rtol)


def gradgradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-4,
    atol: float = 1e-4,
    rtol: float = 1e-3,
) -> bool:
    """Check second derivatives: each entry of the Hessian from
    ``grad(grad(fn, create_graph=True))`` against finite differences of the
    first derivatives (a fourth-order, five-point difference).

    Args and Returns as :func:`gradcheck`; the step and tolerances are larger
    by default because second differences are noisier.

    >>> gradgradcheck(lambda x, y: x.tanh() * y**2, [0.4, 1.5])
    True
    """
    point, values, out = _start("gradgradcheck", fn, inputs, eps, atol, rtol)
    n = len(point)

    def first_derivatives(p: list[float]) -> list[float]:
        values = [Value(x) for x in p]
        return grad(fn(*values), values)

    first = grad(out, values, create_graph=True)
    analytic: list[float] = []
    numeric: list[float] = []
    labels: list[str] = []
    for i in range(n):
        analytic.extend(grad(first[i], values))
        d_first_i = lambda p, i=i: first_derivatives(p)[i]
        numeric.extend(_five_point_difference(d_first_i, point, k, eps) for k in range(n))
        labels.extend(f"d2f/dx{i}dx{k} at {point!r}" for k in range(n))
    return _compare("second derivatives", labels, analytic, numeric, atol, rtol)
