"""How fast the drawings and the explorer are: figures, not pass or fail.

    python benchmarks/viz.py [--rounds N]

- exporting the explorer page of a 1,000-Value MLP (with its update steps), and its size;
- the network view of MLP(2, [16, 16, 1]) (``explore(loss, model=model, lr=0.1)``), fused and
  op by op: export, size and load (targets: 3 s, 2.5 MB, 3 s);
- the bptt demo's page (``micrograd demo bptt --out``): an RNN of 8 units over 6 bits in the
  time-step view: export, size and load;
- in Chromium (when playwright and a chromium are installed): loading that page, and
  one recompute after a leaf changes (the median of 10, after a cold one): what
  dragging a slider feels like, against a 16 ms frame;
- what Jupyter shows for a big Value, the README's moons loss and a step of a big
  graph: text, quickly, since the graph is not walked past INLINE_MAX_NODES.

Each figure is the best of ``--rounds`` runs.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from micrograd.datasets import make_moons
from micrograd.engine import Value
from micrograd.losses import hinge, l2
from micrograd.nn import MLP
from micrograd.viz import explore, jupyter_bundle, step_bundle


def best_seconds(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def mlp() -> tuple[MLP, Value]:
    model = MLP(2, [16, 16, 1], fused=False)
    out = model([Value(0.5, label="x1"), Value(-0.3, label="x2")])
    return model, out[0] if isinstance(out, list) else out


def moons_loss() -> Value:
    X, labels = make_moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1])
    scores = [model(x) for x in X]
    return hinge(scores, [2 * t - 1 for t in labels]) + 1e-4 * l2(model.parameters())


def browser_figures(path: Path, rounds: int) -> tuple[float, float] | None:
    """(seconds to load the page, median milliseconds of a recompute), or None without a
    browser."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    loads, recomputes = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=flags)
        for _ in range(rounds):
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            page.evaluate("micrograd.steps()")  # the script has run
            loads.append(time.perf_counter() - start)
            page.evaluate("micrograd.goto(Math.floor(micrograd.steps() / 2))")
            times = page.evaluate(
                """() => Array.from({length: 11}, (_, i) => {
                    const t = performance.now();
                    micrograd.setLeaf('x1', 0.5 + i / 100);
                    return performance.now() - t;
                })"""
            )
            rest = sorted(times[1:])  # the first is a cold start
            recomputes.append(rest[len(rest) // 2])
            page.close()
        browser.close()
    return min(loads), min(recomputes)


def network_figures(rounds: int) -> None:
    """The network view of MLP(2, [16, 16, 1]) (fused, and op by op): export, size, load.
    Targets: export <= 3 s, load <= 3 s, <= 2.5 MB."""
    for fused in (True, False):
        model = MLP(2, [16, 16, 1], fused=fused)
        out = model([Value(0.5, label="x1"), Value(-0.3, label="x2")])
        loss = (out[0] if isinstance(out, list) else out) ** 2
        export = best_seconds(lambda: explore(loss, model=model, lr=0.1), rounds)  # noqa: B023
        page = explore(loss, model=model, lr=0.1)
        kind = "fused" if fused else "op by op"
        size = len(page.html.encode()) / 1e6
        print(f"network view of MLP(2, [16, 16, 1]), {kind}: export {export:.2f} s, {size:.2f} MB")
        with tempfile.TemporaryDirectory() as folder:
            browser = browser_figures(page.save(Path(folder) / "net.html"), rounds)
        if browser is not None:
            print(f"  in Chromium: load {browser[0]:.2f} s, recompute {browser[1]:.1f} ms")


def bptt_figures(rounds: int) -> None:
    """The bptt demo's explorer page: export, size, load."""
    from micrograd.demos import bptt  # a demo, not the library: imported where it is used

    export = best_seconds(lambda: bptt.explorer_page(1337), rounds)
    page = bptt.explorer_page(1337)
    size = len(page.html.encode()) / 1e6
    what = f"RNN, {bptt.HIDDEN} units, {bptt.PAGE_LENGTH} steps"
    print(f"bptt demo page ({what}): export {export:.2f} s, {size:.2f} MB")
    with tempfile.TemporaryDirectory() as folder:
        browser = browser_figures(page.save(Path(folder) / "bptt.html"), rounds)
    if browser is not None:
        print(f"  in Chromium: load {browser[0]:.2f} s, recompute {browser[1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (default 3)")
    rounds = parser.parse_args().rounds

    model, out = mlp()
    explore(Value(1.0).exp())  # warm: imports and the renderer's first start
    export = best_seconds(lambda: explore(out, params=model.parameters(), lr=0.1), rounds)
    page = explore(out, params=model.parameters(), lr=0.1)
    print(f"explorer export, 1,000-Value MLP: {export:.2f} s, {len(page.html) / 1e6:.2f} MB")
    with tempfile.TemporaryDirectory() as folder:
        browser = browser_figures(page.save(Path(folder) / "mlp.html"), rounds)
    if browser is None:
        print("explorer in Chromium: skipped (needs playwright and chromium)")
    else:
        print(f"explorer in Chromium: load {browser[0]:.2f} s, recompute {browser[1]:.1f} ms")

    network_figures(rounds)
    bptt_figures(rounds)
    loss, step = moons_loss(), next(out.backward_steps())
    for what, work in [
        ("a 1,000-Value MLP's output", lambda: jupyter_bundle(out)),
        ("the README's moons loss", lambda: jupyter_bundle(loss)),
        ("a step of the MLP", lambda: step_bundle(step)),
    ]:
        print(f"Jupyter shows {what} as text in {best_seconds(work, rounds) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
