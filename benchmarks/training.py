"""How big and how fast the training explorer is: figures, not pass or fail.

    python benchmarks/training.py [--rounds N]

Issue 23's targets, on the moons recipe (100 points, ``MLP(2, [16, 16, 1])``, hinge loss
plus L2, SGD with a decaying rate, on a tape, 100 steps recorded):

- the page:           <= 3 MB;
- loading it:         <= 3 s in Chromium (to the page's script having run);
- a scrubber move:    the boundary redrawn on its 50x50 grid within one 60 fps frame
                      (16.7 ms): ``goto(k)``, which also redraws the network, the markers and
                      the flags, and ``boundary(50)`` alone (its 2,500 predictions as lists);
- recording:          <= 10% of a training step at ``every=1``.

Each timing is repeated; each process's first, cold measurement is discarded, and a ratio is
of two figures from the same run.  Also shown: the time ``save()`` takes (accuracy over the
data at every step, the explorer's pages) and opening a point in the page's explorer.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from micrograd.datasets import make_moons
from micrograd.losses import hinge, l2
from micrograd.nn import MLP
from micrograd.optim import SGD, LinearDecay
from micrograd.tape import record
from micrograd.viz import TrainingRecorder

STEPS = 100
FRAME_MS = 1000 / 60


def moons_run(recorded: bool) -> tuple[TrainingRecorder | None, list[float], list[float]]:
    """The moons recipe, as demos/moons.py trains it; each step's seconds, and the seconds
    of each record() call (empty without a recorder)."""
    X, labels = make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, steps=STEPS)
    recorder = TrainingRecorder(model, X, y, loss="hinge", title="moons") if recorded else None
    tape = record(lambda: hinge([model(x) for x in X], y) + 1e-4 * l2(model.parameters()))
    steps, records = [], []
    for _ in range(STEPS):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = tape.forward()
        tape.backward()
        if recorder is not None:
            begun = time.perf_counter()
            recorder.record(loss, optimizer)
            records.append(time.perf_counter() - begun)
        optimizer.step()
        schedule.step()
        steps.append(time.perf_counter() - start)
    return recorder, steps, records


def recording_figures(rounds: int) -> list[TrainingRecorder]:
    """Per step: the record() call against a whole step, and whole runs with and without a
    recorder, interleaved.  Returns each round's recorder."""
    moons_run(True)  # cold: imports, first allocations
    plain_steps, recorded_steps, calls = [], [], []
    recorders = []
    for _ in range(rounds):
        _, steps, _ = moons_run(False)
        plain_steps.extend(steps[1:])  # each run's first step is its coldest
        recorder, steps, records = moons_run(True)
        assert recorder is not None
        recorders.append(recorder)
        recorded_steps.extend(steps[1:])
        calls.extend(records[1:])
    step = statistics.median(plain_steps)
    call = statistics.median(calls)
    with_recorder = statistics.median(recorded_steps)
    print(f"a moons step (tape): median {step * 1e3:.2f} ms without a recorder, "
          f"{with_recorder * 1e3:.2f} ms with one")  # fmt: skip
    print(f"record(): median {call * 1e6:.1f} µs = {call / step:.2%} of a step "
          f"(target <= 10%); whole steps with / without: {with_recorder / step:.3f}x")  # fmt: skip
    return recorders


def browser_figures(path: Path, rounds: int) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("in Chromium: skipped (needs playwright)")
        return
    if chromium is None:
        print("in Chromium: skipped (needs chromium)")
        return
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    loads, gotos, grids, opens, follows = [], [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=flags)
        for attempt in range(rounds + 1):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load")
            page.evaluate("micrograd.training.steps()")  # the script has run
            load = time.perf_counter() - start
            times = page.evaluate(
                """() => { const t = micrograd.training, out = {goto: [], grid: []};
                for (let k = 0; k < t.steps(); k++) {
                    let s = performance.now(); t.goto(k); out.goto.push(performance.now() - s);
                    s = performance.now(); t.boundary(50); out.grid.push(performance.now() - s);
                }
                return out; }"""
            )
            opened = page.evaluate(
                """async () => { const t = micrograd.training; t.goto(50);
                let s = performance.now(); await t.openPoint(7);
                const first = performance.now() - s;
                s = performance.now(); t.goto(51); return [first, performance.now() - s]; }"""
            )
            page.close()
            if attempt == 0:
                continue  # the cold one
            loads.append(load)
            gotos.extend(times["goto"][1:])
            grids.extend(times["grid"][1:])
            opens.append(opened[0])
            follows.append(opened[1])
        browser.close()
    print(f"load in Chromium: median {statistics.median(loads):.2f} s, "
          f"worst {max(loads):.2f} s (target <= 3 s)")  # fmt: skip
    goto, grid = statistics.median(gotos), statistics.median(grids)
    print(f"a scrubber move, goto(k), boundary and all: median {goto:.1f} ms = "
          f"{goto / FRAME_MS:.2f} of a 60 fps frame; 95th percentile "
          f"{sorted(gotos)[int(0.95 * len(gotos))]:.1f} ms")  # fmt: skip
    print(f"boundary(50) alone, 2,500 predictions: median {grid:.1f} ms = "
          f"{grid / FRAME_MS:.2f} of a frame")  # fmt: skip
    print(f"opening a point in the explorer: median {statistics.median(opens):.0f} ms the first "
          f"time; moving on a step with it open: {statistics.median(follows):.0f} ms "
          "(each of the 337 parameters is one setLeaf, one full recompute)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (default 3)")
    rounds = parser.parse_args().rounds
    recorders = recording_figures(rounds)
    moons_run(True)[0].page()  # cold: the renderer's first start
    saves = []
    for recorder in recorders:  # each one's first page: its accuracies computed then
        start = time.perf_counter()
        page = recorder.page()
        saves.append(time.perf_counter() - start)
    size = len(page.encode()) / 1e6
    print(f"save(): median {statistics.median(saves):.2f} s; the page: {size:.2f} MB "
          "(target <= 3 MB)")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        browser_figures(recorder.save(Path(folder) / "moons-training.html"), rounds)


if __name__ == "__main__":
    main()
