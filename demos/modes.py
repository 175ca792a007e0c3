"""Modes: one reverse pass gives every gradient; forward mode needs one pass per parameter.

Reverse mode (backpropagation) starts at the loss and sends d(loss)/d(node)
back along every edge: one backward pass, and every parameter has its
gradient.  Forward mode starts at the inputs instead: it pushes a *tangent*
forward, d(node)/d(p) for one chosen parameter p, along with the numbers, and
the loss comes out with d(loss)/d(p), one parameter's gradient.  For all of
them it needs one pass per parameter.

This demo records an MLP's loss on 20 moons points as a tape, then takes the
gradient with respect to every parameter both ways, on networks of growing
width, and times them.  Reverse mode's cost stays about one pass; forward
mode's grows with the number of parameters.  (Forward mode wins the other way
round: a function of one input and many outputs.)

Run it:  micrograd demo modes
"""

from __future__ import annotations

import math
import random
import time

from micrograd.demos import common

from micrograd.datasets import make_moons
from micrograd.losses import hinge
from micrograd.nn import MLP
from micrograd.tape import record

WIDTHS = (2, 4, 8, 16)  # hidden neurons per layer: from 15 parameters to 337


def gradients_both_ways(width: int, X, y) -> tuple[int, float, float, float]:
    """(parameters, reverse seconds, forward seconds, largest difference)."""
    model = MLP(2, [width, width, 1], rng=random.Random(width))
    params = model.parameters()
    tape = record(lambda: hinge([model(x) for x in X], y))
    tape.jvp({params[0]: 1.0})  # compiles forward mode's code, so that it is not timed

    # Reverse mode: one forward pass and one backward pass give every gradient.
    started = time.perf_counter()
    model.zero_grad()
    tape.forward()
    tape.backward()
    reverse = [p.grad for p in params]
    reverse_seconds = time.perf_counter() - started

    # Forward mode: one pass per parameter, with the tangent 1 on it and 0 elsewhere.
    started = time.perf_counter()
    forward = [tape.jvp({p: 1.0}) for p in params]
    forward_seconds = time.perf_counter() - started

    difference = max(abs(a - b) for a, b in zip(reverse, forward))
    return len(params), reverse_seconds, forward_seconds, difference


def main(argv: list[str] | None = None) -> int:
    p = common.parser("modes", __doc__.splitlines()[0])
    args = common.parse(p, argv)
    X, labels = make_moons(20, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]

    print("the gradient of an MLP's loss on 20 points, both ways")
    print(f"{'parameters':>10}  {'reverse':>9}  {'forward':>9}  {'forward/reverse':>15}")
    rows = []
    for width in WIDTHS:
        n, reverse, forward, difference = gradients_both_ways(width, X, y)
        rows.append((n, reverse, forward, difference))
        times = f"{reverse * 1e3:>7.2f}ms  {forward * 1e3:>7.1f}ms"
        print(f"{n:>10}  {times}  {forward / reverse:>14.0f}x")
    worst = max(d for *_, d in rows)
    print(
        "reverse mode: one pass for all the parameters; forward mode: one per parameter, "
        "so its cost grows with their number"
    )
    if args.out is not None:
        print(f"wrote {picture(args.out, rows)}")
    same = worst <= 1e-12
    print(f"final: parameters={rows[-1][0]} same_gradients={same} largest_difference={worst:.1e}")
    return 0 if same and math.isfinite(worst) else 1


def picture(out, rows):
    """modes.png: each mode's time against the number of parameters."""
    plt = common.pyplot()
    figure, axes = plt.subplots(figsize=(5, 3.5))
    counts = [n for n, *_ in rows]
    axes.loglog(counts, [r * 1e3 for _, r, _, _ in rows], "o-", label="reverse: one pass")
    axes.loglog(counts, [f * 1e3 for _, _, f, _ in rows], "s-", label="forward: one per parameter")
    axes.set_xlabel("parameters")
    axes.set_ylabel("ms for the whole gradient")
    axes.set_title("modes: the cost of a gradient")
    axes.legend()
    path = out / "modes.png"
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


if __name__ == "__main__":
    raise SystemExit(common.run(main, None))
