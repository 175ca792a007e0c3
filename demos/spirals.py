"""Spirals: three classes wound around each other.

Three arms of points spiral out from the centre, one class each.  The network
has three outputs, one score (logit) per class; softmax turns them into
probabilities and the loss is the cross-entropy of the right class.

It trains on mini-batches (a few points at a time, reshuffled every epoch)
with Adam, whose learning rate is halved every quarter of the run.  Each batch
is loaded into the same leaves, so its graph is recorded once as a tape and
replayed (--no-tape builds it each step: the same numbers, slower).

Run it:  micrograd demo spirals --out demo-out
(--explore also writes demo-out/spirals-training.html: the run, step by step, in a browser.)
"""

from __future__ import annotations

import random

from micrograd.demos import common

from micrograd import Value, no_grad
from micrograd.datasets import batches, make_spirals
from micrograd.losses import cross_entropy
from micrograd.nn import MLP
from micrograd.optim import Adam, StepDecay
from micrograd.tape import Tape, record

BATCH = 32
CLASSES = 3


def predicted_class(logits) -> int:
    """The class with the highest score."""
    scores = [s.data for s in logits]
    return scores.index(max(scores))


def predict(model, point) -> int:
    return predicted_class(model(point))


def accuracy(rows_of_logits, y) -> float:
    return sum(predicted_class(row) == t for row, t in zip(rows_of_logits, y)) / len(y)


class Batch:
    """A mini-batch as leaves: two Values per point and a one-hot target of Values.

    Loading a batch sets their ``.data``; the graph built from them has the same
    shape for every batch of this size, so a recorded tape replays it.
    """

    def __init__(self, size: int) -> None:
        self.points = [[Value(0.0), Value(0.0)] for _ in range(size)]
        self.targets = [[Value(0.0) for _ in range(CLASSES)] for _ in range(size)]

    def load(self, batch) -> None:
        for (x, label), point, target in zip(batch, self.points, self.targets):
            for leaf, coordinate in zip(point, x):
                leaf.data = coordinate
            for k, t in enumerate(target):
                t.data = 1.0 if k == label else 0.0

    def loss(self, model) -> Value:
        return cross_entropy([model(point) for point in self.points], self.targets)


def main(argv: list[str] | None = None) -> int:
    args = common.parse(common.parser("spirals", __doc__.splitlines()[0], steps=300), argv)

    X, y = make_spirals(100, classes=CLASSES, noise=0.2, seed=args.seed)
    model = MLP(2, [32, 32, CLASSES], rng=random.Random(args.seed), init="he")
    optimizer = Adam(model.parameters(), lr=0.02)
    schedule = StepDecay(optimizer, step_size=max(1, args.steps // 4), gamma=0.5)

    def training_accuracy() -> float:
        """Accuracy on the whole training set, not just the last batch (for the progress line)."""
        with no_grad():
            return accuracy([model(x) for x in X], y)

    # Each batch is loaded into the same leaves (the points' coordinates, and their
    # classes as one-hot targets), so every batch of a size builds the same graph: it is
    # recorded once as a tape per size (32, and the epoch's last, smaller one) and replayed.
    common.say_how(args.tape)
    leaves: dict[int, Batch] = {}
    tapes: dict[int, Tape] = {}
    # --explore: the training explorer keeps each step's numbers (a point's loss: cross-entropy).
    recorder = common.recorder(args, model, X, y, "cross_entropy", "spirals: 2-32-32-3, Adam")
    progress = common.Progress(args.steps, args.quiet)
    losses = []
    step, epoch = 0, 0
    while step < args.steps:
        for batch in batches(list(zip(X, y)), BATCH, seed=args.seed + epoch):
            size = len(batch)
            if size not in leaves:
                leaves[size] = Batch(size)
            leaves[size].load(batch)
            optimizer.zero_grad()
            if not args.tape:
                built = leaves[size].loss(model)  # forward, a batch at a time
                built.backward()  # backward
                loss = built.data
            else:
                if size not in tapes:
                    tapes[size] = record(lambda b=leaves[size]: b.loss(model))
                loss = tapes[size].forward()  # forward
                tapes[size].backward()  # backward
            if recorder is not None:
                recorder.record(loss, optimizer)  # this batch's loss, the weights that made it
            optimizer.step()  # update
            schedule.step()
            losses.append(loss)
            progress.update(step, loss, training_accuracy)
            step += 1
            if step == args.steps:
                break
        epoch += 1

    logits = [model(x) for x in X]  # how it does on the whole set
    final_loss, final_accuracy = cross_entropy(logits, y).data, accuracy(logits, y)
    if args.out is not None:
        for path in common.pictures(args.out, "spirals", model, X, y, losses, predict):
            print(f"wrote {path}")
    if recorder is not None:
        print(f"wrote {common.save_training_page(recorder, args.out, 'spirals')}")
    common.final_line(final_loss, final_accuracy)
    return 0


if __name__ == "__main__":
    raise SystemExit(common.run(main, None))
