"""micrograd demo cnn: a short run ends with the final line; the full run reaches 90% on
held-out digits; --out draws the filters, a confusion matrix and the loss curve."""

import re
import subprocess
import sys

import pytest

FINAL = re.compile(r"^final: loss=(\d+\.\d+) accuracy=(\d\.\d+) test_accuracy=(\d\.\d+)$")


def demo(*args):
    return subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", "cnn", *args], capture_output=True, text=True
    )


def final(done):
    assert done.returncode == 0, done.stderr
    match = FINAL.match(done.stdout.splitlines()[-1])
    assert match, done.stdout.splitlines()[-1]
    loss, accuracy, test_accuracy = map(float, match.groups())
    assert loss > 0 and 0.0 <= accuracy <= 1.0 and 0.0 <= test_accuracy <= 1.0
    return loss, accuracy, test_accuracy


def test_a_short_run_shows_progress_ends_with_the_final_line_and_repeats_for_a_seed():
    done = demo("--steps", "3", "--seed", "1")
    final(done)
    assert "step    3/3" in done.stderr
    quiet = demo("--steps", "3", "--seed", "1", "--quiet")
    assert quiet.stderr == "" and quiet.stdout == done.stdout


def test_it_is_listed_among_the_demos():
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "demo"], capture_output=True, text=True
    )
    assert re.search(r"^  cnn +CNN: a convolutional network", done.stdout, flags=re.M)


def test_out_draws_filters_a_confusion_matrix_and_the_loss(tmp_path):
    pytest.importorskip("matplotlib")
    done = demo("--steps", "2", "--quiet", "--out", str(tmp_path))
    final(done)
    for name in ("cnn-filters.png", "cnn-confusion.png", "cnn-loss.png"):
        assert f"wrote {tmp_path / name}" in done.stdout
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_the_full_run_reads_90_percent_of_unseen_digits():
    assert final(demo("--quiet"))[2] >= 0.90
