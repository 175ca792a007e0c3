"""The tape (micrograd.tape) against rebuilding the graph, in one process.

    python benchmarks/replay.py [--rounds N] [--warmup N] [--json]

For each workload: one training step's forward and backward, rebuilt (build the
graph, ``backward()``) and replayed (``tape.forward()``, ``tape.backward()``), each
the best of its rounds, interleaved; the ratio is what to quote.  Each way first
runs ``--warmup`` steps that are not timed: a training loop runs hundreds of
steps, and CPython specializes a function's bytecode only after its first few
calls, so the first replays of a new tape are not what a training loop sees.
It also checks that the two give the same loss and gradients, bit for bit, at
the same numbers, and gives what recording costs (the best of three recordings,
in rebuilt steps) and the tape's bytes per node (tracemalloc, once the graph
that was recorded is gone; the smaller of two recordings, as CPython's table of
interned names, which all code shares, may grow during one of them).
(benchmarks/tape.py is something else: the minimal pure-Python tape, the floor.)

The workloads are issue 24's:

- the op-by-op MLP step: ``MLP(2, [16, 16, 1], fused=False)`` on 100 moons points;
- the same MLP with fused neurons;
- the microgpt-shaped GPT step: the issue's "scalar GPT" of about 65,000 nodes is
  the op-by-op model of ``benchmarks/gpt.py`` (written as microgpt writes it, one
  ``Value`` op per scalar op), here on the second name of its shuffled list,
  "diondre" (8 positions, 61,889 nodes).  The names demo's GPT is another model:
  fused nodes (a neuron's weighted sum is one node), some 2,600 nodes a name.
  microgpt's softmax subtracts the largest logit as a plain number read from the
  data, so a tape of it replays bit for bit only at the numbers it was recorded
  at, which is what this benchmark compares (a training loop would rebuild, or
  use ``micrograd.nn.softmax``, which shifts by a ``max`` node);
- the bptt demo's step: an RNN reads 8 sequences of 20 bits.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's micrograd
sys.path.insert(0, str(Path(__file__).resolve().parent))  # gpt.py

from gpt import MicroGPT

from micrograd import Value
from micrograd.datasets import make_moons
from micrograd.engine import total
from micrograd.losses import binary_cross_entropy_with_logits, hinge, l2
from micrograd.nn import MLP, Linear, RNNCell, unroll
from micrograd.tape import record

TARGETS = {"mlp, op by op": 6.0, "mlp, fused": 4.0, "microgpt-shaped gpt": 3.0, "bptt rnn": 3.0}
RECORDING_TARGET = 50  # rebuilt steps
BYTES_TARGET = 150  # per node


def mlp(fused: bool):
    random.seed(1337)
    X, labels = make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [16, 16, 1], fused=fused)

    def build():
        scores = [model([Value(a), Value(b)]) for a, b in X]
        return hinge(scores, y) + 1e-4 * l2(model.parameters())

    return build, model.parameters()


def gpt():
    """benchmarks/gpt.py's model and its loss on one name: one training step's graph."""
    model = MicroGPT(Value)
    name = model.docs[1]
    return (lambda: model.loss(name)), model.params


def bptt():
    """The bptt demo's training step: an RNN reads 8 sequences of 20 bits."""
    rng = random.Random(0)
    cell, readout = RNNCell(1, 8, rng=rng), Linear(8, 1, rng=rng)
    bits = [[Value(rng.choice([-1.0, 1.0])) for _ in range(20)] for _ in range(8)]
    targets = [Value(float(seq[0].data > 0)) for seq in bits]

    def build():
        losses = []
        for seq, t in zip(bits, targets):
            outputs, _ = unroll(cell, [[b] for b in seq])
            losses.append(binary_cross_entropy_with_logits(readout(outputs[-1])[0], t))
        return total(losses) * (1 / len(losses))

    return build, cell.parameters() + readout.parameters()


def rebuilt_step(build, params):
    for p in params:
        p.grad = 0.0
    loss = build()
    loss.backward()
    return loss.data


def replayed_step(tape, params):
    for p in params:
        p.grad = 0.0
    loss = tape.forward()
    tape.backward()
    return loss


def timed(fn) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(name: str, make, rounds: int, warmup: int) -> dict:
    build, params = make()
    recordings = [timed(lambda: record(build)) for _ in range(3)]
    tape = record(build)
    nodes = len(tape)
    for _ in range(warmup):
        rebuilt_step(build, params)
        replayed_step(tape, params)
    rebuild_times, replay_times = [], []
    for _ in range(rounds):  # interleaved, so that a noisy machine slows both alike
        rebuild_times.append(timed(lambda: rebuilt_step(build, params)))
        replay_times.append(timed(lambda: replayed_step(tape, params)))
    loss = rebuilt_step(build, params)
    expected = [repr(loss), *(repr(p.grad) for p in params)]
    loss = replayed_step(tape, params)
    got = [repr(loss), *(repr(p.grad) for p in params)]
    rebuild, replay = min(rebuild_times), min(replay_times)
    tape = None  # gone, before the memory of a new one is measured
    sizes = []
    for _ in range(2):  # the smaller: a dict CPython shares among all code may grow in one
        gc.collect()
        tracemalloc.start()
        kept = record(build)  # the graph build() made is gone by now: only the tape is kept
        gc.collect()
        sizes.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        del kept
    size = min(sizes)
    return {
        "workload": name,
        "nodes": nodes,
        "rebuild_ms": rebuild * 1e3,
        "replay_ms": replay * 1e3,
        "speedup": rebuild / replay,
        "target": TARGETS[name],
        "bit_for_bit": got == expected,
        "recording_in_steps": min(recordings) / rebuild,
        "bytes_per_node": size / nodes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument(
        "--warmup", type=int, default=10, help="untimed steps each way first (default 10)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    args = parser.parse_args()
    sys.setrecursionlimit(10_000)
    workloads = {
        "mlp, op by op": lambda: mlp(False),
        "mlp, fused": lambda: mlp(True),
        "microgpt-shaped gpt": gpt,
        "bptt rnn": bptt,
    }
    results = [measure(name, make, args.rounds, args.warmup) for name, make in workloads.items()]
    if args.json:
        print(json.dumps(results))
        return
    day = time.strftime("%Y-%m-%d")
    print(
        f"One run, Python {platform.python_version()}, {args.warmup} untimed steps, then "
        f"{args.rounds} interleaved rounds, best of each ({day}).\n"
    )
    print("| step (forward + backward) | nodes | rebuild | replay | speed-up | target | met? "
          "| bit for bit | recording (<= 50 steps) | bytes/node (<= 150) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        met = "yes" if r["speedup"] >= r["target"] else "no"
        print(
            f"| {r['workload']} | {r['nodes']:,} | {r['rebuild_ms']:.1f} ms | "
            f"{r['replay_ms']:.1f} ms | {r['speedup']:.2f}x | >= {r['target']:g}x | {met} | "
            f"{'yes' if r['bit_for_bit'] else 'NO'} | {r['recording_in_steps']:.1f} steps | "
            f"{r['bytes_per_node']:.0f} |"
        )
    if not all(r["bit_for_bit"] for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
