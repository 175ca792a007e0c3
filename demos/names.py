"""Names: an RNN, an LSTM or a small GPT learns to make up names, one letter at a time.

Each model reads a name one character at a time and, after each, scores every
character that could come next.  The loss is the cross-entropy of the true next
character, averaged over the name; training is Adam with a learning rate that
decays linearly to 0, one name per step, as in Karpathy's microgpt.  At the
end the model writes 10 new names, one character at a time, each drawn from
its own predictions.

The three models share this loop; they differ only in how they remember the
characters so far:

- rnn: an RNNCell's hidden state h, updated at every character;
- lstm: an LSTMCell's (h, c), where c can carry things further;
- gpt: the keys and values of every earlier character (see demos/gpt.py).

Run it:  micrograd demo names --model gpt
"""

from __future__ import annotations

import random
import sys
import time
from itertools import pairwise
from typing import Any

from micrograd.demos import common
from micrograd.demos.gpt import BOS, CHARS, GPT, VOCAB_SIZE

from micrograd import no_grad
from micrograd.datasets import names
from micrograd.engine import Value, total
from micrograd.losses import cross_entropy
from micrograd.nn import Embedding, Linear, LSTMCell, Module, RNNCell, softmax
from micrograd.optim import Adam, LinearDecay


class CharRNN(Module):
    """An embedding, a recurrent cell and a linear head: the recurrent language model.

    ``model(token, state)`` returns ``(logits, state)``, the same as ``GPT``.
    """

    def __init__(
        self, cell: str, n_embd: int = 16, hidden: int = 32, rng: random.Random | None = None
    ) -> None:
        self.embedding = Embedding(VOCAB_SIZE, n_embd, rng=rng)
        if cell == "lstm":
            self.cell = LSTMCell(n_embd, hidden, forget_bias=1.0, rng=rng)
        else:
            self.cell = RNNCell(n_embd, hidden, rng=rng)
        self.head = Linear(hidden, VOCAB_SIZE, rng=rng)

    def parameters(self) -> list[Value]:
        return self.embedding.parameters() + self.cell.parameters() + self.head.parameters()

    def __call__(self, token: int, state: Any) -> tuple[list[Value], Any]:
        state = self.cell(self.embedding(token), state)
        h = state[0] if isinstance(state, tuple) else state
        return self.head(h), state


def make_model(kind: str, rng: random.Random) -> Module:
    return GPT(rng=rng) if kind == "gpt" else CharRNN(kind, rng=rng)


def name_loss(model: Module, name: str) -> Value:
    """Mean cross-entropy of each next character of BOS name BOS."""
    tokens = [BOS, *(CHARS.index(ch) for ch in name), BOS]
    state, losses = None, []
    for current, following in pairwise(tokens):
        logits, state = model(current, state)
        losses.append(cross_entropy(logits, following))
    return total(losses) * (1 / len(losses))


def sample(model: Module, rng: random.Random, temperature: float = 0.5, longest: int = 15) -> str:
    """A new name: feed BOS, draw a character from the model's probabilities, feed
    it back, and so on until the model picks BOS (the end).  A temperature below 1
    sharpens the probabilities: fewer, more likely names."""
    token, state, out = BOS, None, []
    with no_grad():  # nothing to learn here: no graph to record
        while len(out) < longest:
            logits, state = model(token, state)
            weights = [p.data for p in softmax([z * (1 / temperature) for z in logits])]
            if not out:
                weights[BOS] = 0.0  # a name has at least one letter
            token = rng.choices(range(VOCAB_SIZE), weights=weights)[0]
            if token == BOS:
                break
            out.append(CHARS[token])
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    p = common.parser("names", __doc__.splitlines()[0], steps=1000)
    p.add_argument("--model", choices=["rnn", "lstm", "gpt"], default="gpt", help="(gpt)")
    args = common.parse(p, argv)

    # The data: every name once, in a shuffled order.
    rng = random.Random(args.seed)
    words = names()
    rng.shuffle(words)

    model = make_model(args.model, rng)
    # microgpt's Adam: lr 0.01, beta1 0.85 (less momentum than the usual 0.9),
    # beta2 0.99, the learning rate going linearly down to 0.
    optimizer = Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    schedule = LinearDecay(optimizer, start=0.01, end=0.0, steps=args.steps)
    if not args.quiet:
        print(f"{args.model}: {len(model.parameters())} parameters", file=sys.stderr)

    # No tape here (--no-tape changes nothing): each name is a graph of its own.  With
    # one-hot leaves for the letters (Embedding and cross_entropy take them) there would
    # be one tape per name length, but recording 15 tapes costs more than the 1000 steps
    # save: 34.7 s on tapes against 25.8 s rebuilding, measured on the gpt.
    common.say_how(
        False,
        ": each name makes its own graph (its length, the embedding rows its letters pick, "
        "the logit each loss reads), and one tape per length would cost more to record "
        "than it saves",
    )
    losses = []
    started = time.perf_counter()
    every = max(1, args.steps // 10)
    for step in range(args.steps):
        loss = name_loss(model, words[step % len(words)])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.data)
        if not args.quiet and ((step + 1) % every == 0 or step + 1 == args.steps):
            recent = losses[-100:]
            elapsed = time.perf_counter() - started
            print(
                f"step {step + 1:>5}/{args.steps}  loss {sum(recent) / len(recent):.4f}"
                f" (mean of last {len(recent)})  elapsed {elapsed:.0f}s",
                file=sys.stderr,
                flush=True,
            )

    if args.out is not None:
        print(f"wrote {loss_picture(args.out, args.model, losses)}")
    for _ in range(10):
        print(sample(model, rng))
    recent = losses[-100:]
    print(f"final: model={args.model} steps={args.steps} loss={sum(recent) / len(recent):.4f}")
    return 0


def loss_picture(out, kind: str, losses: list[float]):
    """names-KIND-loss.png: each step's loss, and its running mean over 100 steps."""
    plt = common.pyplot()
    running = [
        sum(losses[max(0, i - 99) : i + 1]) / (i + 1 - max(0, i - 99)) for i in range(len(losses))
    ]
    figure, axes = plt.subplots(figsize=(5, 3))
    axes.plot(range(1, len(losses) + 1), losses, alpha=0.3, label="one name")
    axes.plot(range(1, len(losses) + 1), running, label="mean of last 100")
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title(f"names, {kind}: training loss")
    axes.legend()
    path = out / f"names-{kind}-loss.png"
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


if __name__ == "__main__":
    raise SystemExit(common.run(main, None))
