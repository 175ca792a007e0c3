"""Benchmarks: this project against micrograd 0.1.0 and a minimal tape, in one run.

    python benchmarks/run.py [--rounds N] [--quick]
    python benchmarks/run.py --check-losses [--same-as PYTHON]   # only the numbers check

micrograd 0.1.0 has the same import name as this project, so it is installed
into its own virtualenv (benchmarks/.venv-micrograd-0.1.0, made on first use
with pip).  Each workload runs in a fresh process per implementation, the
implementations interleaved round by round so that a noisy machine slows them
all alike; each figure is the best of its rounds.  Ratios are what to quote.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import subprocess
import sys
import time
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MICROGRAD_VENV = HERE / ".venv-micrograd-0.1.0"


def micrograd_python() -> str:
    python = MICROGRAD_VENV / "bin" / "python"
    if not python.exists():
        print("installing micrograd 0.1.0 into", MICROGRAD_VENV, file=sys.stderr)
        venv.create(MICROGRAD_VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "micrograd==0.1.0"], check=True)
    return str(python)


def run(python: str, implementation: str, workload: str, *extra: str) -> dict:
    done = subprocess.run(
        [python, str(HERE / "workloads.py"), implementation, workload, *extra],
        capture_output=True,
        text=True,
        cwd=HERE,  # so that `import micrograd` finds the one installed for `python`
    )
    if done.returncode != 0:
        raise RuntimeError(f"{implementation} {workload} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def best(rounds: int, jobs: dict[str, tuple], workload: str) -> dict[str, dict]:
    """Run each job ``rounds`` times, interleaved; keep each key's smallest value."""
    results: dict[str, dict] = {}
    for _ in range(rounds):
        for name, (python, implementation) in jobs.items():
            figures = run(python, implementation, workload)
            kept = results.setdefault(name, figures)
            for key, value in figures.items():
                kept[key] = min(kept[key], value)
    return results


def reference_losses(old: str) -> list[float]:
    """micrograd 0.1.0's losses on its moons recipe, computed once and kept beside its
    virtualenv (they take minutes).  They cannot depend on the Python version: 0.1.0 adds
    Values one at a time, never a list of floats.  A new workloads.py computes them anew."""
    key = hashlib.sha256((HERE / "workloads.py").read_bytes()).hexdigest()[:16]
    kept = MICROGRAD_VENV / f"losses-{key}.json"
    if kept.exists():
        return json.loads(kept.read_text())
    losses = run(old, "micrograd", "losses")["losses"]
    kept.write_text(json.dumps(losses))  # repr round-trips every float exactly
    return losses


def check_losses(ours: str, old: str) -> bool:
    """Print and return whether micrograd's moons recipe gives the same loss at each of its
    100 steps here as in micrograd 0.1.0 (Python 3.12 changed how builtin sum adds floats)."""
    ours_losses = run(ours, "micrograd", "losses")["losses"]
    old_losses = reference_losses(old)
    worst = max(abs(a - b) / abs(b) for a, b in zip(ours_losses, old_losses))
    same = len(ours_losses) == len(old_losses) == 100 and worst <= 1e-12
    verdict = "equal within 1e-12" if same else "DIFFERENT"
    print(
        f"moons recipe losses at each of 100 steps, ours vs micrograd 0.1.0 (Python "
        f"{sys.version_info[0]}.{sys.version_info[1]}): largest relative difference "
        f"{worst:.1e} ({verdict})"
    )
    return same


def check_same_losses(ours: str, other: str) -> bool:
    """Print and return whether our moons losses here equal, bit for bit, ours under the
    ``other`` Python.  Sharper than the check against 0.1.0, whose tolerance (1e-12) is far
    wider than what builtin sum's change in 3.12 does to these losses (about 1e-15)."""
    here = run(ours, "micrograd", "losses")["losses"]
    there = run(other, "micrograd", "losses")["losses"]
    version = "import sys; print('%d.%d' % sys.version_info[:2])"
    other_version = subprocess.run([other, "-c", version], capture_output=True, text=True)
    same = here == there
    print(
        f"moons recipe losses, ours on Python {sys.version_info[0]}.{sys.version_info[1]} vs "
        f"ours on Python {other_version.stdout.strip()}: "
        + ("the same, bit for bit" if same else "DIFFERENT")
    )
    return same


def gpt_figures(rounds: int, steps: int = 12) -> tuple[float, float]:
    """The microgpt-shaped GPT on both Values, interleaved: (speed-up of ours, the
    largest relative difference between their losses).  Each step's time is the
    best over rounds, the first (cold) step dropped; steps see different names,
    so step i is compared with step i."""
    best_times: dict[str, list[float]] = {}
    losses: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name in ("ours", "microgpt"):
            done = subprocess.run(
                [sys.executable, str(HERE / "gpt.py"), name, str(steps)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(done.stdout)
            times = figures["seconds"][1:]
            kept = best_times.setdefault(name, times)
            best_times[name] = [min(a, b) for a, b in zip(kept, times)]
            losses[name] = figures["losses"]
    worst = max(abs(a - b) / abs(b) for a, b in zip(losses["ours"], losses["microgpt"]))
    return sum(best_times["microgpt"]) / sum(best_times["ours"]), worst


def met(ratio: float, target: str) -> str:
    """Whether an unrounded ratio meets a target such as ">= 60x" or "<= 1.2x"."""
    if not target:
        return ""
    written = re.fullmatch(r"(>=|<=) ?([0-9.]+)x", target)
    if written is None:
        raise ValueError(f"a target is '>= Nx' or '<= Nx', got {target!r}")
    sign, limit = written[1], float(written[2])
    return "yes" if (ratio >= limit if sign == ">=" else ratio <= limit) else "no"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--quick", action="store_true", help="skip micrograd 0.1.0's slow full-recipe check"
    )
    modes.add_argument(
        "--check-losses",
        action="store_true",
        help="only the full-recipe check: no timings (CI runs this on each Python)",
    )
    parser.add_argument(
        "--same-as",
        metavar="PYTHON",
        help="with --check-losses: also require our losses to be bit for bit those under PYTHON",
    )
    args = parser.parse_args()
    ours = sys.executable
    old = micrograd_python()
    if args.check_losses:
        checks = [check_losses(ours, old)]
        if args.same_as:
            # absolute, but not resolved: a virtualenv's python is a symlink to its base
            checks.append(check_same_losses(ours, str(Path.cwd() / args.same_as)))
        raise SystemExit(0 if all(checks) else 1)
    both = {
        "micrograd 0.1.0": (old, "micrograd"),
        "ours": (ours, "micrograd"),
        "tape": (ours, "tape"),
    }

    started = time.perf_counter()
    mlp = best(args.rounds, {**both, "ours, unfused": (ours, "ours-unfused")}, "mlp")
    chain = best(args.rounds, both, "chain")
    memory = best(1, both, "memory")
    depth = best(1, {k: v for k, v in both.items() if k != "tape"}, "depth")
    no_grad = best(args.rounds, {"ours": (ours, "micrograd")}, "no_grad")["ours"]
    gpt_speedup, gpt_difference = gpt_figures(args.rounds)
    demo = best(min(args.rounds, 3), {"ours": (ours, "micrograd")}, "moons_demo")["ours"]
    startup = subprocess.run(  # benchmarks/startup.py: import micrograd vs a bare start
        [ours, str(HERE / "startup.py"), "--json"], capture_output=True, text=True, check=True
    )
    import_ratio = json.loads(startup.stdout)["ratio"]
    replay = subprocess.run(  # benchmarks/replay.py: the tape against rebuilding, bit for bit
        [ours, str(HERE / "replay.py"), "--json", "--rounds", str(args.rounds)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    tape_rows = [
        (
            f"{r['workload']} step: rebuilt / replayed on a tape",
            r["speedup"],
            f">= {r['target']:g}x",
        )
        for r in json.loads(replay.stdout)
    ]

    step = {name: r["mlp_step_ms"] for name, r in mlp.items()}
    fwd = {name: r["forward_ns_per_node"] for name, r in chain.items()}
    bwd = {name: r["backward_ns_per_node"] for name, r in chain.items()}
    old_name = "micrograd 0.1.0"
    rows = [
        ("MLP training step: micrograd 0.1.0 / ours", step[old_name] / step["ours"], ">= 60x"),
        ("MLP training step: ours / tape", step["ours"] / step["tape"], "<= 0.40x"),
        ("MLP training step: ours unfused / tape", step["ours, unfused"] / step["tape"], "<= 1.6x"),
        (
            "MLP training step: micrograd 0.1.0 / ours unfused",
            step[old_name] / step["ours, unfused"],
            "",
        ),
        ("chain forward: ours / tape", fwd["ours"] / fwd["tape"], "<= 1.25x"),
        ("chain backward: ours / tape", bwd["ours"] / bwd["tape"], "<= 1.25x"),
        ("chain forward: micrograd 0.1.0 / ours", fwd[old_name] / fwd["ours"], ""),
        ("chain backward: micrograd 0.1.0 / ours", bwd[old_name] / bwd["ours"], ""),
        ("microgpt-shaped GPT step: microgpt-style Value / ours", gpt_speedup, ">= 1.1x"),
        (
            "MLP forward: graph-building / no_grad",
            no_grad["graph_forward_ms"] / no_grad["no_grad_forward_ms"],
            ">= 3x",
        ),
        ("start-up: python -c 'import micrograd' / python -c pass", import_ratio, "<= 2.0x"),
        *tape_rows,
    ]
    day = time.strftime("%Y-%m-%d")
    print(f"\nOne run, {args.rounds} interleaved rounds, best of each ({day}).\n")
    print("| ratio | measured | target | met? |\n|---|---|---|---|")
    for name, ratio, target in rows:
        print(f"| {name} | {ratio:.2f}x | {target} | {met(ratio, target)} |")
    print("\n| figure | micrograd 0.1.0 | ours | tape |\n|---|---|---|---|")
    per_node = [f"{memory[k]['bytes_per_node']:.0f}" for k in (old_name, "ours", "tape")]
    print(f"| bytes per graph node (1e5-node chain) | {' | '.join(per_node)} |")
    deepest = [f"{depth[k]['deepest_chain']:,}" for k in (old_name, "ours")]
    print(f"| deepest chain backward handles (up to 1e6) | {' | '.join(deepest)} | n/a |")
    print(
        "microgpt-shaped GPT, ours vs the microgpt-style Value: largest relative loss "
        f"difference over its steps {gpt_difference:.1e} (target <= 1e-9)"
    )
    print(f"\nmoons demo, micrograd's recipe for 100 steps, ours: {demo['seconds']:.1f} s")

    if not args.quick and not check_losses(ours, old):
        raise SystemExit(1)
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if not all(math.isfinite(ratio) for _, ratio, _ in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
