"""The hostile-input suite: what a hostile-user probe found outside the engine, kept as tests.

Each test pins one defect from issue 15 that used to give a traceback, a bare math error, a
silently wrong answer or a damaged file. The engine's own cases are in test_hostile_engine.py.
"""

import io
import math
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import micrograd.nn.mlp as mlp_module
from micrograd.cli import main
from micrograd.engine import Value, custom_op
from micrograd.nn import MLP
from micrograd.nn.mlp import MAX_FILE_BYTES
from micrograd.optim import SGD, Adam, LinearDecay, RMSprop, StepDecay
from micrograd.testing import GradcheckError, gradcheck, gradgradcheck
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


# --- gradcheck ---------------------------------------------------------------------------

NAN = float("nan")


@pytest.mark.parametrize(
    "fn, inputs, shown",
    [
        (custom_op("nan_rule", lambda x: 2 * x, lambda x, out: (NAN,)), [1.0], "analytic nan"),
        (lambda x: x * NAN, [1.0], "input 0 at 1.0: analytic nan, numeric nan"),
        (lambda x: x.tanh(), [NAN], "input 0 at nan"),
        (lambda x, y: x * y + NAN, [1.0, 2.0], "input 1 at 2.0: analytic 1.0, numeric nan"),
    ],
)
def test_gradcheck_fails_on_nan_and_names_the_input(fn, inputs, shown):
    with pytest.raises(GradcheckError, match="not finite") as caught:
        gradcheck(fn, inputs)
    assert shown in str(caught.value)


def test_gradgradcheck_fails_on_nan_too():
    with pytest.raises(GradcheckError, match="not finite"):
        gradgradcheck(lambda x: x * x * NAN, [1.0])


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
@pytest.mark.parametrize(
    "settings, named",
    [
        ({"eps": NAN}, "eps"),
        ({"eps": 0.0}, "eps"),
        ({"eps": -1e-6}, "eps"),
        ({"eps": float("inf")}, "eps"),
        ({"atol": NAN}, "atol"),
        ({"rtol": -1.0}, "rtol"),
    ],
)
def test_gradcheck_settings_are_checked(check, settings, named):
    with pytest.raises(ValueError, match=f"{check.__name__}: {named} must be"):
        check(lambda x: x.tanh(), [0.3], **settings)


# --- Optimizers and schedules --------------------------------------------------------------


def one_parameter():
    return [Value(1.0)]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Adam(one_parameter(), betas=(1.0, 0.999)), "Adam: betas[0] must be"),
        (lambda: Adam(one_parameter(), betas=(0.9, 1.0)), "Adam: betas[1] must be"),
        (lambda: Adam(one_parameter(), betas=(-0.1, 0.999)), "Adam: betas[0] must be"),
        (lambda: Adam(one_parameter(), betas=(0.9,)), "Adam: betas must be a pair"),
        (lambda: Adam(one_parameter(), eps=0.0), "Adam: eps must be a finite number > 0"),
        (lambda: Adam(one_parameter(), lr=NAN), "Adam: lr must be"),
        (lambda: RMSprop(one_parameter(), lr=0.1, alpha=2), "RMSprop: alpha must be"),
        (lambda: RMSprop(one_parameter(), lr=0.1, alpha=NAN), "RMSprop: alpha must be"),
        (lambda: RMSprop(one_parameter(), lr=0.1, eps=-1e-8), "RMSprop: eps must be"),
        (lambda: SGD(one_parameter(), lr=-0.1), "SGD: lr must be a finite number >= 0"),
        (lambda: SGD(one_parameter(), lr=float("inf")), "SGD: lr must be"),
        (lambda: SGD(one_parameter(), lr=10**400), "SGD: lr must be"),
        (
            lambda: SGD(one_parameter(), lr=0.1, momentum=1.0),
            "SGD: momentum must be a finite number in [0, 1)",
        ),
        (lambda: SGD(one_parameter(), lr=0.1, weight_decay=-1), "SGD: weight_decay must be"),
        (lambda: SGD(one_parameter(), lr=0.1, weight_decay=NAN), "SGD: weight_decay must be"),
        (lambda: StepDecay(SGD(one_parameter(), lr=1.0), 10, gamma=10), "StepDecay: gamma must"),
        (lambda: StepDecay(SGD(one_parameter(), lr=1.0), 10, gamma=0.0), "StepDecay: gamma must"),
        (lambda: StepDecay(SGD(one_parameter(), lr=1.0), 0.5), "StepDecay: step_size must"),
        (lambda: LinearDecay(SGD(one_parameter(), lr=1.0), 1.0, -0.1, 10), "LinearDecay: end"),
        (lambda: LinearDecay(SGD(one_parameter(), lr=1.0), NAN, 0.1, 10), "LinearDecay: start"),
        (lambda: LinearDecay(SGD(one_parameter(), lr=1.0), 1.0, 0.1, 0), "LinearDecay: steps"),
    ],
)
def test_hyperparameters_are_checked_when_made(make, message):
    with pytest.raises(ValueError) as caught:
        make()
    assert str(caught.value).startswith(message)


def test_a_hyperparameter_that_is_not_a_number_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"SGD: lr must be a number, got '0\.1'"):
        SGD(one_parameter(), lr="0.1")


def test_setting_a_bad_lr_later_is_refused_too():
    optimizer = SGD(one_parameter(), lr=0.1)
    with pytest.raises(ValueError, match="SGD: lr must be"):
        optimizer.lr = NAN
    assert optimizer.lr == 0.1


def test_step_decay_never_overflows():
    optimizer = SGD(one_parameter(), lr=1.0)
    schedule = StepDecay(optimizer, step_size=1, gamma=0.5)
    for _ in range(2000):
        schedule.step()
    assert optimizer.lr == 0.0


@pytest.mark.parametrize("alpha, betas", [(0.0, (0.0, 0.0)), (0.999999, (0.999999, 0.999999))])
def test_the_edges_of_the_ranges_still_train(alpha, betas):
    for optimizer_type, options in ((RMSprop, {"alpha": alpha}), (Adam, {"betas": betas})):
        w = Value(2.0)
        optimizer = optimizer_type([w], lr=0.01, **options)
        for _ in range(3):
            optimizer.zero_grad()
            (w * w).backward()
            optimizer.step()
        assert math.isfinite(w.data) and w.data < 2.0


# --- Model files ------------------------------------------------------------------------------


def model_document(weight):
    return (
        '{"format": "micrograd.MLP", "version": 1, "nin": 1, "nouts": [1], '
        '"activation": "relu", "output_activation": "linear", '
        f'"layers": [[{{"w": [{weight}], "b": 0.0}}]]}}'
    )


@pytest.mark.parametrize(
    "text, why",
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (model_document("1" + "0" * 400), "is too large for a float"),
        (model_document("1e400"), "the number 1e400 is too large for a float"),
        (model_document("-1e400"), "too large for a float"),
        (model_document("7" * 5000), "(5000 digits) is too large for a float"),
        (model_document("NaN"), "numeric weights"),
        (model_document("Infinity"), "numeric weights"),
    ],
)
def test_hostile_model_files_are_value_errors_saying_what_is_wrong(tmp_path, text, why):
    path = tmp_path / "model.json"
    path.write_text(text)
    with pytest.raises(ValueError) as caught:
        MLP.load(path)
    assert type(caught.value) is ValueError
    message = str(caught.value)
    assert message.startswith(f"MLP.load: {path}") and why in message, message


def test_a_large_but_finite_whole_number_weight_loads(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(model_document("1" + "0" * 300))
    assert MLP.load(path).parameters()[0].data == 1e300


def test_an_endless_file_is_read_only_up_to_the_limit(tmp_path):
    link = tmp_path / "model.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(ValueError, match=r"is larger than 64 MiB"):
        MLP.load(link)
    assert MAX_FILE_BYTES == 64 * 2**20


def test_a_file_just_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(mlp_module, "MAX_FILE_BYTES", 100)
    path = tmp_path / "model.json"
    MLP(1, [1], rng=random.Random(0)).save(path)
    assert len(path.read_bytes()) > 100
    with pytest.raises(ValueError, match="is larger than"):
        MLP.load(path)


class FullDisk:
    """A file object whose write stores half the text, then fails as a full disk does."""

    def __init__(self, file):
        self.file = file

    def write(self, text):
        self.file.write(text[: len(text) // 2])
        self.file.flush()
        raise OSError(28, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.file.__exit__(*exc)


def test_save_is_atomic_when_the_disk_fills(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    old = MLP(2, [3, 1], rng=random.Random(1))
    old.save(path)
    before = path.read_bytes()
    new = MLP(2, [3, 1], rng=random.Random(2))
    real_fdopen, real_open = os.fdopen, open
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    monkeypatch.setattr("builtins.open", lambda *a, **k: FullDisk(real_open(*a, **k)))
    monkeypatch.setattr(io, "open", lambda *a, **k: FullDisk(real_open(*a, **k)))
    with pytest.raises(OSError, match="No space left"):
        new.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old model, whole
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left
    assert [p.data for p in MLP.load(path).parameters()] == [p.data for p in old.parameters()]


def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    path.chmod(0o640)
    MLP(1, [1], rng=random.Random(0)).save(path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert MLP.load(path).summary() == "MLP(1 -> 1 linear), 2 parameters"


@pytest.mark.parametrize("widths", [[True], [2, True], [False]])
def test_bools_are_not_layer_widths(widths):
    with pytest.raises(ValueError, match=r"nout must be a positive int, got (True|False)"):
        MLP(2, widths)


def test_a_bool_is_not_an_input_count():
    with pytest.raises(ValueError, match="nin must be a positive int, got True"):
        MLP(True, [2])
