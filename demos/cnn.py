"""CNN: a convolutional network reads 8x8 pixel digits.

Each image is 8x8 pixels of one digit, 0 to 9, drawn from a small pixel font
at a random place in the frame, with noise.  The network:

1. Conv2d(1 -> 4, 3x3): four 3x3 filters slide over the image; each output
   pixel is the filter's weighted sum of the 9 pixels under it, plus a bias
   (one node in the graph).  Out come 4 feature maps of 6x6.
2. ReLU: keep the positive responses.
3. MaxPool2d(2): the largest response in each 2x2 block, so 4 maps of 3x3.
   A stroke that moves by one pixel often lands in the same block: pooling
   buys a little tolerance to where the digit sits.
4. Linear(36 -> 10): one score (logit) per digit from the 36 pooled features.

The loss is softmax cross-entropy.  Training runs on mini-batches of 32 of the
2000 training images with Adam, whose learning rate is halved every quarter
of the run.  Each batch is loaded into the same leaves (its pixels, and its
labels as one-hot targets), so the graph has the same shape for every batch:
it is recorded once as a tape and replayed (--no-tape builds it each step).
The score that counts is the accuracy on 500 test images the network never
trained on.

Run it:  micrograd demo cnn --out demo-out
"""

from __future__ import annotations

import random
from collections import deque
from itertools import chain

from micrograd.demos import common

from micrograd import Value, no_grad
from micrograd.datasets import batches, digits
from micrograd.losses import cross_entropy
from micrograd.nn import Conv2d, Linear, MaxPool2d, Module, flatten
from micrograd.optim import Adam, StepDecay
from micrograd.tape import Tape, record

TRAIN, TEST = 2000, 500
BATCH = 32
RECENT = 10  # the progress bar's accuracy: over the last 10 batches trained on


class DigitNet(Module):
    """Conv 1->4 (3x3), ReLU, MaxPool 2, Linear 36 -> 10."""

    def __init__(self, rng: random.Random) -> None:
        self.conv = Conv2d(1, 4, kernel_size=3, rng=rng)
        self.pool = MaxPool2d(2)
        self.out = Linear(4 * 3 * 3, 10, rng=rng)

    def __call__(self, image):
        maps = self.conv([image])  # one input channel: the image itself
        maps = [[[v.relu() for v in row] for row in m] for m in maps]
        return self.out(flatten(self.pool(maps)))

    def parameters(self):
        return self.conv.parameters() + self.out.parameters()


def predicted_class(logits) -> int:
    """The digit with the highest score."""
    scores = [s.data for s in logits]
    return scores.index(max(scores))


def accuracy(rows_of_logits, labels) -> float:
    return sum(predicted_class(row) == t for row, t in zip(rows_of_logits, labels)) / len(labels)


def evaluate(model, data) -> tuple[float, float]:
    """The mean cross-entropy and the accuracy of ``model`` on ``data``."""
    with no_grad():  # evaluation only: no graph to record
        logits = [model(image) for image, _ in data]
    labels = [label for _, label in data]
    return cross_entropy(logits, labels).data, accuracy(logits, labels)


class Batch:
    """A mini-batch as leaves: one Value per pixel and a one-hot target of Values.

    Loading a batch sets their ``.data``, so the graph built from them has the same
    shape for every batch of this size: max-pooling is one max node per window, and
    the label is a one-hot target, not an index that picks a logit.  The graph is
    recorded once as a tape and replayed for every batch.
    """

    def __init__(self, size: int) -> None:
        self.images = [[[Value(0.0) for _ in range(8)] for _ in range(8)] for _ in range(size)]
        self.targets = [[Value(0.0) for _ in range(10)] for _ in range(size)]

    def load(self, batch) -> None:
        for (image, label), pixels, target in zip(batch, self.images, self.targets):
            for row, numbers in zip(pixels, image):
                for pixel, x in zip(row, numbers):
                    pixel.data = x
            for k, t in enumerate(target):
                t.data = 1.0 if k == label else 0.0

    def loss(self, model) -> Value:
        return cross_entropy([model(image) for image in self.images], self.targets)


def main(argv: list[str] | None = None) -> int:
    args = common.parse(common.parser("cnn", __doc__.splitlines()[0], steps=600), argv)

    # Training and test images come from different seeds: the test set is unseen.
    train = digits(TRAIN, seed=args.seed)
    test = digits(TEST, seed=args.seed + 1)
    model = DigitNet(random.Random(args.seed))
    optimizer = Adam(model.parameters(), lr=0.03)
    schedule = StepDecay(optimizer, step_size=max(1, args.steps // 4), gamma=0.5)

    # One set of leaves, and one tape, per batch size: 32, and the epoch's last, smaller one.
    common.say_how(args.tape)
    leaves: dict[int, Batch] = {}
    tapes: dict[int, Tape] = {}
    progress = common.Progress(args.steps, args.quiet)
    losses: list[float] = []
    recent: deque[list] = deque(maxlen=RECENT)
    step, epoch = 0, 0
    while step < args.steps:
        for batch in batches(train, BATCH, seed=args.seed + epoch):
            size = len(batch)
            if size not in leaves:
                leaves[size] = Batch(size)
            leaves[size].load(batch)
            optimizer.zero_grad()
            if not args.tape:
                loss = leaves[size].loss(model)  # forward
                loss.backward()  # backward
                loss_value = loss.data
            else:
                if size not in tapes:
                    tapes[size] = record(lambda b=leaves[size]: b.loss(model))
                loss_value = tapes[size].forward()  # forward
                tapes[size].backward()  # backward
            optimizer.step()  # update
            schedule.step()
            losses.append(loss_value)
            # Scoring all 2000 training images at every redraw would cost more than
            # training, so the bar shows the accuracy on the last few batches instead,
            # with the current weights.
            recent.append(batch)
            progress.update(step, loss_value, lambda: evaluate(model, list(chain(*recent)))[1])
            step += 1
            if step == args.steps:
                break
        epoch += 1

    # How it did: loss and accuracy on the training set, and accuracy on the unseen test set.
    final_loss, train_accuracy = evaluate(model, train)
    _, test_accuracy = evaluate(model, test)
    if args.out is not None:
        for path in pictures(args.out, model, test, losses):
            print(f"wrote {path}")
    print(
        f"final: loss={final_loss:.6f} accuracy={train_accuracy:.4f} "
        f"test_accuracy={test_accuracy:.4f}"
    )
    return 0


def pictures(out, model, test, losses):
    """cnn-filters.png (the four learned 3x3 filters), cnn-confusion.png (which digit
    the network says for each true digit, on the test set) and cnn-loss.png."""
    plt = common.pyplot()
    figure, axes = plt.subplots(1, 4, figsize=(8, 2.4))
    for k, ax in enumerate(axes):
        weights = [[w.data for w in row] for row in model.conv.weight[k][0]]
        limit = max(abs(w) for row in weights for w in row)
        ax.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit)  # red +, blue -
        ax.set_title(f"filter {k}")
        ax.set_xticks([])
        ax.set_yticks([])
    figure.suptitle("cnn: learned 3x3 filters (red positive, blue negative)")
    filters = out / "cnn-filters.png"
    figure.savefig(filters, dpi=100, bbox_inches="tight")
    plt.close(figure)

    counts = [[0] * 10 for _ in range(10)]
    with no_grad():
        for image, label in test:
            counts[label][predicted_class(model(image))] += 1
    figure, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(counts, cmap="Blues")
    for t in range(10):
        for p in range(10):
            if counts[t][p]:
                color = "white" if counts[t][p] > max(map(max, counts)) / 2 else "black"
                ax.text(p, t, counts[t][p], ha="center", va="center", fontsize=8, color=color)
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title("cnn: confusion matrix on the test set")
    confusion = out / "cnn-confusion.png"
    figure.savefig(confusion, dpi=100, bbox_inches="tight")
    plt.close(figure)

    figure, ax = plt.subplots(figsize=(5, 3))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title("cnn: training loss")
    curve = out / "cnn-loss.png"
    figure.savefig(curve, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return [filters, confusion, curve]


if __name__ == "__main__":
    raise SystemExit(common.run(main, None))
