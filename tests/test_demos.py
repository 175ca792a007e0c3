import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from micrograd.demos import worked_example

ROOT = Path(__file__).resolve().parent.parent


def _has_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


# The demos' pictures need matplotlib (the `demos` extra); `dev` alone has none.
needs_matplotlib = pytest.mark.skipif(
    not _has_matplotlib(), reason="needs matplotlib: pip install 'micrograd-stepwise[demos]'"
)
FINAL = re.compile(r"^final: loss=(\d+\.\d+) accuracy=(\d\.\d+)$")
TRAINING = ["xor", "moons", "spirals"]


def demo(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", *args], capture_output=True, text=True, cwd=cwd
    )


def final(done):
    assert done.returncode == 0, done.stderr
    match = FINAL.match(done.stdout.splitlines()[-1])
    assert match, done.stdout.splitlines()[-1]
    loss, accuracy = float(match[1]), float(match[2])
    assert 0.0 <= accuracy <= 1.0
    return loss, accuracy


def test_demo_with_no_name_lists_the_demos():
    done = demo()
    assert done.returncode == 0
    for name in ["worked-example", *TRAINING]:
        assert re.search(rf"^  {name} +\S", done.stdout, flags=re.M)


@pytest.mark.parametrize("name", TRAINING)
def test_each_training_demo_runs_a_few_steps_and_ends_with_the_final_line(name):
    done = demo(name, "--steps", "3", "--seed", "1")
    final(done)
    assert "step    3/3" in done.stderr  # the progress bar


def test_quiet_means_no_progress_bar():
    done = demo("xor", "--steps", "3", "--quiet")
    final(done)
    assert done.stderr == ""


def test_same_seed_same_run():
    assert (
        demo("moons", "--steps", "3", "--quiet").stdout
        == demo("moons", "--steps", "3", "--quiet").stdout
    )


@needs_matplotlib
def test_out_writes_a_decision_boundary_and_a_loss_curve(tmp_path):
    done = demo("moons", "--steps", "2", "--quiet", "--out", str(tmp_path))
    final(done)
    for name in ("moons-boundary.png", "moons-loss.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_worked_example_checks_every_number_and_draws_the_graph(tmp_path):
    done = demo("worked-example", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for heading in ["forward", "loss", "deltas", "gradients", "updated weights"]:
        assert re.search(rf"^{heading}", done.stdout, flags=re.M)
    assert done.stdout.count("  ok") == 6 + 1 + 3 + 9 + 9
    assert "every number agrees with the delta rule" in done.stdout
    labels = {"".join(t.itertext()) for t in ET.parse(tmp_path / "worked-example.svg").iter()}
    assert {"w1", "h1", "o", "L"} <= labels


def test_demo_scripts_run_directly():
    done = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "xor.py"), "--steps", "2", "--quiet"],
        capture_output=True,
        text=True,
    )
    final(done)


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope"], "unknown demo 'nope'; the demos are: worked-example, xor, moons, spirals"),
        (["moons", "--steps", "-3"], "--steps must be at least 1"),
        (["moons", "--steps", "abc"], "--steps wants a whole number"),
        (["moons", "--steps", "0"], "--steps must be at least 1"),
        pytest.param(
            ["xor", "--out", "/proc/not-here"],
            "--out /proc/not-here: cannot write there",
            marks=needs_matplotlib,
        ),
        (["moons", "--frobnicate"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(args, message):
    done = demo(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr and "Traceback" not in done.stderr


@needs_matplotlib
def test_out_that_is_a_file_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = demo("moons", "--out", str(blocker / "pictures"))
    assert done.returncode == 2 and "cannot write there" in done.stderr


@pytest.mark.slow
def test_full_xor_learns_to_100_percent():
    assert final(demo("xor", "--quiet"))[1] == 1.0


@pytest.mark.slow
def test_full_moons_reaches_97_percent():
    assert final(demo("moons", "--quiet"))[1] >= 0.97


@pytest.mark.slow
def test_full_spirals_reaches_90_percent():
    assert final(demo("spirals", "--quiet"))[1] >= 0.90


def test_out_without_matplotlib_fails_before_training(tmp_path):
    # A stand-in `matplotlib` that cannot be imported, first on the path.
    (tmp_path / "matplotlib").mkdir()
    (tmp_path / "matplotlib" / "__init__.py").write_text("raise ImportError('not here')\n")
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", "moons", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "micrograd demo: error: --out needs matplotlib: pip install 'micrograd-stepwise[demos]'\n"
    )
    assert not (tmp_path / "out").exists()  # the check comes before the folder is made


def test_listing_into_a_closed_pipe_is_quiet():
    done = subprocess.run(
        f"'{sys.executable}' -m micrograd demo | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert done.stdout.startswith("demos") and "Traceback" not in done.stderr


# --- Help, the progress line, the pictures' colours --------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_demo_help_describes_the_command_and_lists_the_demos(flag):
    done = demo(flag)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: micrograd demo")
    for name in ["worked-example", *TRAINING]:
        assert re.search(rf"^  {name} +\S", done.stdout, flags=re.M)


@pytest.mark.parametrize("args", [["moons", "--help"], ["--help", "moons"], ["moons", "-h"]])
def test_help_with_a_name_shows_that_demos_options(args):
    done = demo(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: micrograd demo moons")
    assert "--steps" in done.stdout and "--seed" in done.stdout


PROGRESS = re.compile(
    r"step +(\d+)/(\d+)  loss \d+\.\d+  accuracy (\d\.\d{3})  elapsed \d+:\d\d  ETA \d+:\d\d$"
)


@pytest.mark.parametrize("name", TRAINING)
def test_progress_shows_whole_set_accuracy_elapsed_time_and_eta(name):
    # Spirals trains on batches of 32 points: a batch's accuracy would not match the final
    # line, which is measured on all 300.
    done = demo(name, "--steps", "12", "--seed", "3")
    _, accuracy = final(done)
    lines = [PROGRESS.search(line) for line in done.stderr.splitlines()]
    assert lines and all(lines), done.stderr
    assert [int(m[1]) for m in lines][-1] == 12
    assert float(lines[-1][3]) == pytest.approx(accuracy, abs=5e-4)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_progress_on_a_terminal_redraws_one_line_and_ends_it():
    import pty

    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "micrograd", "demo", "xor", "--steps", "5"],
            stdout=subprocess.PIPE, stderr=follower, text=True,
        )  # fmt: skip
        os.close(follower)
        shown = os.read(leader, 65536).decode()
    finally:
        os.close(leader)
    _, accuracy = final(done)
    assert shown.startswith("\r[") and shown.endswith("\n")
    last = PROGRESS.search(shown.rstrip().rsplit("\r", 1)[-1])
    assert last and last[1] == "5" and float(last[3]) == pytest.approx(accuracy, abs=5e-4)


@needs_matplotlib
def test_spirals_picture_draws_each_class_in_its_own_strong_colour(tmp_path):
    import matplotlib
    import matplotlib.image

    final(demo("spirals", "--steps", "2", "--quiet", "--out", str(tmp_path)))
    pixels = matplotlib.image.imread(tmp_path / "spirals-boundary.png")[:, :, :3]
    palette = matplotlib.colormaps["tab10"].colors[:3]
    assert len(set(palette)) == 3
    for color in palette:
        assert min(color) < 0.5  # a strong colour, not a pale middle like coolwarm's
        # the data points are drawn in the class colour itself, unblended
        near = (abs(pixels - color) < 0.02).all(axis=2)
        assert near.sum() > 20, color


def test_demo_help_names_every_demo():
    from micrograd.demos import DEMOS

    done = demo("--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert all(name in text for name in DEMOS)


def test_the_tests_that_need_matplotlib_skip_without_it(tmp_path):
    # A stand-in `matplotlib` that cannot be imported, first on the path: as on an install
    # with only the `dev` extra.
    (tmp_path / "matplotlib").mkdir()
    (tmp_path / "matplotlib" / "__init__.py").write_text("raise ImportError('not here')\n")
    tests = [
        "test_out_writes_a_decision_boundary_and_a_loss_curve",
        "test_bad_arguments_get_one_line_and_exit_2",
        "test_out_that_is_a_file_is_refused",
        "test_spirals_picture_draws_each_class_in_its_own_strong_colour",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider",
         "-k", " or ".join(tests)],
        capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert re.search(r"\b4 skipped\b", done.stdout), done.stdout


# --- --explore: the training explorer page beside the pictures ----------------------------


def training_page_data(path: Path) -> dict:
    found = re.search(
        r'<script type="application/json" id="micrograd-training">(.*?)</script>',
        path.read_text(encoding="utf-8"),
    )
    assert found
    return json.loads(found.group(1))


@needs_matplotlib
@pytest.mark.parametrize("name", TRAINING)
def test_explore_writes_the_training_page_and_changes_no_number(tmp_path, name):
    plain = demo(name, "--steps", "3", "--quiet")
    done = demo(name, "--steps", "3", "--quiet", "--out", str(tmp_path), "--explore")
    assert final(done) == final(plain)  # recording every step changes nothing
    assert done.stdout.splitlines()[-1] == plain.stdout.splitlines()[-1]
    page = tmp_path / f"{name}-training.html"
    assert f"wrote {page}" in done.stdout
    for picture in (f"{name}-boundary.png", f"{name}-loss.png"):
        assert (tmp_path / picture).exists()  # beside its pictures
    data = training_page_data(page)
    assert data["steps"]["iteration"] == [0, 1, 2] and data["calls"] == 3
    assert data["explorer"]["templates"] and data["explorer"]["unavailable"] is None


def test_worked_example_explore_writes_its_training_page(tmp_path):
    done = demo("worked-example", "--out", str(tmp_path), "--explore")
    assert done.returncode == 0, done.stderr
    page = tmp_path / "worked-example-training.html"
    assert f"wrote {page}: 30 steps of gradient descent" in done.stdout
    data = training_page_data(page)
    assert len(data["steps"]["iteration"]) == 30 and data["inputs"] == [[0.5, 0.1]]
    assert data["steps"]["lr"] == [0.5] * 30
    losses = data["steps"]["loss"]
    assert losses == sorted(losses, reverse=True)  # it learns: the loss falls at every step
    half, _, _ = worked_example.network()  # the tables' L = (o - y)^2 / 2, at step 0
    assert math.isclose(losses[0], 2 * half.data, rel_tol=1e-12)


@pytest.mark.parametrize("name", ["moons", "worked-example"])
def test_explore_without_out_says_to_give_it(name):
    done = demo(name, "--explore")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (
        f"micrograd demo: error: --explore writes DIR/{name}-training.html: give --out DIR too"
    )
