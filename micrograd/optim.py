"""Optimizers: turn gradients into parameter updates.

Each has ``step()`` (update every parameter from its ``.grad``),
``zero_grad()``, and a settable ``lr``.  The update rules are PyTorch's, with
its defaults.  Learning-rate schedules set ``optimizer.lr`` on each ``step()``.

    >>> from micrograd import Value
    >>> w = Value(3.0)
    >>> opt = SGD([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     loss = w * w      # d/dw = 2w
    ...     loss.backward()
    ...     opt.step()        # w -= lr * 2w
    >>> round(w.data, 6)
    1.92
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from micrograd.engine import Value

__all__ = ["SGD", "Adam", "LinearDecay", "Optimizer", "RMSprop", "StepDecay"]


def _checked(
    owner: str,
    name: str,
    value: float,
    low: float,
    high: float = math.inf,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """``value`` as a float if it is a finite real number in the range, else an error naming
    ``owner`` and ``name``.  Checked when the optimizer is made, because a bad value fails
    only later, far from its cause (a division by zero, a math domain error, an overflow)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    below = number <= low if open_low else number < low
    above = number >= high if open_high else number > high
    if not math.isfinite(number) or below or above:
        if high == math.inf:
            span = f"> {low:g}" if open_low else f">= {low:g}"
        else:
            span = f"in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        raise ValueError(f"{owner}: {name} must be a finite number {span}, got {value!r}")
    return number


def _count(owner: str, name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a whole number >= 1, got {value!r}")
    return int(value)


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define ``step()``.

    Hyperparameters are checked when the optimizer is made, as PyTorch does: ``lr`` and
    ``weight_decay`` must be finite and >= 0 (also when ``lr`` is set later).

    >>> SGD([Value(1.0)], lr=float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: SGD: lr must be a finite number >= 0, got nan
    """

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got no parameters")
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError(f"{type(self).__name__}: parameters must be Values")
        first: dict[int, int] = {}
        for i, p in enumerate(self.params):
            j = first.setdefault(id(p), i)
            if j != i:  # each step would move it twice (PyTorch warns; this refuses)
                raise ValueError(
                    f"{type(self).__name__}: parameter {i} is parameter {j} again; "
                    "give each parameter once"
                )
        self.lr = lr
        self.weight_decay = _checked(type(self).__name__, "weight_decay", weight_decay, 0.0)

    @property
    def lr(self) -> float:
        """The learning rate; schedules set it on every step."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _checked(type(self).__name__, "lr", value, 0.0)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaves accumulate across backward calls)."""
        for p in self.params:
            p.grad = 0.0

    def _gradients(self) -> list[float]:
        # L2 regularisation as PyTorch's weight_decay: add wd * p to each gradient.
        wd = self.weight_decay
        if wd:
            return [p.grad + wd * p.data for p in self.params]
        return [p.grad for p in self.params]

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent, the delta rule ``p -= lr * grad``, with optional momentum.

    With momentum m, a velocity ``v = m v + grad`` is kept per parameter and
    ``p -= lr * v``, as in PyTorch (no dampening).  ``momentum`` must be in [0, 1): at 1 or
    more the velocity never decays (PyTorch accepts it; it cannot be right).

    >>> w = Value(1.0); w.grad = 2.0
    >>> SGD([w], lr=0.1).step(); w.data
    0.8
    """

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = _checked("SGD", "momentum", momentum, 0.0, 1.0, open_high=True)
        self.velocity: list[float] | None = None

    def step(self) -> None:
        grads = self._gradients()
        if self.momentum:
            if self.velocity is None:
                self.velocity = grads
            else:
                m = self.momentum
                self.velocity = [m * v + g for v, g in zip(self.velocity, grads)]
            grads = self.velocity
        lr = self.lr
        for p, g in zip(self.params, grads):
            p.data -= lr * g


class RMSprop(Optimizer):
    """Divides each step by a running root-mean-square of recent gradients:
    ``s = alpha s + (1 - alpha) g^2``, ``p -= lr * g / (sqrt(s) + eps)``.

    ``alpha`` must be in [0, 1) (above 1 the average goes negative and its square root
    fails; at 1 it stays 0) and ``eps`` > 0 (at 0, a zero gradient divides 0 by 0).

    >>> w = Value(1.0); w.grad = 2.0
    >>> RMSprop([w], lr=0.01).step(); round(w.data, 6)   # 1 - 0.01 * 2 / sqrt(0.01 * 4)
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = _checked("RMSprop", "alpha", alpha, 0.0, 1.0, open_high=True)
        self.eps = _checked("RMSprop", "eps", eps, 0.0, open_low=True)
        self.square_avg = [0.0] * len(self.params)

    def step(self) -> None:
        a, lr, eps = self.alpha, self.lr, self.eps
        for i, (p, g) in enumerate(zip(self.params, self._gradients())):
            s = self.square_avg[i] = a * self.square_avg[i] + (1 - a) * g * g
            p.data -= lr * g / (math.sqrt(s) + eps)


class Adam(Optimizer):
    """Momentum plus RMSprop, with both averages corrected for starting at 0:
    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``,
    ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``.

    Each beta must be in [0, 1), as in PyTorch (at 1 the correction divides by zero), and
    ``eps`` > 0 (PyTorch allows 0, which divides 0 by 0 when a gradient is 0).

    >>> w = Value(1.0); w.grad = 123.0
    >>> Adam([w], lr=0.1).step(); round(w.data, 6)   # the first step moves by lr
    0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair of numbers, got {betas!r}")
        self.betas = (
            _checked("Adam", "betas[0]", betas[0], 0.0, 1.0, open_high=True),
            _checked("Adam", "betas[1]", betas[1], 0.0, 1.0, open_high=True),
        )
        self.eps = _checked("Adam", "eps", eps, 0.0, open_low=True)
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        step_size = self.lr / (1 - b1**self.t)
        root_correction = math.sqrt(1 - b2**self.t)
        for i, (p, g) in enumerate(zip(self.params, self._gradients())):
            m = self.m[i] = self.m[i] + (1 - b1) * (g - self.m[i])
            v = self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            p.data -= step_size * m / (math.sqrt(v) / root_correction + self.eps)


class LinearDecay:
    """Learning rate going in a straight line from ``start`` to ``end`` over ``steps`` steps,
    then staying at ``end``.  Sets ``optimizer.lr`` now and on every ``step()``.

    >>> from micrograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> schedule = LinearDecay(opt, start=1.0, end=0.1, steps=100)
    >>> for _ in range(50):
    ...     schedule.step()
    >>> round(opt.lr, 6)
    0.55
    """

    def __init__(self, optimizer: Optimizer, start: float, end: float, steps: int) -> None:
        self.start = _checked("LinearDecay", "start", start, 0.0)
        self.end = _checked("LinearDecay", "end", end, 0.0)
        self.optimizer, self.steps = optimizer, _count("LinearDecay", "steps", steps)
        self.count = 0
        optimizer.lr = start

    def step(self) -> None:
        self.count += 1
        k = min(self.count, self.steps)
        self.optimizer.lr = self.start + (self.end - self.start) * k / self.steps


class StepDecay:
    """Learning rate multiplied by ``gamma`` every ``step_size`` steps, as PyTorch's StepLR.

    ``gamma`` must be in (0, 1]: a decay.  PyTorch accepts any gamma, but one above 1 makes
    the learning rate overflow after enough steps, and 0 or less is no learning rate.

    >>> from micrograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> schedule = StepDecay(opt, step_size=10, gamma=0.5)
    >>> for _ in range(25):
    ...     schedule.step()
    >>> opt.lr
    0.25
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _count("StepDecay", "step_size", step_size)
        self.gamma = _checked("StepDecay", "gamma", gamma, 0.0, 1.0, open_low=True)
        self.optimizer = optimizer
        self.initial_lr = optimizer.lr
        self.count = 0

    def step(self) -> None:
        self.count += 1
        self.optimizer.lr = self.initial_lr * self.gamma ** (self.count // self.step_size)
