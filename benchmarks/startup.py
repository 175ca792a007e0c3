"""How long ``import micrograd`` takes, against a bare interpreter's start.

    python benchmarks/startup.py [--runs N] [--json]

Runs ``python -c pass`` and ``python -c "import micrograd"`` N times each,
interleaved so that a noisy machine slows both alike; the first (cold) run of
each is dropped and each figure is the best of the rest.  The ratio is what to
quote: the target is <= 2.0x (the figure includes the interpreter's own start,
so 1.0x would mean an import that costs nothing).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def start_seconds(python: str, code: str) -> float:
    """Seconds from starting ``python -c code`` to its exit."""
    start = time.perf_counter()
    subprocess.run([python, "-c", code], check=True, cwd=HERE)
    return time.perf_counter() - start


def import_figures(python: str = sys.executable, runs: int = 20) -> dict[str, float]:
    """Best-of-``runs`` seconds for a bare start and for ``import micrograd``, and their ratio.

    Interleaved, each round running both once, so a burst of load hits both; one cold
    round first, not counted.
    """
    bare, imported = [], []
    for _ in range(runs + 1):
        bare.append(start_seconds(python, "pass"))
        imported.append(start_seconds(python, "import micrograd"))
    bare_s, import_s = min(bare[1:]), min(imported[1:])
    return {"bare_s": bare_s, "import_s": import_s, "ratio": import_s / bare_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each (default 20)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = import_figures(runs=args.runs)
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"python -c pass: {figures['bare_s'] * 1e3:.1f} ms; "
        f'python -c "import micrograd": {figures["import_s"] * 1e3:.1f} ms; '
        f"ratio {figures['ratio']:.2f}x (target <= 2.0x; best of {args.runs} each)"
    )


if __name__ == "__main__":
    main()
