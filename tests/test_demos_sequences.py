"""The sequence demos: names (rnn, lstm, gpt) and bptt, each ending with its final line."""

import re
import subprocess
import sys

import pytest

NAMES_FINAL = re.compile(r"^final: model=(rnn|lstm|gpt) steps=(\d+) loss=(\d+\.\d{4})$")
BPTT_FINAL = re.compile(
    r"^final: rnn_grad_h1=(\S+) lstm_grad_h1=(\S+) ratio=(\S+)"
    r"((?: (?:rnn|lstm)_acc_\d+=\d\.\d\d)+)$"
)


def demo(*args):
    return subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", *args], capture_output=True, text=True
    )


def names_run(*args):
    done = demo("names", *args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    match = NAMES_FINAL.match(lines[-1])
    assert match, lines[-1]
    samples = lines[-11:-1]
    assert all(re.fullmatch(r"[a-z]{1,15}", name) for name in samples), samples
    return match, done


@pytest.mark.parametrize("model", ["rnn", "lstm", "gpt"])
def test_names_prints_ten_names_then_the_final_line(model):
    match, done = names_run("--model", model, "--steps", "3")
    assert match[1] == model and match[2] == "3"
    assert 2.5 < float(match[3]) < 4.0  # near log(27) = 3.30 after 3 steps
    assert "step     3/3" in done.stderr


def test_names_same_seed_same_run_and_quiet_is_quiet():
    first = demo("names", "--model", "gpt", "--steps", "2", "--quiet")
    second = demo("names", "--model", "gpt", "--steps", "2", "--quiet")
    assert first.stdout == second.stdout and first.stderr == ""


def test_names_rejects_an_unknown_model():
    done = demo("names", "--model", "transformer")
    assert done.returncode == 2
    assert "--model" in done.stderr and "transformer" in done.stderr


def test_names_out_writes_a_loss_curve(tmp_path):
    pytest.importorskip("matplotlib")
    names_run("--model", "rnn", "--steps", "2", "--quiet", "--out", str(tmp_path))
    assert (tmp_path / "names-rnn-loss.png").read_bytes().startswith(b"\x89PNG")


def test_bptt_short_run_shows_the_lstm_keeps_far_more_gradient_and_draws(tmp_path):
    pytest.importorskip("matplotlib")
    done = demo("bptt", "--steps", "2", "--quiet", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    match = BPTT_FINAL.match(done.stdout.splitlines()[-1])
    assert match, done.stdout.splitlines()[-1]
    rnn, lstm, ratio = float(match[1]), float(match[2]), float(match[3])
    # Part 1 is measured at initialisation, so a short run already shows it.
    assert rnn > 0 and lstm >= 10 * rnn
    assert ratio == pytest.approx(lstm / rnn, rel=0.01)
    assert (tmp_path / "bptt-gradients.png").read_bytes().startswith(b"\x89PNG")
    svg = (tmp_path / "bptt-unrolled.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "weight_hh" in svg
    page = (tmp_path / "bptt-explorer.html").read_text()
    assert "<html" in page.lower() and '"recurrent":{"cell":"RNNCell"' in page
    assert f"wrote {tmp_path / 'bptt-explorer.html'}" in done.stdout


@pytest.mark.slow
def test_names_gpt_default_run_reaches_a_mean_loss_of_at_most_2_45():
    match, _ = names_run("--model", "gpt", "--quiet")
    assert float(match[3]) <= 2.45


@pytest.mark.slow
def test_bptt_default_run():
    done = demo("bptt", "--quiet")
    assert done.returncode == 0, done.stderr
    match = BPTT_FINAL.match(done.stdout.splitlines()[-1])
    assert match
    assert float(match[2]) >= 10 * float(match[1])
    accuracies = dict(pair.split("=") for pair in match[4].split())
    # Short sequences are learned by both.
    assert float(accuracies["rnn_acc_5"]) >= 0.95 and float(accuracies["lstm_acc_5"]) >= 0.95


def test_the_gpt_files_examples_run():
    import doctest

    from micrograd.demos import gpt

    result = doctest.testmod(gpt)
    assert result.attempted > 0 and result.failed == 0
