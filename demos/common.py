"""What every training demo shares: its options, a progress bar, and pictures."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from micrograd import no_grad
from micrograd.viz import RendererNotFound, TrainingRecorder


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


def parser(
    name: str, description: str, steps: int | None = None, explore: bool = False
) -> argparse.ArgumentParser:
    """The demo's options: --out DIR always; --steps, --seed, --quiet, --no-tape and
    --explore for training demos (a demo that cannot replay a tape says why, and accepts it
    all the same); --explore for others that ask for it."""
    p = _Parser(prog=f"micrograd demo {name}", description=description)
    p.add_argument("--out", type=Path, metavar="DIR", help="write pictures into DIR")
    if steps is not None or explore:
        p.add_argument(
            "--explore",
            action="store_true",
            help=f"also write DIR/{name}-training.html: the training explorer, every step "
            "of the run to scrub through, any point's backprop (needs --out DIR)",
        )
    if steps is not None:
        p.add_argument("--steps", type=_steps, default=steps, help=f"training steps ({steps})")
        p.add_argument("--seed", type=int, default=1337, help="random seed (1337)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument(
            "--no-tape",
            dest="tape",
            action="store_false",
            help="build the graph again at every step instead of replaying a recorded tape",
        )
    return p


def parse(p: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse the options, and check now, not after training, that --out will work."""
    args = p.parse_args(argv)
    if getattr(args, "explore", False) and args.out is None:
        name = p.prog.rsplit(" ", 1)[-1]
        raise DemoError(f"--explore writes DIR/{name}-training.html: give --out DIR too")
    if args.out is not None:
        # matplotlib first: a failed check must not leave an empty --out folder behind.
        if hasattr(args, "steps"):  # a training demo: its pictures need matplotlib
            pyplot()
        check_writable(args.out)
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
    """A one-line progress bar on stderr: step, loss, accuracy, elapsed time and an ETA.

    On a terminal the line is redrawn in place a few times a second; otherwise (a
    pipe, a log file) a line is printed every tenth of the run.
    """

    REDRAW_SECONDS = 0.2

    def __init__(self, steps: int, quiet: bool) -> None:
        self.steps, self.quiet = steps, quiet
        self.live = sys.stderr.isatty()
        self.every = max(1, steps // 10)
        self.started = time.perf_counter()
        self.drawn = float("-inf")

    def update(self, step: int, loss: float, accuracy: Callable[[], float]) -> None:
        """Report ``step`` (counted from 0) and its ``loss``.

        ``accuracy()`` gives the accuracy on the whole training set.  It is a function
        because it costs a forward pass over every point, so it runs only when a line
        is actually drawn.
        """
        if self.quiet:
            return
        done = step + 1
        now = time.perf_counter()
        last = done == self.steps
        if self.live:
            if not last and now - self.drawn < self.REDRAW_SECONDS:
                return
        elif not last and done % self.every != 0:
            return
        self.drawn = now
        elapsed = now - self.started
        eta = elapsed / done * (self.steps - done)
        width = 24
        filled = round(width * done / self.steps)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] step {done:>4}/{self.steps}"
            f"  loss {loss:.4f}  accuracy {accuracy():.3f}"
            f"  elapsed {minutes(elapsed)}  ETA {minutes(eta)}"
        )
        if self.live:
            print(f"\r{line}", end="\n" if last else "", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)


def minutes(seconds: float) -> str:
    """A duration as minutes:seconds, e.g. 75.2 -> '1:15'."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def say_how(on_tape: bool, why_not: str = "") -> None:
    """The one line that says whether the steps replay a tape or build the graph again."""
    if on_tape:
        print(
            "training on a tape: the graph is recorded once, then replayed at every step "
            "(--no-tape builds it each step: the same numbers, to the bit, and slower)"
        )
    else:
        print(f"building the graph at every step{why_not}")


def final_line(loss: float, accuracy: float) -> None:
    """The last line every training demo prints."""
    print(f"final: loss={loss:.6f} accuracy={accuracy:.4f}")


# --- The training explorer ------------------------------------------------------------


def recorder(args: argparse.Namespace, model, X, y, loss: str, title: str):
    """A TrainingRecorder of the run when --explore asks for its page, else None.

    Call ``recorder.record(loss, optimizer)`` once a step, after backward() and before
    the update: it copies the numbers, and changes none of them."""
    if not args.explore:
        return None
    return TrainingRecorder(model, X, y, loss=loss, title=title)


def save_training_page(recorder, out: Path, name: str) -> Path:
    """Write NAME-training.html into ``out``: the training explorer of the recorded run."""
    try:
        return recorder.save(out / f"{name}-training.html")
    except RendererNotFound as error:  # its explorer pages are laid out by Graphviz
        raise DemoError(str(error)) from None


# --- Pictures -----------------------------------------------------------------------


def pyplot():
    """matplotlib.pyplot drawing to files (Agg), or a DemoError saying how to get it."""
    try:
        os.environ.setdefault("MPLBACKEND", "Agg")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise DemoError("--out needs matplotlib: pip install 'micrograd-stepwise[demos]'") from None
    return plt


def class_colors(count: int) -> list[tuple[float, float, float]]:
    """One colour per class, from matplotlib's qualitative "tab10" palette.

    Classes have no order, so a diverging colormap (which has a pale middle) would
    draw the middle class as near-white dots on a near-white region.
    """
    pyplot()  # the clear error if matplotlib is missing
    import matplotlib

    return list(matplotlib.colormaps["tab10"].colors[:count])


def pictures(out: Path, name: str, model, X, y, losses, predict) -> list[Path]:
    """Write NAME-boundary.png (the classes the model predicts over the plane, and
    the data) and NAME-loss.png (the loss at each step) into ``out``."""
    plt = pyplot()
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.25 * max(max(xs) - min(xs), max(ys) - min(ys))
    lo_x, hi_x, lo_y, hi_y = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    n = 80
    grid_x = [lo_x + (hi_x - lo_x) * i / (n - 1) for i in range(n)]
    grid_y = [lo_y + (hi_y - lo_y) * j / (n - 1) for j in range(n)]
    with no_grad():
        classes = [[predict(model, [gx, gy]) for gx in grid_x] for gy in grid_y]
    count = 1 + max(max(y), max(max(row) for row in classes))
    colors = class_colors(count)
    figure, axes = plt.subplots(figsize=(5, 5))
    # Level k - 1/2 .. k + 1/2 is class k, so each class gets exactly its own colour.
    levels = [k - 0.5 for k in range(count + 1)]
    axes.contourf(grid_x, grid_y, classes, levels=levels, colors=colors, alpha=0.35)
    axes.scatter(xs, ys, c=[colors[t] for t in y], s=18, edgecolors="black", linewidths=0.4)
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
