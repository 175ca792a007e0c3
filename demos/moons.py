"""Moons: micrograd's classic demo.

Two interleaving half-moons of points, one class each.  A small network (2
inputs, two hidden layers of 16 ReLU neurons, 1 output score) learns to tell
them apart: the sign of the score is the class.

The loss is the SVM hinge loss, mean(relu(1 - y * score)), which is zero once
every point is on the right side with a margin of 1, plus a little L2
regularisation (1e-4 * sum of squared weights) to keep the weights small.
Training is plain gradient descent with the learning rate decaying linearly
from 1.0 to 0.1.

Run it:  micrograd demo moons --out demo-out
(--explore also writes demo-out/moons-training.html: every step of the run to scrub
through in a browser, the boundary bending, and any point's backprop at any step.)
"""

from __future__ import annotations

import random

from micrograd.demos import common

from micrograd import Value, no_grad
from micrograd.datasets import make_moons
from micrograd.losses import hinge, l2
from micrograd.nn import MLP
from micrograd.optim import SGD, LinearDecay
from micrograd.tape import record


def accuracy(scores, y) -> float:
    return sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)


def predict(model, point) -> int:
    return int(model(point).data > 0)


def main(argv: list[str] | None = None) -> int:
    args = common.parse(common.parser("moons", __doc__.splitlines()[0], steps=100), argv)

    # The data: 100 points, labels as -1 and +1 for the hinge loss.
    X, labels = make_moons(100, noise=0.1, seed=args.seed)
    y = [2 * t - 1 for t in labels]

    # The model and the optimizer.  random.seed makes the weights reproducible.
    random.seed(args.seed)
    model = MLP(2, [16, 16, 1])
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, steps=args.steps)

    def training_accuracy() -> float:
        """Accuracy on all 100 points with the current weights (for the progress line)."""
        with no_grad():
            return accuracy([model(x) for x in X], y)

    def loss_of_model() -> Value:
        scores = [model(x) for x in X]  # a score for every point
        return hinge(scores, y) + 1e-4 * l2(model.parameters())

    # Every step builds the same graph (the same points, the same ops), so it can be
    # recorded once as a tape and replayed on the updated weights.
    common.say_how(args.tape)
    tape = record(loss_of_model) if args.tape else None
    # --explore: the training explorer keeps each step's numbers (a point's loss: hinge).
    recorder = common.recorder(args, model, X, y, "hinge", "moons: 2-16-16-1, hinge loss")
    progress = common.Progress(args.steps, args.quiet)
    losses = []
    for step in range(args.steps):
        optimizer.zero_grad()
        if tape is not None:
            loss = tape.forward()  # forward: the loss, from the weights' current numbers
            tape.backward()  # backward: gradients of the loss for every weight
        else:
            graph = loss_of_model()  # forward, building the graph
            graph.backward()  # backward
            loss = graph.data
        if recorder is not None:
            recorder.record(loss, optimizer)  # the weights as they made this loss
        # Update: a step downhill, then a smaller learning rate.
        optimizer.step()
        schedule.step()
        losses.append(loss)
        progress.update(step, loss, training_accuracy)

    # How it did, with the final weights.
    scores = [model(x) for x in X]
    final_loss = (hinge(scores, y) + 1e-4 * l2(model.parameters())).data
    if args.out is not None:
        for path in common.pictures(args.out, "moons", model, X, labels, losses, predict):
            print(f"wrote {path}")
    if recorder is not None:
        print(f"wrote {common.save_training_page(recorder, args.out, 'moons')}")
    common.final_line(final_loss, accuracy(scores, y))
    return 0


if __name__ == "__main__":
    raise SystemExit(common.run(main, None))
