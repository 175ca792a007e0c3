"""The demos on the tape: the same numbers as with --no-tape, to the bit, and one line that
says which it is; the demos that cannot replay a tape say why; the modes demo."""

import re
import subprocess
import sys

import pytest
from micrograd.demos import DEMOS


def demo(*args):
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", *args], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


# spirals' 300 points make 9 batches of 32 and one of 12: 12 steps use a second tape.
@pytest.mark.parametrize("name, steps", [("xor", 7), ("moons", 7), ("cnn", 7), ("spirals", 12)])
def test_a_demo_on_the_tape_prints_the_same_numbers_as_rebuilding(name, steps):
    on_tape = demo(name, "--steps", str(steps), "--quiet")
    rebuilt = demo(name, "--steps", str(steps), "--quiet", "--no-tape")
    assert on_tape[0].startswith("training on a tape")
    assert rebuilt[0].startswith("building the graph at every step")
    assert on_tape[1:] == rebuilt[1:]


@pytest.mark.slow
def test_cnn_across_an_epoch_replays_a_second_tape_for_the_last_smaller_batch():
    # 2000 images make 62 batches of 32 and one of 16: step 63 records a tape of its own.
    on_tape = demo("cnn", "--steps", "64", "--quiet")
    rebuilt = demo("cnn", "--steps", "64", "--quiet", "--no-tape")
    assert on_tape[0].startswith("training on a tape") and on_tape[1:] == rebuilt[1:]


@pytest.mark.slow
def test_bptt_on_the_tape_prints_the_same_numbers_as_rebuilding():
    on_tape = demo("bptt", "--steps", "3", "--quiet")
    rebuilt = demo("bptt", "--steps", "3", "--quiet", "--no-tape")
    assert on_tape[0].startswith("training on a tape") and on_tape[1:] == rebuilt[1:]


@pytest.mark.parametrize(
    "args, why",
    [
        (["names", "--model", "rnn"], "each name makes its own graph"),
    ],
)
def test_a_demo_that_rebuilds_says_why_and_takes_no_tape_all_the_same(args, why):
    first = demo(*args, "--steps", "1", "--quiet", "--no-tape")[0]
    assert first.startswith("building the graph at every step") and why in first


def test_every_training_demo_takes_no_tape():
    for name in DEMOS:
        if name in ("worked-example", "modes"):
            continue
        done = subprocess.run(
            [sys.executable, "-m", "micrograd", "demo", name, "--help"],
            capture_output=True,
            text=True,
        )
        assert "--no-tape" in done.stdout, name


def test_modes_gets_the_same_gradient_both_ways_and_times_them():
    lines = demo("modes")
    rows = [re.match(r"^ +(\d+) +[\d.]+ms +[\d.]+ms +\d+x$", line) for line in lines]
    counts = [int(m[1]) for m in rows if m]
    assert counts == sorted(counts) and len(counts) >= 3
    assert re.fullmatch(
        r"final: parameters=\d+ same_gradients=True largest_difference=\S+", lines[-1]
    )
