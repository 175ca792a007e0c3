"""Loss functions: how wrong a prediction is, as a Value to backpropagate.

Each accepts Values or numbers, one or a list, and averages over the list.

    >>> from micrograd import Value
    >>> mse([Value(0.5), Value(2.0)], [1.0, 2.0]).data
    0.125
    >>> hinge([Value(0.3), Value(-2.0)], [1, -1]).data   # relu(1 - y * score), averaged
    0.35
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

from micrograd.engine import Value, custom_op, max_of, sigmoid, total

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "l2",
    "mse",
]

Scalar = Value | float | int
Scalars = Scalar | Sequence[Scalar]


def _pairs(predictions: Scalars, targets: Scalars, name: str) -> tuple[list[Value], list[Any]]:
    given: list[Any] = (
        list(predictions) if isinstance(predictions, (list, tuple)) else [predictions]
    )
    wanted: list[Any] = list(targets) if isinstance(targets, (list, tuple)) else [targets]
    if len(given) != len(wanted):
        raise ValueError(f"{name}: {len(given)} predictions but {len(wanted)} targets")
    if not given:
        raise ValueError(f"{name}: no predictions")
    return [p if isinstance(p, Value) else Value(p) for p in given], wanted


def _mean(losses: list[Value]) -> Value:
    # Written as micrograd's recipe writes it, so the numbers match to the last bit.
    return total(losses) * (1.0 / len(losses))


def mse(predictions: Scalars, targets: Scalars, reduction: str = "mean") -> Value:
    """Mean squared error, ``mean((p - t)^2)``; ``reduction="sum"`` for the plain sum.

    The textbook delta rule uses half the sum: ``0.5 * mse(o, y, reduction="sum")``.

    >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    2.5
    """
    predictions, targets = _pairs(predictions, targets, "mse")
    squares = [(p - t) ** 2 for p, t in zip(predictions, targets)]
    if reduction == "sum":
        return total(squares)
    if reduction == "mean":
        return _mean(squares)
    raise ValueError(f"mse: reduction must be 'mean' or 'sum', got {reduction!r}")


_LOG_FLOOR = -100.0  # as PyTorch: log(0) counts as -100, so a confident mistake stays finite


def _clamped_log(p: Value) -> Value:
    if p.data > math.exp(_LOG_FLOOR):
        return p.log()
    return Value(_LOG_FLOOR)


def binary_cross_entropy(probabilities: Scalars, targets: Scalars) -> Value:
    """``-mean(t log p + (1 - t) log(1 - p))`` for probabilities p and targets t in [0, 1].

    As in PyTorch, a log of 0 counts as -100, so a confident mistake stays finite.

    >>> round(binary_cross_entropy(Value(0.9), 1.0).data, 6)
    0.105361
    """
    probabilities, targets = _pairs(probabilities, targets, "binary_cross_entropy")
    for p in probabilities:
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(f"binary_cross_entropy: probabilities must be in [0, 1], got {p.data}")
    losses = [
        -(t * _clamped_log(p) + (1 - t) * _clamped_log(1 - p))
        for p, t in zip(probabilities, targets)
    ]
    return _mean(losses)


def _softplus_forward(z: float) -> float:  # log(1 + e^z) without overflow
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _sigmoid(z):  # on floats, or on Values for second derivatives
    return z.sigmoid() if isinstance(z, Value) else sigmoid(z)


softplus = custom_op("softplus", _softplus_forward, lambda z, out: (_sigmoid(z),))
softplus.__doc__ = "``log(1 + exp(z))``, computed without overflow; its derivative is sigmoid(z)."


def binary_cross_entropy_with_logits(logits: Scalars, targets: Scalars) -> Value:
    """Binary cross-entropy on raw scores: ``mean(softplus(z) - t z)``.

    The same as ``binary_cross_entropy(sigmoid(z), t)`` but stable for any z:
    it never takes the log of a probability that rounded to 0 or 1.

    >>> binary_cross_entropy_with_logits(Value(-1000.0), 1.0).data
    1000.0
    """
    logits, targets = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    return _mean([softplus(z) - z * t for z, t in zip(logits, targets)])


def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]],
    target_index: int | Sequence[Scalar] | Sequence[int] | Sequence[Sequence[Scalar]],
) -> Value:
    """Softmax cross-entropy: ``-log softmax(logits)[target_index]``.

    Computed as ``logsumexp(logits) - logits[target]`` with the largest logit
    shifted to 0 first, so it is exact even at logits of +-1000.  Given a batch
    (a list of logit lists and a list of targets), the mean over the batch.

    The target may also be a list of class probabilities, one per logit, as
    PyTorch's ``target`` may be: the loss is ``-sum_k t_k log softmax(z)_k``.
    Give them as Values (a one-hot ``[0, 0, 1]`` whose ``.data`` you set) and
    the graph's shape no longer depends on which class is the target, so a
    recorded tape (:func:`micrograd.tape.record`) replays it on new labels.

    >>> round(cross_entropy([Value(1000.0), Value(0.0)], 1).data, 6)
    1000.0
    >>> cross_entropy([Value(2.0), Value(0.5)], [0.0, 1.0]).data == cross_entropy(
    ...     [Value(2.0), Value(0.5)], 1).data
    True
    """
    if logits and isinstance(logits[0], (list, tuple)):
        rows, targets = cast(Sequence[Sequence[Scalar]], logits), target_index
        count = len(targets) if isinstance(targets, (list, tuple)) else 1
        if count != len(rows) or not isinstance(targets, (list, tuple)):
            raise ValueError(f"cross_entropy: {len(rows)} rows but {count} targets")
        return _mean([cross_entropy(row, t) for row, t in zip(rows, targets)])
    values = [z if isinstance(z, Value) else Value(z) for z in cast(Sequence[Scalar], logits)]
    probabilities = isinstance(target_index, (list, tuple))
    if isinstance(target_index, (list, tuple)) and len(target_index) != len(values):
        raise ValueError(
            f"cross_entropy: {len(values)} logits but {len(target_index)} target probabilities"
        )
    if not probabilities and (
        not isinstance(target_index, int)
        or isinstance(target_index, bool)  # True is 1 to Python, but not a class index
        or not 0 <= target_index < len(values)
    ):
        raise ValueError(
            f"cross_entropy: target_index must be in 0..{len(values) - 1} or a list of "
            f"{len(values)} class probabilities, got {target_index!r}"
        )
    # log-sum-exp is the same for any shift; the largest keeps every exp() at or below 1.
    # A max node, not a number read from the data, so a recorded tape computes it anew.
    shift = max_of(values)
    log_sum_exp = total([(z - shift).exp() for z in values]).log() + shift
    if not probabilities:
        return log_sum_exp - values[cast(int, target_index)]
    # -sum t_k (z_k - lse) = lse * sum t_k - sum t_k z_k: for a one-hot t, the same
    # numbers as the index form (0 * z adds nothing, 1 * z is z).
    t = [p if isinstance(p, Value) else Value(p) for p in cast(Sequence[Scalar], target_index)]
    return log_sum_exp * total(t) - total([p * z for p, z in zip(t, values)])


def hinge(scores: Scalars, targets: Scalars) -> Value:
    """The SVM max-margin loss: ``mean(relu(1 - y * score))`` for labels y of -1 or +1.

    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data  # the second is inside the margin
    0.25
    """
    scores, targets = _pairs(scores, targets, "hinge")
    for i, y in enumerate(targets):
        if isinstance(y, bool) or y not in (-1, 1):  # 0 would make the loss 1, whatever s
            raise ValueError(f"hinge: labels must be -1 or +1, got {y!r} at {i}")
    return _mean([(1 + -y * s).relu() for s, y in zip(scores, targets)])


def l2(params: Sequence[Value]) -> Value:
    """The sum of squares of the parameters; multiply by a strength (e.g. 1e-4) to regularise.

    >>> l2([Value(3.0), Value(-4.0)]).data
    25.0
    """
    return total([p * p for p in params])
