"""Number helpers for the engine: real numbers as floats, and float arithmetic
that fails with a clear error naming the op instead of Python's bare one.

It imports nothing from micrograd.

>>> as_float(3, "*"), divide(1.0, 4.0, "/")
(3.0, 0.25)
>>> sigmoid(0.0)
0.5
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Iterable, Sequence
from functools import reduce
from operator import add

__all__ = [
    "as_float",
    "describe",
    "divide",
    "finite",
    "first_largest",
    "pow_or_inf",
    "power",
    "sigmoid",
    "sign",
    "sum_left_to_right",
]

# The fast path for small ints (2 * x, 1 - x): they convert to float exactly.  Larger
# ones take the checks below, which catch those too large for a float.
_LARGEST_EXACT_INT = 2**53


def as_float(data: object, op: str) -> float:
    """A real number as a Python float, or a clear error naming the op and the value.

    Ints, bools and numpy scalars convert; strings, complex numbers and nodes do not.

    >>> as_float(True, "+")
    1.0
    >>> as_float("2", "+")
    Traceback (most recent call last):
    ...
    TypeError: +: expected a real number, got '2' (str)
    """
    if type(data) is float:
        return data
    if type(data) is int and -_LARGEST_EXACT_INT <= data <= _LARGEST_EXACT_INT:
        return float(data)
    if isinstance(data, (str, bytes, complex)):
        raise TypeError(f"{op}: expected a real number, got {data!r} ({type(data).__name__})")
    item = getattr(data, "item", None)  # numpy scalars, including numpy's bool
    if item is not None and type(data).__module__ == "numpy":
        data = item()
    if isinstance(data, numbers.Real):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(f"{op}: {describe(data)} is too large for a float") from None
    raise TypeError(f"{op}: expected a real number, got {describe(data)} ({type(data).__name__})")


def describe(x: object) -> str:
    """``repr(x)`` cut to 60 characters, for error messages (a 10,000-digit int stays short).

    >>> describe(2**1000)
    'an int of 1001 bits'
    """
    text = (
        repr(x)
        if not isinstance(x, int) or x.bit_length() < 200
        else f"an int of {x.bit_length()} bits"
    )
    return text if len(text) <= 60 else text[:57] + "..."


def divide(a: float, b: float, op: str = "/") -> float:
    """``a / b``, or a ZeroDivisionError that names the op and both numbers."""
    if b == 0:
        raise ZeroDivisionError(f"{op}: division by zero ({a} / {b})")
    return a / b


def power(a: float, b: float) -> float:
    """``a ** b`` as a float, or a clear error naming '**'.

    Past the float range the result is infinite, with its sign, as ``*`` and ``+``
    give (IEEE 754's rule, and micrograd 0.1.0's for ``*`` and ``+``); Python's own
    float ``**`` raises OverflowError instead.

    >>> power(10.0, 400.0), power(-10.0, 401.0)
    (inf, -inf)
    >>> power(-8.0, 0.5)
    Traceback (most recent call last):
    ...
    ValueError: **: a negative base needs a whole exponent, got -8.0 ** 0.5
    """
    if a < 0 and math.isfinite(b) and not b.is_integer():
        raise ValueError(f"**: a negative base needs a whole exponent, got {a} ** {b}")
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"**: 0 cannot be raised to a negative power ({a} ** {b})")
    try:
        return a**b
    except OverflowError:
        return _overflowed(a, b)


def pow_or_inf(a: float, b: float) -> float:
    """``a ** b`` for a derivative: past the float range, or at a pole, it is inf
    (as elsewhere in backward); NaN for a negative base and a fractional exponent."""
    if a < 0 and not float(b).is_integer():
        return math.nan
    try:
        return a**b
    except OverflowError:
        return _overflowed(a, b)
    except ZeroDivisionError:  # 0 ** negative: the slope of a pole
        return math.inf


def _overflowed(a: float, b: float) -> float:
    """What ``a ** b`` is when it is too large for a float: -inf for a negative base
    and an odd exponent, else inf."""
    return -math.inf if a < 0 and b % 2 == 1 else math.inf


def finite(a: float, op: str) -> float:
    """``a`` itself, or a ValueError naming the op if it is infinite."""
    if math.isinf(a):
        raise ValueError(f"{op}: needs a finite input, got {a}")
    return a


def sign(x: float) -> float:
    """The slope of abs: sign(x), 0 at 0, NaN for NaN.

    >>> sign(-2.0), sign(0.0), sign(3.0)
    (-1.0, 0.0, 1.0)
    """
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else math.nan


def first_largest(numbers: Sequence[float]) -> int:
    """The index of the first largest number (a tie goes to the first, as PyTorch's
    max-pooling does), or -1 if any is NaN, so that a max never hides a NaN.

    >>> first_largest([1.0, 3.0, 3.0]), first_largest([1.0, math.nan])
    (1, -1)
    """
    best = 0
    for i, x in enumerate(numbers):
        if x != x:
            return -1
        if x > numbers[best]:
            best = i
    return best


def sigmoid(x: float) -> float:
    """The logistic function ``1 / (1 + e^-x)`` of a float, stable for any x.

    >>> sigmoid(0.0), sigmoid(-1000.0), sigmoid(1000.0)
    (0.5, 0.0, 1.0)
    """
    if x >= 0:  # exp of a non-positive number only, so it never overflows
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


if sys.version_info >= (3, 12):

    def sum_left_to_right(numbers: Iterable[float], start: float = 0.0) -> float:
        """``start + n1 + n2 + ...``, added in that order with plain float addition.

        This is what builtin ``sum`` did before Python 3.12, and what a chain of
        ``+`` nodes does, so fused nodes give micrograd's numbers to the last bit.
        (From 3.12 on, ``sum`` of floats is compensated: more accurate, different.)

        >>> sum_left_to_right([1e16, 1.0, -1e16])
        0.0
        """
        return reduce(add, numbers, start)

else:  # builtin sum adds floats left to right, and is the fastest way to do it
    sum_left_to_right = sum
