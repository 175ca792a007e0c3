"""XOR: the problem a single neuron can't solve.

The output should be 1 when exactly one of the two inputs is 1.  No straight
line separates those points, so one neuron fails; a hidden layer of four tanh
neurons bends the boundary.  A sigmoid output neuron gives a probability, the
loss is the mean squared error, and SGD with momentum does the descent.

Run it:  micrograd demo xor --out demo-out
(--explore also writes demo-out/xor-training.html: the run, step by step, in a browser.)
"""

from __future__ import annotations

import random

from micrograd.demos import common

from micrograd import no_grad
from micrograd.datasets import xor
from micrograd.losses import mse
from micrograd.nn import MLP
from micrograd.optim import SGD
from micrograd.tape import record


def accuracy(outputs, y) -> float:
    return sum((o.data > 0.5) == bool(t) for o, t in zip(outputs, y)) / len(y)


def predict(model, point) -> int:
    return int(model(point).data > 0.5)


def main(argv: list[str] | None = None) -> int:
    args = common.parse(common.parser("xor", __doc__.splitlines()[0], steps=300), argv)

    X, y = xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid",
                rng=random.Random(args.seed))  # fmt: skip
    optimizer = SGD(model.parameters(), lr=1.0, momentum=0.9)

    def training_accuracy() -> float:
        """Accuracy on the four points with the current weights (for the progress line)."""
        with no_grad():
            return accuracy([model(x) for x in X], y)

    common.say_how(args.tape)  # the same four points every step: one graph, recorded once
    tape = record(lambda: mse([model(x) for x in X], y)) if args.tape else None
    recorder = common.recorder(args, model, X, y, "mse", "xor: 2-4-1, tanh and sigmoid")
    progress = common.Progress(args.steps, args.quiet)
    losses = []
    for step in range(args.steps):
        optimizer.zero_grad()
        if tape is not None:
            loss = tape.forward()  # forward, replayed
            tape.backward()  # backward
        else:
            graph = mse([model(x) for x in X], y)  # forward
            graph.backward()  # backward
            loss = graph.data
        if recorder is not None:
            recorder.record(loss, optimizer)  # for --explore: the weights that made this loss
        optimizer.step()  # update
        losses.append(loss)
        progress.update(step, loss, training_accuracy)

    outputs = [model(x) for x in X]
    for x, o, t in zip(X, outputs, y):
        print(f"  {x[0]:.0f} xor {x[1]:.0f} = {t}   network says {o.data:.3f}")
    if args.out is not None:
        for path in common.pictures(args.out, "xor", model, X, y, losses, predict):
            print(f"wrote {path}")
    if recorder is not None:
        print(f"wrote {common.save_training_page(recorder, args.out, 'xor')}")
    common.final_line(mse(outputs, y).data, accuracy(outputs, y))
    return 0


if __name__ == "__main__":
    raise SystemExit(common.run(main, None))
