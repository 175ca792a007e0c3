"""The tape (micrograd.tape) against rebuilding the graph, in one process.

    python benchmarks/replay.py [--rounds N] [--json]

For each workload: one training step's forward and backward, rebuilt (build the
graph, ``backward()``) and replayed (``tape.forward()``, ``tape.backward()``), each
the best of its rounds, interleaved; the ratio is what to quote.  It also checks
that the two give the same loss and gradients, bit for bit, at the same numbers,
and gives what recording costs (in rebuilt steps) and the tape's bytes per node.
(benchmarks/tape.py is something else: the minimal pure-Python tape, the floor.)
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
import tracemalloc
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's micrograd

from micrograd.demos.gpt import BOS, CHARS, GPT

from micrograd import Value
from micrograd.datasets import make_moons
from micrograd.engine import total
from micrograd.losses import binary_cross_entropy_with_logits, cross_entropy, hinge, l2
from micrograd.nn import MLP, Linear, RNNCell, unroll
from micrograd.tape import record

TARGETS = {"mlp, op by op": 6.0, "mlp, fused": 4.0, "gpt": 3.0, "bptt rnn": 3.0}


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
    model = GPT(rng=random.Random(42))
    tokens = [BOS, *(CHARS.index(c) for c in "emma"), BOS]

    def build():
        cache, losses = None, []
        for a, b in pairwise(tokens):
            logits, cache = model(a, cache)
            losses.append(cross_entropy(logits, b))
        return total(losses) * (1 / len(losses))

    return build, model.parameters()


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


def measure(name: str, make, rounds: int) -> dict:
    build, params = make()
    rebuilt_step(build, params)  # warm up
    started = time.perf_counter()
    tape = record(build)
    recording = time.perf_counter() - started
    nodes = len(tape)
    rebuild_times, replay_times = [], []
    for _ in range(rounds):  # interleaved, so that a noisy machine slows both alike
        rebuild_times.append(timed(lambda: rebuilt_step(build, params)))
        replay_times.append(timed(lambda: replayed_step(tape, params)))
    loss = rebuilt_step(build, params)
    expected = [repr(loss), *(repr(p.grad) for p in params)]
    loss = replayed_step(tape, params)
    got = [repr(loss), *(repr(p.grad) for p in params)]
    rebuild, replay = min(rebuild_times), min(replay_times)
    del tape
    gc.collect()
    tracemalloc.start()
    tape = record(build)  # the graph build() made is gone by now: only the tape is kept
    gc.collect()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "workload": name,
        "nodes": nodes,
        "rebuild_ms": rebuild * 1e3,
        "replay_ms": replay * 1e3,
        "speedup": rebuild / replay,
        "target": TARGETS[name],
        "bit_for_bit": got == expected,
        "recording_in_steps": recording / rebuild,
        "bytes_per_node": size / nodes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    args = parser.parse_args()
    workloads = {
        "mlp, op by op": lambda: mlp(False),
        "mlp, fused": lambda: mlp(True),
        "gpt": gpt,
        "bptt rnn": bptt,
    }
    results = [measure(name, make, args.rounds) for name, make in workloads.items()]
    if args.json:
        print(json.dumps(results))
        return
    day = time.strftime("%Y-%m-%d")
    print(f"One run, {args.rounds} interleaved rounds, best of each ({day}).\n")
    print("| step (forward + backward) | nodes | rebuild | replay | speed-up | target | met? "
          "| bit for bit | recording | bytes/node |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        met = "yes" if r["speedup"] >= r["target"] else "no"
        print(
            f"| {r['workload']} | {r['nodes']:,} | {r['rebuild_ms']:.1f} ms | "
            f"{r['replay_ms']:.1f} ms | {r['speedup']:.2f}x | >= {r['target']:g}x | {met} | "
            f"{'yes' if r['bit_for_bit'] else 'NO'} | {r['recording_in_steps']:.0f} steps | "
            f"{r['bytes_per_node']:.0f} |"
        )
    if not all(r["bit_for_bit"] for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
