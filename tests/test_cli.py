import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd.cli import main


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
    head = "out = tanh(add1): upstream dout/dout = 1 -> dout/dadd1: local dout/dadd1 = 1 - out²"
    assert head in done.stdout


def test_cli_explore_reaches_the_update_phase_with_params_and_lr(tmp_path, capsys):
    path = tmp_path / "page.html"
    argv = ["explore", "tanh(x * w + b)", "--value", "x=0.5", "--value", "w=-1.5"]
    argv += ["--value", "b=0.3", "--param", "w", "--param", "b", "--lr", "0.1", "-o", str(path)]
    assert main(argv) == 0
    assert "(9 steps)" in capsys.readouterr().out  # 3 forward, 3 backward, 2 updates, new loss
    assert main([*argv[:-4], "-o", str(path)]) == 2  # --param without --lr
    assert "give --param and --lr together" in capsys.readouterr().err


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


# --- Hostile inputs (issue 15's probe) ----------------------------------------


@pytest.mark.parametrize(
    "expression, names_the_op",
    [
        ("(-8)**(1/3)", "**: a negative base needs a whole exponent"),
        ("0/0", "/: division by zero"),
        ("x + 0/0", "/: division by zero"),
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


# --- Reliability (issue 25): Ctrl-C, big graphs, bad renderers, messages ------------------


def interrupting_renderer(tmp_path, on_call):
    """A renderer that works like the real one, except that its ``on_call``-th run presses
    Ctrl-C: it sends SIGINT to micrograd, which is waiting for it."""
    from micrograd.viz import find_renderer

    script = tmp_path / "renderer"
    script.write_text(
        "#!/bin/sh\n"
        f'count=$(($(cat "{tmp_path}/calls" 2>/dev/null || echo 0) + 1))\n'
        f'echo $count > "{tmp_path}/calls"\n'
        f"if [ $count -ge {on_call} ]; then kill -INT $PPID; sleep 10; fi\n"
        f'exec "{find_renderer()}" "$@"\n'
    )
    script.chmod(0o755)
    return {"MICROGRAD_DOT": str(script)}


def assert_interrupted(done):
    assert done.returncode == 130, done.stderr
    assert done.stderr == "micrograd: interrupted\n"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT from a shell script")
def test_ctrl_c_during_steps_is_one_line_exit_130_and_leaves_no_folder(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = interrupting_renderer(tmp_path, on_call=3)
    done = run("graph", "tanh(x * w + b)", "--value", "x=0.5", "--value", "w=-2",
               "--value", "b=1", "--steps", "steps", cwd=work, env=env)  # fmt: skip
    assert_interrupted(done)
    assert os.listdir(work) == []  # no steps/, no temporary folder


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT from a shell script")
def test_ctrl_c_during_graph_and_explore_keeps_the_old_files_whole(tmp_path):
    env = interrupting_renderer(tmp_path, on_call=1)
    (tmp_path / "g.svg").write_text("old picture")
    done = run("graph", "x * 2", "--value", "x=3", "-o", "g.svg", cwd=tmp_path, env=env)
    assert_interrupted(done)
    done = run("explore", "x * 2", "--value", "x=3", "-o", "page.html", cwd=tmp_path, env=env)
    assert_interrupted(done)
    assert sorted(os.listdir(tmp_path)) == ["calls", "g.svg", "renderer"]
    assert (tmp_path / "g.svg").read_text() == "old picture"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT from a shell script")
def test_ctrl_c_during_a_demo_is_one_line_and_exit_130(tmp_path):
    env = interrupting_renderer(tmp_path, on_call=1)  # the worked example draws its graph
    done = run("demo", "worked-example", "--out", str(tmp_path / "out"), env=env)
    assert_interrupted(done)
    assert done.stdout.startswith("weights:")  # it was running
    assert not (tmp_path / "out" / "worked-example.svg").exists()


def test_steps_into_an_existing_folder_replace_an_earlier_run_and_keep_other_files(tmp_path):
    steps = tmp_path / "steps"
    steps.mkdir()
    for name in ("step-001.svg", "step-007.svg", "notes.txt"):
        (steps / name).write_text("earlier")
    assert main(["graph", "x * 2", "--value", "x=3", "--steps", str(steps)]) == 0
    assert sorted(os.listdir(steps)) == ["final.svg", "notes.txt", "step-001.svg"]
    ET.parse(steps / "step-001.svg")
    assert os.listdir(tmp_path) == ["steps"]  # no temporary folder left


def test_a_graph_too_big_to_draw_is_one_line_and_writes_nothing(tmp_path):
    expression = " + ".join(["x"] * 5001)
    for where in (["-o", "g.svg"], ["--steps", "steps"]):
        done = run("graph", expression, "--value", "x=1", *where, cwd=tmp_path)
        assert_one_line_error(done, "the graph has 5001 values, more than the 5000")
    assert os.listdir(tmp_path) == []
    assert main(["graph", expression, "--value", "x=1"]) == 0  # no drawing: the gradients


def test_a_renderer_that_exits_0_without_a_picture_is_one_line_and_no_file(tmp_path):
    renderer = tmp_path / "renderer"
    renderer.write_text("#!/bin/sh\nexit 0\n")
    renderer.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {"MICROGRAD_DOT": str(renderer)}
    for where in (["-o", "g.svg"], ["--steps", "steps"]):
        done = run("graph", "x * 2", "--value", "x=3", *where, cwd=work, env=env)
        assert_one_line_error(done, "exited 0 but gave no output")
    done = run("explore", "x * 2", "--value", "x=3", "-o", "page.html", cwd=work, env=env)
    assert_one_line_error(done, "exited 0 but gave no output")
    assert os.listdir(work) == []


def test_an_expression_starting_with_two_dashes_is_the_expression(capsys):
    assert main(["graph", "--x", "--value", "x=2"]) == 0  # -(-x)
    assert capsys.readouterr().out == "out = 2\ndout/dx = 1\n"
    assert main(["graph", "x", "--valeu", "x=2"]) == 2  # a misspelled option stays one
    assert "unrecognized arguments: --valeu" in capsys.readouterr().err


def test_a_byte_that_is_not_utf8_is_named_as_such():
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "graph", b"x\xff", "--value", "x=1"],
        capture_output=True,
        text=True,
    )
    assert_one_line_error(done, "the expression is not UTF-8 text: it holds the byte 0xff")


def test_a_long_flat_sum_is_added_left_to_right_and_deep_nesting_is_named(capsys):
    assert main(["graph", " + ".join(["x"] * 3000), "--value", "x=1"]) == 0
    assert capsys.readouterr().out == "out = 3000\ndout/dx = 3000\n"
    terms = " - ".join(["x * 2 * x / 4"] * 1500)
    assert main(["graph", terms, "--value", "x=2"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"out = {2.0 - 2.0 * 1499:.6g}"
    assert main(["graph", "-" * 3000 + "x", "--value", "x=1"]) == 2
    assert capsys.readouterr().err == "micrograd: error: the expression is too deeply nested\n"


def test_an_overflow_in_the_expression_is_inf_as_in_python_values(capsys):
    assert main(["graph", "x * 9**9**9", "--value", "x=1"]) == 0
    assert capsys.readouterr().out == "out = inf\ndout/dx = inf\n"
