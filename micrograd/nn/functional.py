"""Functions of a list of Values that sequence models need: softmax, log_softmax, rmsnorm.

Each takes a list of Values (or numbers) and returns a new list of Values, so
the result can be differentiated like any other expression.

    >>> from micrograd.engine import Value
    >>> probs = softmax([Value(1.0), Value(2.0), Value(3.0)])
    >>> [round(p.data, 4) for p in probs]
    [0.09, 0.2447, 0.6652]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from micrograd.engine import Value, max_of, total

__all__ = ["log_softmax", "rmsnorm", "softmax"]

Scalar = Value | float | int


def _as_values(values: Sequence[Scalar], name: str) -> list[Value]:
    if isinstance(values, Value) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"{name}: needs a non-empty list of Values or numbers, got {values!r}")
    out = [v if isinstance(v, Value) else Value(v) for v in values]
    for v in out:
        if math.isinf(v.data):
            raise ValueError(f"{name}: needs finite inputs, got {v.data}")
    return out


def _largest(values: list[Value]) -> Value:
    # softmax(z - c) == softmax(z) for any c, so shifting by the largest logit changes
    # no value, but keeps every exp() at or below 1 (no overflow at logits of 1000).  The
    # shift is a max node, not a number read from the data, so a recorded tape computes
    # it anew on new numbers; its gradient (1 - sum of the probabilities) is 0 up to
    # rounding.
    return max_of(values)


def softmax(values: Sequence[Scalar]) -> list[Value]:
    """Probabilities from logits: ``exp(z_i) / sum_j exp(z_j)``, with the largest
    logit shifted to 0 first so that no ``exp`` overflows.

    Args:
        values: the logits, Values or numbers.

    Returns:
        One Value per logit; they sum to 1.

    >>> p = softmax([Value(1000.0), Value(0.0)])
    >>> p[0].data, p[1].data
    (1.0, 0.0)
    """
    values = _as_values(values, "softmax")
    shift = _largest(values)
    exps = [(v - shift).exp() for v in values]
    norm = total(exps)
    return [e / norm for e in exps]


def log_softmax(values: Sequence[Scalar]) -> list[Value]:
    """Log-probabilities from logits: ``z_i - log(sum_j exp(z_j))``.

    Computed as ``(z_i - m) - log(sum_j exp(z_j - m))`` with ``m`` the largest
    logit, so it is exact where ``log(softmax(z))`` would take the log of 0.

    Args:
        values: the logits, Values or numbers.

    Returns:
        One Value per logit.

    >>> [lp.data for lp in log_softmax([Value(1000.0), Value(-1000.0)])]
    [0.0, -2000.0]
    """
    values = _as_values(values, "log_softmax")
    shift = _largest(values)
    shifted = [v - shift for v in values]
    log_norm = total([s.exp() for s in shifted]).log()
    return [s - log_norm for s in shifted]


def rmsnorm(values: Sequence[Scalar], eps: float = 1e-5) -> list[Value]:
    """Scale a vector to unit root-mean-square: ``x / sqrt(mean(x^2) + eps)``.

    RMSNorm (Zhang & Sennrich, 2019) without a learned weight, as in microgpt.

    Args:
        values: the vector, Values or numbers.
        eps: added under the square root, so a zero vector stays 0, not NaN.

    Returns:
        One Value per input.

    >>> [round(v.data, 6) for v in rmsnorm([Value(3.0), Value(-4.0)], eps=0.0)]
    [0.848528, -1.131371]
    """
    values = _as_values(values, "rmsnorm")
    if not (isinstance(eps, (int, float)) and eps >= 0):
        raise ValueError(f"rmsnorm: eps must be a number >= 0, got {eps!r}")
    mean_square = total([v * v for v in values]) / len(values)
    scale = (mean_square + eps) ** -0.5
    return [v * scale for v in values]
