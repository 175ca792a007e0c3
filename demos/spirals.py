"""Spirals: three classes wound around each other.

Three arms of points spiral out from the centre, one class each.  The network
has three outputs, one score (logit) per class; softmax turns them into
probabilities and the loss is the cross-entropy of the right class.

It trains on mini-batches (a few points at a time, reshuffled every epoch)
with Adam, whose learning rate is halved every quarter of the run.

Run it:  micrograd demo spirals --out demo-out
(--explore also writes demo-out/spirals-training.html: the run, step by step, in a browser.)
"""

from __future__ import annotations

import random

from micrograd.demos import common

from micrograd import no_grad
from micrograd.datasets import batches, make_spirals
from micrograd.losses import cross_entropy
from micrograd.nn import MLP
from micrograd.optim import Adam, StepDecay

BATCH = 32


def predicted_class(logits) -> int:
    """The class with the highest score."""
    scores = [s.data for s in logits]
    return scores.index(max(scores))


def predict(model, point) -> int:
    return predicted_class(model(point))


def accuracy(rows_of_logits, y) -> float:
    return sum(predicted_class(row) == t for row, t in zip(rows_of_logits, y)) / len(y)


def main(argv: list[str] | None = None) -> int:
    args = common.parse(common.parser("spirals", __doc__.splitlines()[0], steps=300), argv)

    X, y = make_spirals(100, classes=3, noise=0.2, seed=args.seed)
    model = MLP(2, [32, 32, 3], rng=random.Random(args.seed), init="he")
    optimizer = Adam(model.parameters(), lr=0.02)
    schedule = StepDecay(optimizer, step_size=max(1, args.steps // 4), gamma=0.5)

    def training_accuracy() -> float:
        """Accuracy on the whole training set, not just the last batch (for the progress line)."""
        with no_grad():
            return accuracy([model(x) for x in X], y)

    # No tape here (--no-tape changes nothing): the graph changes with the data.
    common.say_how(
        False,
        ": each batch's points are folded into the graph as numbers, and cross_entropy folds "
        "in the largest logit (a number read from the data), so no recorded tape would replay "
        "it to the bit",
    )
    # --explore: the training explorer keeps each step's numbers (a point's loss: cross-entropy).
    recorder = common.recorder(args, model, X, y, "cross_entropy", "spirals: 2-32-32-3, Adam")
    progress = common.Progress(args.steps, args.quiet)
    losses = []
    step, epoch = 0, 0
    while step < args.steps:
        for batch in batches(list(zip(X, y)), BATCH, seed=args.seed + epoch):
            points, targets = [x for x, _ in batch], [t for _, t in batch]
            logits = [model(x) for x in points]  # forward, a batch at a time
            loss = cross_entropy(logits, targets)
            optimizer.zero_grad()
            loss.backward()  # backward
            if recorder is not None:
                recorder.record(loss, optimizer)  # this batch's loss, the weights that made it
            optimizer.step()  # update
            schedule.step()
            losses.append(loss.data)
            progress.update(step, loss.data, training_accuracy)
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
