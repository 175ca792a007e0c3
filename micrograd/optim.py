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
from collections.abc import Iterable

from micrograd.engine import Value

__all__ = ["SGD", "Adam", "LinearDecay", "Optimizer", "RMSprop", "StepDecay"]


class Optimizer:
    """Holds the parameters and the learning rate; subclasses define ``step()``."""

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got no parameters")
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError(f"{type(self).__name__}: parameters must be Values")
        if not lr >= 0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {lr}")
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)

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
    ``p -= lr * v``, as in PyTorch (no dampening).

    >>> w = Value(1.0); w.grad = 2.0
    >>> SGD([w], lr=0.1).step(); w.data
    0.8
    """

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = float(momentum)
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
        self.alpha, self.eps = float(alpha), float(eps)
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
        self.betas, self.eps = (float(betas[0]), float(betas[1])), float(eps)
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
        if steps < 1:
            raise ValueError(f"LinearDecay: steps must be >= 1, got {steps}")
        self.optimizer, self.start, self.end, self.steps = optimizer, start, end, steps
        self.count = 0
        optimizer.lr = start

    def step(self) -> None:
        self.count += 1
        k = min(self.count, self.steps)
        self.optimizer.lr = self.start + (self.end - self.start) * k / self.steps


class StepDecay:
    """Learning rate multiplied by ``gamma`` every ``step_size`` steps, as PyTorch's StepLR.

    >>> from micrograd import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> schedule = StepDecay(opt, step_size=10, gamma=0.5)
    >>> for _ in range(25):
    ...     schedule.step()
    >>> opt.lr
    0.25
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1:
            raise ValueError(f"StepDecay: step_size must be >= 1, got {step_size}")
        self.optimizer, self.step_size, self.gamma = optimizer, step_size, gamma
        self.initial_lr = optimizer.lr
        self.count = 0

    def step(self) -> None:
        self.count += 1
        self.optimizer.lr = self.initial_lr * self.gamma ** (self.count // self.step_size)
