"""BPTT: vanishing gradients made visible, in an RNN and an LSTM.

A recurrent network reads a sequence one step at a time with the same weights at
every step.  Backpropagation through time (BPTT) is plain backprop on that
unrolled graph, and the gradient that reaches an early step has been multiplied
by one factor per later step.  In a plain RNN each factor is a tanh slope
times the recurrent weights, usually below 1, so the gradient shrinks
geometrically: the network cannot learn what happened long ago.  An LSTM
passes its cell state on by multiplying by its forget gate and adding, so
with the forget gate near 1 (forget_bias=1.0) far more of it survives.

Part 1 measures it.  On length-20 sequences of bits, the loss reads only the
last step, and we ask how large ||dL/dh_t|| is at each step t: at
initialisation, the geometric mean over 10 random networks, each on its own
sequence; after training, that of the networks part 2 trained at length 20,
over 10 new sequences.

Part 2 shows what it means.  The task is remember_first: read a sequence of
bits and, at the end, say what the FIRST bit was.  Both networks train on it
at several lengths; the longer the wait, the less gradient reaches the first
step.

Run it:  micrograd demo bptt --out demo-out
(--out also writes demo-out/bptt-explorer.html: part 1's first RNN on the first
6 bits of its sequence, in the explorer's time-step view, one box per time
step, the gradient flowing back through time box by box.  6 bits, not 20:
the page lays out every scalar node, and 20 steps of 8 units, with 88 weights
each used at every step, take Graphviz minutes.)
"""

from __future__ import annotations

import math
import random
import sys
import time
from statistics import geometric_mean

from micrograd.demos import common

from micrograd import no_grad
from micrograd.backprop import grad
from micrograd.datasets import remember_first
from micrograd.engine import Value, total
from micrograd.losses import binary_cross_entropy_with_logits
from micrograd.nn import Linear, LSTMCell, Module, RNNCell, unroll
from micrograd.optim import Adam, LinearDecay
from micrograd.tape import record

HIDDEN = 8  # the same hidden size for both networks
LENGTH = 20  # part 1's sequence length
RUNS = 10  # random initialisations (and sequences) per curve
LENGTHS = (5, 10, LENGTH)  # part 2's sequence lengths
BATCH = 8  # sequences per training step
TEST = 100  # held-out sequences per accuracy
PAGE_LENGTH = 6  # the explorer page's sequence (see the docstring)


class Reader(Module):
    """A recurrent cell that reads the bits, and a linear readout of its last h:
    one logit for "the first bit was 1".  A Module, so its parameters have names
    (``cell.weight_hh[0][1]``, ``readout.bias[0]``): the cell's, then the readout's."""

    def __init__(self, kind: str, rng: random.Random) -> None:
        self.kind = kind
        if kind == "lstm":
            self.cell: LSTMCell | RNNCell = LSTMCell(1, HIDDEN, forget_bias=1.0, rng=rng)
        else:
            self.cell = RNNCell(1, HIDDEN, rng=rng)
        self.readout = Linear(HIDDEN, 1, rng=rng)

    def __call__(self, bits: list[int]) -> tuple[list[list[Value]], Value]:
        # Bits go in as -1 and +1: an input of 0 would reach the cell through no weight.
        return self.read([2.0 * b - 1.0 for b in bits])

    def read(self, inputs: list) -> tuple[list[list[Value]], Value]:
        """The same, on inputs already -1 or +1 (numbers, or Values a tape reads)."""
        outputs, _ = unroll(self.cell, [[x] for x in inputs])
        return outputs, self.readout(outputs[-1])[0]


def gradient_norms(model: Reader, bits: list[int], target: int) -> list[float]:
    """||dL/dh_t|| for t = 1..len(bits): how much of the loss's gradient reaches step t."""
    outputs, logit = model(bits)
    loss = binary_cross_entropy_with_logits(logit, target)
    every_h = [v for h in outputs for v in h]
    grads = grad(loss, every_h)  # the gradients, without touching any .grad
    return [
        math.sqrt(sum(g * g for g in grads[t * HIDDEN : (t + 1) * HIDDEN]))
        for t in range(len(outputs))
    ]


def mean_curve(curves: list[list[float]]) -> list[float]:
    """The geometric mean at each t: these numbers span many powers of ten."""
    return [geometric_mean(column) for column in zip(*curves)]


def train(model: Reader, length: int, steps: int, seed: int, say, on_tape: bool) -> None:
    """Adam on mini-batches of remember_first at this length, the learning rate
    decaying linearly to 0: late large steps can undo what was learned (a gradient
    that vanishes over long spans can also explode).

    A batch goes in through leaves (its bits and targets), so every step's graph has
    the same shape: recorded once as a tape, it is replayed with the leaves' new
    numbers, with the same float operations as building it again."""
    data = remember_first(steps * BATCH, length, seed=seed)
    optimizer = Adam(model.parameters(), lr=0.01)
    schedule = LinearDecay(optimizer, start=0.01, end=0.0, steps=steps)
    inputs = [[Value(0.0) for _ in range(length)] for _ in range(BATCH)]
    targets = [Value(0.0) for _ in range(BATCH)]

    def batch_loss() -> Value:
        losses = [
            binary_cross_entropy_with_logits(model.read(xs)[1], t) for xs, t in zip(inputs, targets)
        ]
        return total(losses) * (1 / len(losses))

    tape = None
    for step in range(steps):
        for xs, t, (bits, target) in zip(inputs, targets, data[step * BATCH :]):
            for x, b in zip(xs, bits):
                x.data = 2.0 * b - 1.0
            t.data = target
        optimizer.zero_grad()
        if on_tape:
            tape = tape or record(batch_loss)
            loss = tape.forward()
            tape.backward()
        else:
            graph = batch_loss()
            graph.backward()
            loss = graph.data
        optimizer.step()
        schedule.step()
        say(step, loss)


def accuracy(model: Reader, length: int, seed: int) -> float:
    with no_grad():
        tests = remember_first(TEST, length, seed=seed)
        return sum((model(bits)[1].data > 0) == (t == 1) for bits, t in tests) / TEST


def main(argv: list[str] | None = None) -> int:
    args = common.parse(common.parser("bptt", __doc__.splitlines()[0], steps=600), argv)
    started = time.perf_counter()
    common.say_how(args.tape)

    def note(text: str) -> None:
        if not args.quiet:
            print(f"{text}  ({time.perf_counter() - started:.0f}s)", file=sys.stderr, flush=True)

    # Part 1, at initialisation: 10 fresh networks of each kind, each on its own sequence.
    at_init = {}
    for kind in ("rnn", "lstm"):
        curves = []
        for run in range(RUNS):
            model = Reader(kind, random.Random(args.seed * 100 + run))
            ((bits, target),) = remember_first(1, LENGTH, seed=args.seed * 100 + run)
            curves.append(gradient_norms(model, bits, target))
        at_init[kind] = mean_curve(curves)
        note(f"{kind}: ||dL/dh_1|| = {at_init[kind][0]:.3g} at initialisation")

    # Part 2: train each kind at each length; keep the length-20 networks for part 1's
    # "after training" curve.
    table, trained = {}, {}
    every = max(1, args.steps // 5)
    for length in LENGTHS:
        for kind in ("rnn", "lstm"):
            model = Reader(kind, random.Random(args.seed))

            def say(step, loss, kind=kind, length=length):
                if (step + 1) % every == 0:
                    note(f"{kind}, length {length}: step {step + 1}/{args.steps} loss {loss:.4f}")

            train(model, length, args.steps, args.seed + length, say, on_tape=args.tape)
            table[kind, length] = accuracy(model, length, seed=args.seed + 1000 + length)
            trained[kind, length] = model

    after = {}
    for kind in ("rnn", "lstm"):
        model = trained[kind, LENGTH]
        tests = remember_first(RUNS, LENGTH, seed=args.seed + 2000)
        after[kind] = mean_curve([gradient_norms(model, bits, t) for bits, t in tests])

    # What it shows.
    print(
        f"||dL/dh_t|| on length-{LENGTH} sequences, geometric mean of {RUNS} networks "
        f"at init, of {RUNS} sequences trained:"
    )
    print("       t     " + " ".join(f"{t:>8}" for t in (1, 5, 10, 15, 20)))
    for label, curves in (("at init", at_init), ("trained", after)):
        for kind in ("rnn", "lstm"):
            values = " ".join(f"{curves[kind][t - 1]:8.1e}" for t in (1, 5, 10, 15, 20))
            print(f"{kind:>4} {label:<7} {values}")
    print(f"remember_first: accuracy on {TEST} new sequences, by length")
    print("length " + " ".join(f"{n:>6}" for n in LENGTHS))
    for kind in ("rnn", "lstm"):
        print(f"{kind:<6} " + " ".join(f"{table[kind, n]:6.2f}" for n in LENGTHS))

    if args.out is not None:
        for path in [*pictures(args.out, at_init, after), *explorer_pages(args.out, args.seed)]:
            print(f"wrote {path}")

    accuracies = " ".join(
        f"{kind}_acc_{n}={table[kind, n]:.2f}" for n in LENGTHS for kind in ("rnn", "lstm")
    )
    print(
        f"final: rnn_grad_h1={at_init['rnn'][0]:.3g} lstm_grad_h1={at_init['lstm'][0]:.3g} "
        f"ratio={at_init['lstm'][0] / at_init['rnn'][0]:.3g} {accuracies}"
    )
    return 0


def pictures(out, at_init, after) -> list:
    """bptt-gradients.png, and a three-step RNN's unrolled graph as SVG."""
    plt = common.pyplot()
    figure, panels = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
    steps = range(1, LENGTH + 1)
    for axes, curves, title in (
        (panels[0], at_init, "at initialisation"),
        (panels[1], after, "after training"),
    ):
        for kind, style in (("rnn", "o-"), ("lstm", "s-")):
            axes.semilogy(steps, curves[kind], style, markersize=3, label=kind.upper())
        axes.set_xlabel("time step t (the loss reads step 20)")
        axes.set_title(title)
        axes.grid(True, which="major", alpha=0.3)
    panels[0].set_ylabel("||dL/dh_t||  (geometric mean)")
    panels[0].legend()
    gradients = out / "bptt-gradients.png"
    figure.savefig(gradients, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return [gradients, unrolled_graph(out)]


def unrolled_graph(out):
    """A one-unit RNN over three steps: one weight w_hh, used at every step."""
    from micrograd.viz import render  # here: only --out draws, so only it pays

    cell = RNNCell(1, 1, rng=random.Random(0))
    cell.weight_ih[0][0].label, cell.weight_hh[0][0].label = "weight_ih", "weight_hh"
    cell.bias_ih[0].label, cell.bias_hh[0].label = "bias_ih", "bias_hh"
    xs = [[Value(x, label=f"x{t}")] for t, x in enumerate((1.0, -1.0, 1.0), start=1)]
    outputs, (h,) = unroll(cell, xs, [Value(0.0, label="h0")])
    for t, (h_t,) in enumerate(outputs, start=1):
        h_t.label = f"h{t}"
    h.backward()
    return render(h, out / "bptt-unrolled.svg")


def page_network(seed: int, length: int = PAGE_LENGTH) -> tuple[Value, Reader, list[list[Value]]]:
    """Part 1's first RNN at initialisation, reading the first ``length`` bits of its sequence:
    the loss, the model and each time step's h.

    The loss is the one binary_cross_entropy_with_logits gives, log(1 + e^(-s z)) for a
    target s = -1 or +1, written with the ops the explorer page can recompute (the loss
    function's softplus is a custom op), so that every input on the page stays live."""
    model = Reader("rnn", random.Random(seed * 100))
    ((bits, target),) = remember_first(1, LENGTH, seed=seed * 100)
    inputs = [Value(2.0 * b - 1.0, label=f"x{t}") for t, b in enumerate(bits[:length], start=1)]
    h0 = [Value(0.0, label=f"h0[{j}]") for j in range(HIDDEN)]
    outputs, _ = unroll(model.cell, [[x] for x in inputs], h0)
    logit = model.readout(outputs[-1])[0]
    sign = 1.0 if target == 1 else -1.0
    loss = ((-sign * logit).exp() + 1).log()
    loss.label = "loss"
    return loss, model, outputs


def explorer_page(seed: int):
    """The explorer page of :func:`page_network`: the time-step view, one box per time step."""
    from micrograd.viz import explore  # here: only --out writes pages, so only it pays

    loss, model, _ = page_network(seed)
    title = f"BPTT: an RNN of {HIDDEN} units reads {PAGE_LENGTH} bits; dL/dh, box by box"
    return explore(loss, model=model, lr=0.1, title=title)


def explorer_pages(out, seed: int) -> list:
    return [explorer_page(seed).save(out / "bptt-explorer.html")]


if __name__ == "__main__":
    raise SystemExit(common.run(main, None))
