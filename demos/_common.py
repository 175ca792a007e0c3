"""What every training demo shares: its options, a progress bar, and pictures."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from micrograd import no_grad


class DemoError(Exception):
    """A bad argument: one line on stderr, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        raise DemoError(message)


def _steps(text: str) -> int:
    try:
        steps = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--steps wants a whole number, got {text!r}") from None
    if steps < 1:
        raise argparse.ArgumentTypeError(f"--steps must be at least 1, got {steps}")
    return steps


def parser(name: str, description: str, steps: int | None = None) -> argparse.ArgumentParser:
    """The demo's options: --out DIR always; --steps, --seed and --quiet for training demos."""
    p = _Parser(prog=f"micrograd demo {name}", description=description)
    p.add_argument("--out", type=Path, metavar="DIR", help="write pictures into DIR")
    if steps is not None:
        p.add_argument("--steps", type=_steps, default=steps, help=f"training steps ({steps})")
        p.add_argument("--seed", type=int, default=1337, help="random seed (1337)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def parse(p: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse the options, and check now, not after training, that --out will work."""
    args = p.parse_args(argv)
    if args.out is not None:
        check_writable(args.out)
        if hasattr(args, "steps"):  # a training demo: its pictures need matplotlib
            _pyplot()
    return args


def check_writable(directory: Path) -> None:
    """Fail now, not after training, if pictures can't be written there."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".micrograd-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise DemoError(f"--out {directory}: cannot write there ({error.strerror})") from None


def run(main, argv: list[str] | None) -> int:
    """Run a demo's main, turning a DemoError into one line on stderr and exit code 2."""
    try:
        return main(argv)
    except DemoError as error:
        print(f"micrograd demo: error: {error}", file=sys.stderr)
        return 2


class Progress:
    """A one-line progress bar on stderr: step, loss and accuracy."""

    def __init__(self, steps: int, quiet: bool) -> None:
        self.steps, self.quiet = steps, quiet
        self.live = sys.stderr.isatty()
        self.every = max(1, steps // 10)

    def update(self, step: int, loss: float, accuracy: float) -> None:
        if self.quiet:
            return
        done = step + 1
        width = 24
        filled = round(width * done / self.steps)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] step {done:>4}/{self.steps}"
            f"  loss {loss:.4f}  accuracy {accuracy:.3f}"
        )
        if self.live:
            end = "\n" if done == self.steps else ""
            print(f"\r{line}", end=end, file=sys.stderr, flush=True)
        elif done % self.every == 0 or done == self.steps:
            print(line, file=sys.stderr, flush=True)


def final_line(loss: float, accuracy: float) -> None:
    """The last line every training demo prints."""
    print(f"final: loss={loss:.6f} accuracy={accuracy:.4f}")


# --- Pictures -----------------------------------------------------------------------


def _pyplot():
    try:
        os.environ.setdefault("MPLBACKEND", "Agg")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DemoError("--out needs matplotlib: pip install 'micrograd[demos]'") from None
    return plt


def pictures(out: Path, name: str, model, X, y, losses, predict) -> list[Path]:
    """Write NAME-boundary.png (the classes the model predicts over the plane, and
    the data) and NAME-loss.png (the loss at each step) into ``out``."""
    plt = _pyplot()
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.25 * max(max(xs) - min(xs), max(ys) - min(ys))
    lo_x, hi_x, lo_y, hi_y = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    n = 80
    grid_x = [lo_x + (hi_x - lo_x) * i / (n - 1) for i in range(n)]
    grid_y = [lo_y + (hi_y - lo_y) * j / (n - 1) for j in range(n)]
    with no_grad():
        classes = [[predict(model, [gx, gy]) for gx in grid_x] for gy in grid_y]
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.contourf(grid_x, grid_y, classes, alpha=0.35, cmap="coolwarm")
    axes.scatter(xs, ys, c=y, s=18, cmap="coolwarm", edgecolors="black", linewidths=0.4)
    axes.set_title(f"{name}: decision boundary")
    boundary = out / f"{name}-boundary.png"
    figure.savefig(boundary, dpi=100, bbox_inches="tight")
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(5, 3))
    axes.plot(range(1, len(losses) + 1), losses)
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    axes.set_title(f"{name}: training loss")
    curve = out / f"{name}-loss.png"
    figure.savefig(curve, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return [boundary, curve]
