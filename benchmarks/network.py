"""A training step with the network explorer in the checkout against one from before it.

    python benchmarks/network.py [--before REV ...] [--rounds N] [--steps N] [--json]

Issue 22 asks that the network view add no cost to training: it reads the graph after an
ordinary forward pass and records nothing while training, so an ordinary step (forward,
backward and an SGD update of MLP(2, [16, 16, 1]) on 100 moons points) must be no slower
than before it landed (within 2%).

Each side runs in a process of its own, importing micrograd from its own tree: this
checkout, and for each ``--before`` revision a git worktree made for the run (and removed
after it).  The processes are interleaved round by round, the order alternating, so that a
noisy machine slows all sides alike.  Each process times ``--steps`` training steps after a
first, cold one it discards, and reports its best and its median; a side's figure is the
best of its processes' bests (and the median of their medians).  The ratio to quote is
checkout / before.  Every side's losses must agree to the bit: the same numbers, or the
comparison would be of different work.

The default ``--before`` revisions: the commit before the network view landed
(``3e67d65^``), and the commit before issue 22's first change to training code, when
``Module.named_parameters()`` arrived (``511d053^``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = {
    "3e67d65^": "before the network view",
    "511d053^": "before issue 22's first change (named_parameters)",
}
TARGET = 1.02  # no slower, within 2%


def worker(root: str, steps: int) -> None:
    """One process's measurement, printed as JSON: micrograd imported from ``root``."""
    sys.path.insert(0, root)  # this tree's micrograd, not the checkout's
    import random

    import micrograd
    from micrograd.datasets import make_moons
    from micrograd.engine import Value
    from micrograd.losses import hinge, l2
    from micrograd.nn import MLP
    from micrograd.optim import SGD

    X, labels = make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    optimizer = SGD(model.parameters(), lr=0.05)

    def step() -> float:
        scores = [model([Value(a), Value(b)]) for a, b in X]
        loss = hinge(scores, y) + 1e-4 * l2(model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    times, losses = [], []
    for _ in range(steps + 1):
        start = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - start)
    warm = times[1:]  # the first step is cold: imports settle, caches fill
    print(
        json.dumps(
            {
                "micrograd": str(Path(micrograd.__file__).resolve().parent.parent),
                "best": min(warm),
                "median": statistics.median(warm),
                "losses": [repr(x) for x in losses],
            }
        )
    )


def measure(root: Path, steps: int) -> dict:
    here = str(Path(__file__).resolve())
    done = subprocess.run(
        [sys.executable, here, "--worker", str(root), "--steps", str(steps)],
        capture_output=True,
        text=True,
        cwd=root,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the step failed in {root}:\n{done.stderr}")
    figures = json.loads(done.stdout)
    if Path(figures["micrograd"]) != root.resolve():
        raise RuntimeError(f"{root}: micrograd came from {figures['micrograd']}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", action="append", help="a revision to compare (repeatable)")
    parser.add_argument("--rounds", type=int, default=7, help="processes per side (default 7)")
    parser.add_argument("--steps", type=int, default=10, help="warm steps per process (10)")
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.steps)
        return
    revisions = args.before or list(BEFORE)
    with tempfile.TemporaryDirectory() as folder:
        sides = {"checkout": ROOT}
        for rev in revisions:
            tree = Path(folder) / rev.replace("^", "-parent").replace("/", "-")
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), rev],
                check=True,
            )
            sides[rev] = tree
        try:
            runs: dict[str, list[dict]] = {name: [] for name in sides}
            order = list(sides)
            for r in range(args.rounds):  # interleaved, the order alternating
                for name in order if r % 2 == 0 else order[::-1]:
                    runs[name].append(measure(sides[name], args.steps))
        finally:
            for rev in revisions:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(sides[rev])],
                    check=False,
                )
    figures = {
        name: {
            "best_ms": min(run["best"] for run in results) * 1e3,
            "median_ms": statistics.median(run["median"] for run in results) * 1e3,
            "losses": results[0]["losses"],
        }
        for name, results in runs.items()
    }
    ours = figures["checkout"]
    rows = []
    for rev in revisions:
        theirs = figures[rev]
        rows.append(
            {
                "before": rev,
                "what": BEFORE.get(rev, rev),
                "checkout_ms": ours["best_ms"],
                "before_ms": theirs["best_ms"],
                "ratio": ours["best_ms"] / theirs["best_ms"],
                "median_ratio": ours["median_ms"] / theirs["median_ms"],
                "same_losses": ours["losses"] == theirs["losses"],
            }
        )
    if args.json:
        print(json.dumps(rows))
    else:
        day = time.strftime("%Y-%m-%d")
        print(
            f"A training step of MLP(2, [16, 16, 1]) on 100 moons points (forward, backward, "
            f"SGD): {args.rounds} processes per side, interleaved, {args.steps} warm steps "
            f"each ({day}).\n"
        )
        print(
            "| against | checkout | before | ratio (best) | ratio (median) | met? | same losses |"
        )
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            met = "yes" if row["ratio"] <= TARGET else "no"
            print(
                f"| {row['before']} ({row['what']}) | {row['checkout_ms']:.1f} ms | "
                f"{row['before_ms']:.1f} ms | {row['ratio']:.3f}x | {row['median_ratio']:.3f}x | "
                f"{met} (<= {TARGET}x) | {'yes' if row['same_losses'] else 'NO'} |"
            )
    if not all(row["same_losses"] for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
