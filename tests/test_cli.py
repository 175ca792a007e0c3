import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd.cli import main


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "micrograd", *args], capture_output=True, text=True, cwd=cwd
    )


def test_graph_prints_gradients_and_writes_svg(tmp_path):
    out = tmp_path / "g.svg"
    done = run("graph", "tanh(x * w + b)", "--value", "x=0.5", "--value", "w=-2",
               "--value", "b=1", "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "out = 0"
    assert "dout/dx = -2" in lines and "dout/dw = 0.5" in lines and "dout/db = 1" in lines
    texts = ["".join(t.itertext()) for t in ET.parse(out).getroot().iter()]
    assert "x" in texts and "w" in texts and "tanh" in texts


def test_every_whitelisted_function_and_operator(capsys):
    expr = "tanh(x) + exp(x) - log(x) * relu(x) / sigmoid(x) ** sin(x) + cos(x) + abs(-x)"
    assert main(["graph", expr, "--value", "x=0.7"]) == 0
    assert "dout/dx" in capsys.readouterr().out


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "micrograd"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "graph" in done.stdout


def test_graph_help_documents_the_whitelist():
    done = run("graph", "--help")
    assert done.returncode == 0
    assert "exp, log, tanh, sigmoid, relu, abs, sin, cos" in " ".join(done.stdout.split())


@pytest.mark.parametrize(
    "expression, values",
    [
        ("__import__('os').system('touch MARKER')", []),
        ("x.__class__", ["x=1"]),
        ("open('MARKER', 'w')", []),
        ("'abc'", []),
        ("x[0]", ["x=1"]),
        ("(lambda: 1)()", []),
        ("y + 1", ["x=1"]),
        ("x + 1", ["x=abc"]),
        ("x + 1", ["x=nan"]),
        ("x + 1", ["1x=2"]),
        ("tanh(x, x)", ["x=1"]),
        ("tanh(x=1)", []),
        ("x if x else x", ["x=1"]),
        ("[x]", ["x=1"]),
        ("x +", ["x=1"]),
        ("log(x)", ["x=-1"]),
        ("x / 0", ["x=1"]),
        ("1j * x", ["x=1"]),
        ("True + x", ["x=1"]),
    ],
)
def test_anything_else_is_refused_with_one_line_and_exit_2(tmp_path, expression, values):
    args = ["graph", expression, *[a for v in values for a in ("--value", v)], "-o", "out.svg"]
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("micrograd: error: ")
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no marker, no output file


def test_unknown_command_and_bad_output_suffix_exit_2(tmp_path):
    assert run("frobnicate").returncode == 2
    done = run("graph", "x", "--value", "x=1", "-o", "g.txt", cwd=tmp_path)
    assert done.returncode == 2 and ".svg, .png or .dot" in done.stderr


def test_no_renderer_is_a_one_line_error_but_dot_output_works(tmp_path):
    env = {"PATH": "", "MICROGRAD_DOT": "no-such-renderer"}
    svg = subprocess.run(
        [sys.executable, "-m", "micrograd", "graph", "x*x", "--value", "x=2", "-o", "g.svg"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert svg.returncode == 2 and "no Graphviz renderer found" in svg.stderr
    dot = subprocess.run(
        [sys.executable, "-m", "micrograd", "graph", "x*x", "--value", "x=2", "-o", "g.dot"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert dot.returncode == 0 and (tmp_path / "g.dot").read_text().startswith("digraph")


def test_cli_steps_writes_one_valid_svg_per_step_and_the_final_graph(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "graph", "tanh(x*w + b)", "--value", "x=0.5",
         "--value", "w=-2", "--value", "b=1.5", "--steps", str(tmp_path / "steps")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "steps").iterdir())
    assert files == ["final.svg", "step-001.svg", "step-002.svg", "step-003.svg"]
    for name in files:
        ET.parse(tmp_path / "steps" / name)
    assert "out = tanh(add1): dout/dout = 1.0000" in done.stdout


def test_cli_explore_writes_a_page(tmp_path, capsys):
    path = tmp_path / "page.html"
    code = main(["explore", "tanh(x * w)", "--value", "x=2", "--value", "w=-3", "-o", str(path)])
    assert code == 0
    assert "tanh(x * w) · micrograd explorer" in path.read_text(encoding="utf-8")
    assert f"wrote {path} (4 steps)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["__import__('os')"], "calls are limited to"),
        (["x.real", "--value", "x=1"], "Attribute is not allowed"),
        (["y * 2"], "undefined name 'y'"),
        (["log(x)", "--value", "x=-1"], "log: needs a positive input"),
        (["x", "--value", "x=1", "-o", "{dir}/page.svg"], "should end in .html"),
    ],
)
def test_cli_explore_refusals_are_one_line_exit_2_and_no_file(tmp_path, capsys, argv, message):
    argv = [a.replace("{dir}", str(tmp_path)) for a in argv]
    if "-o" not in argv:
        argv += ["-o", str(tmp_path / "page.html")]
    assert main(["explore", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
