"""Spirals: three classes wound around each other.

Three arms of points spiral out from the centre, one class each.  The network
has three outputs, one score (logit) per class; softmax turns them into
probabilities and the loss is the cross-entropy of the right class.

It trains on mini-batches (a few points at a time, reshuffled every epoch)
with Adam, whose learning rate is halved every quarter of the run.

Run it:  micrograd demo spirals --out demo-out
"""

from __future__ import annotations

import random

from micrograd.demos import _common

from micrograd.datasets import batches, make_spirals
from micrograd.losses import cross_entropy
from micrograd.nn import MLP
from micrograd.optim import Adam, StepDecay

BATCH = 32


def predict(model, point) -> int:
    scores = [s.data for s in model(point)]
    return scores.index(max(scores))


def evaluate(model, X, y) -> tuple[float, float]:
    """Loss and accuracy on the whole set."""
    logits = [model(x) for x in X]
    right = sum(predict(model, x) == t for x, t in zip(X, y))
    return cross_entropy(logits, y).data, right / len(y)


def main(argv: list[str] | None = None) -> int:
    args = _common.parse(_common.parser("spirals", __doc__.splitlines()[0], steps=600), argv)

    X, y = make_spirals(100, classes=3, noise=0.2, seed=args.seed)
    model = MLP(2, [32, 32, 3], rng=random.Random(args.seed), init="he")
    optimizer = Adam(model.parameters(), lr=0.02)
    schedule = StepDecay(optimizer, step_size=max(1, args.steps // 4), gamma=0.5)

    progress = _common.Progress(args.steps, args.quiet)
    losses = []
    step, epoch = 0, 0
    while step < args.steps:
        for batch in batches(list(zip(X, y)), BATCH, seed=args.seed + epoch):
            logits = [model(x) for x, _ in batch]  # forward, a batch at a time
            loss = cross_entropy(logits, [t for _, t in batch])
            optimizer.zero_grad()
            loss.backward()  # backward
            optimizer.step()  # update
            schedule.step()
            losses.append(loss.data)
            right = sum(
                max(range(3), key=lambda k, row=row: row[k].data) == t
                for row, (_, t) in zip(logits, batch)
            )
            progress.update(step, loss.data, right / len(batch))
            step += 1
            if step == args.steps:
                break
        epoch += 1

    final_loss, final_accuracy = evaluate(model, X, y)
    if args.out is not None:
        for path in _common.pictures(args.out, "spirals", model, X, y, losses, predict):
            print(f"wrote {path}")
    _common.final_line(final_loss, final_accuracy)
    return 0


if __name__ == "__main__":
    raise SystemExit(_common.run(main, None))
