"""The hostile-input suite: what a hostile-user probe found outside the engine, kept as tests.

Each test pins one defect from issue 15 that used to give a traceback, a bare math error, a
silently wrong answer or a damaged file.  Here: the command line and labels in drawings.
The engine's own cases are in test_engine.py and test_floats.py; those of gradcheck, the
optimizers and model files in test_testing.py, test_optim.py, test_nn_files.py and
test_nn_mlp.py.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from micrograd.cli import main
from micrograd.engine import Value
from micrograd.viz import RendererNotFound, draw_dot, escape_label, render, to_svg


def run(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "micrograd", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
    )


def assert_one_line_error(done, *fragments):
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("micrograd: error: ")
    for fragment in fragments:
        assert fragment in done.stderr


# --- The command line ------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, names_the_op",
    [
        ("(-8)**(1/3)", "**: a negative base needs a whole exponent"),
        ("9**9**9", "**: overflow"),
        ("0/0", "/: division by zero"),
        ("x + 0/0", "/: division by zero"),
        ("x * 10**400", "**: overflow"),
        ("log(-1)", "log:"),
    ],
)
def test_numbers_alone_go_through_the_checked_ops(capsys, expression, names_the_op):
    assert main(["graph", expression, "--value", "x=1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("micrograd: error: ")
    assert len(captured.err.strip().splitlines()) == 1
    assert names_the_op in captured.err


def test_a_negative_base_is_one_line_and_exit_2_from_the_shell(tmp_path):
    assert_one_line_error(run("graph", "(-8)**(1/3)", "-o", "g.svg", cwd=tmp_path), "**:")
    assert list(tmp_path.iterdir()) == []


def test_folded_numbers_still_compute(capsys):
    assert main(["graph", "x * (2**3 - 1/4)", "--value", "x=2"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == ["out = 15.5", "dout/dx = 7.75"]


@pytest.mark.parametrize("expression", ["-x", "-x * 2", "-tanh(x)", "-(x)"])
def test_an_expression_may_start_with_minus(capsys, expression):
    assert main(["graph", expression, "--value", "x=3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("out = -")


def test_an_expression_starting_with_minus_works_from_the_shell_in_any_position():
    done = run("graph", "--value", "x=3", "-x")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["out = -3", "dout/dx = -1"]


def test_a_leading_or_trailing_space_is_not_an_indent(capsys):
    assert main(["graph", "  x * 2 ", "--value", "x=3"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "out = 6"


@pytest.mark.parametrize("number", ["1e999", "-1e999", "9" * 400])
def test_non_finite_numbers_are_refused_in_the_expression_as_in_values(capsys, number):
    assert main(["graph", f"x + {number}", "--value", "x=1"]) == 2
    err = capsys.readouterr().err
    assert "is not a finite number" in err and len(err.strip().splitlines()) == 1
    assert main(["graph", "x", "--value", f"x={number.lstrip('-')}"]) == 2
    assert "is not a finite number" in capsys.readouterr().err


def test_a_repeated_value_is_refused(capsys):
    assert main(["graph", "x", "--value", "x=1", "--value", "x=2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--value x is given twice" in captured.err


def test_an_input_named_out_does_not_make_dout_dout(capsys):
    assert main(["graph", "out * 2", "--value", "out=3", "--value", "out2=1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["out3 = 6", "dout3/dout = 2", "dout3/dout2 = 0"]


def test_a_failing_renderer_is_one_line_and_exit_2(tmp_path):
    done = run("graph", "x*2", "--value", "x=3", "-o", "g.svg", cwd=tmp_path,
               env={"MICROGRAD_DOT": "/bin/false"})  # fmt: skip
    assert_one_line_error(done, "/bin/false failed (exit 1)")
    done = run("graph", "x*2", "--value", "x=3", "--steps", "steps", cwd=tmp_path,
               env={"MICROGRAD_DOT": "/bin/false"})  # fmt: skip
    assert_one_line_error(done, "--steps steps:", "failed (exit 1)")


def test_a_missing_renderer_named_by_the_variable_says_so(tmp_path):
    done = run("graph", "x*2", "--value", "x=3", "-o", "g.svg", cwd=tmp_path,
               env={"MICROGRAD_DOT": "/no/such/renderer"})  # fmt: skip
    assert_one_line_error(done, "MICROGRAD_DOT='/no/such/renderer' names a program that does not")
    assert list(tmp_path.iterdir()) == []


def test_steps_are_all_written_when_the_reader_stops_early(tmp_path):
    # `| head -1`: the reader closes the pipe after one line.
    values = ["--value", "x=0.5", "--value", "w=-2", "--value", "b=1"]
    command = [sys.executable, "-m", "micrograd", "graph", "tanh(x * w + b) * x + exp(w)"]
    command += [*values, "--steps", "steps"]
    producer = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    )
    producer.stdout.readline()
    producer.stdout.close()
    assert producer.wait(timeout=120) in (0, 1)
    assert "Traceback" not in producer.stderr.read().decode()
    written = sorted(p.name for p in (tmp_path / "steps").iterdir())
    assert written[-1] == "step-006.svg" and "final.svg" in written and len(written) == 7
    for name in written:
        ET.parse(tmp_path / "steps" / name)  # whole, well-formed files


# --- Labels and the SVG ------------------------------------------------------------------

HOSTILE_LABELS = [
    "nul\x00here",
    "\ufffe\uffff",
    "lone \ud800 surrogate",
    "\udfff",
    "bell\x07 escape\x1b[31m",
    '<script>alert("x")</script>',
    "]]> & &amp; {a|b} \\",
    "emoji \U0001f600 and \u202e right-to-left",
    "line\nbreak\ttab\rreturn",
]


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_hostile_labels_give_well_formed_svg(label):
    x = Value(1.5, label=label)
    y = (x * 2).tanh()
    y.label = label
    y.backward()
    svg = to_svg(y)
    root = ET.fromstring(svg.encode())
    texts = "".join(root.itertext())
    assert "data 1.5000" in texts


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_escaped_labels_hold_only_characters_xml_allows(label):
    escaped = escape_label(label)
    escaped.encode("utf-8")  # no lone surrogate left
    ET.fromstring(f"<t>{escaped.replace('&', '&amp;').replace('<', '&lt;')}</t>".encode())


def test_the_dot_file_of_a_hostile_label_can_be_written_and_read_back(tmp_path):
    path = render(Value(1.0, label="a\x00b\ud800") * 3, tmp_path / "g.dot")
    assert "a\ufffdb\ufffd" in path.read_text(encoding="utf-8")
    assert "a\ufffdb\ufffd" in draw_dot(Value(1.0, label="a\x00b\ud800")).source


def test_renderer_not_found_names_the_variable(monkeypatch):
    monkeypatch.setenv("MICROGRAD_DOT", "no-such-renderer-anywhere")
    with pytest.raises(RendererNotFound, match="MICROGRAD_DOT='no-such-renderer-anywhere'"):
        to_svg(Value(1.0))
