"""demos/tour.ipynb runs, cell by cell, in a fresh kernel on a machine with no system Graphviz,
and shows what a learner should see: graphs as SVG, steps as text and a highlighted graph,
the explorer, and a big loss as text instead of a picture."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("build")

ROOT = Path(__file__).resolve().parent.parent
TOUR = ROOT / "demos" / "tour.ipynb"
# Build inputs only: the copy must not carry virtualenvs, caches or earlier builds.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "__pycache__", "*.pyc", "*.egg-info", ".*_cache", ".hypothesis",
    "build", "dist", "demo-out", "api-docs",
)  # fmt: skip


def without_system_dot() -> dict[str, str]:
    """This environment with PATH stripped of any folder holding a `dot`, MICROGRAD_DOT unset."""
    env = {k: v for k, v in os.environ.items() if k != "MICROGRAD_DOT"}
    path = env.get("PATH", "").split(os.pathsep)
    env["PATH"] = os.pathsep.join(d for d in path if not shutil.which("dot", path=d))
    return env


def test_tour_is_committed_without_outputs():
    notebook = nbformat.read(TOUR, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source


ENVIRONMENT_CHECK = "import os, shutil; print(os.environ.get('MICROGRAD_DOT'), shutil.which('dot'))"


@pytest.fixture(scope="module")
def executed_tour(tmp_path_factory):
    """The tour, executed by nbclient in a new kernel of this Python (jupyter_client runs the
    python3 kernel with sys.executable), with no system `dot` and MICROGRAD_DOT unset:
    graphviz-pure, beside this Python, must do all the drawing."""
    folder = tmp_path_factory.mktemp("tour")
    notebook = nbformat.read(TOUR, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(ENVIRONMENT_CHECK))  # not saved
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute(env=without_system_dot())  # raises CellExecutionError if a cell fails
    return notebook


def outputs(notebook, marker):
    """The outputs of the one code cell whose source contains marker."""
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and marker in c.source]
    return cell.outputs


def shown(notebook, marker):
    (result,) = [o for o in outputs(notebook, marker) if o.output_type == "execute_result"]
    return result.data


def test_the_kernel_had_no_system_dot(executed_tour):
    (printed,) = outputs(executed_tour, ENVIRONMENT_CHECK)
    assert printed.text == "None None\n"


def test_every_cell_ran_without_error(executed_tour):
    code = [c for c in executed_tour.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_a_value_shows_as_its_graph(executed_tour):
    data = shown(executed_tour, "c  # a Value shows as its graph")
    assert data["image/svg+xml"].lstrip().startswith("<?xml")
    assert ">a</text>" in data["image/svg+xml"]


def test_a_step_shows_its_text_and_the_highlighted_graph(executed_tour):
    first = shown(executed_tour, "steps = o.backward_steps()")
    assert first["text/plain"] == (
        "o = tanh(n): upstream do/do = 1 -> do/dn: local do/dn = 1 - o² = 1 - 0.7071² = 0.5, "
        "upstream × local = 1 × 0.5 = 0.5, total 0 + 0.5 = 0.5"
    )
    assert "data:image/svg+xml;base64," in first["text/html"]


def test_a_digraph_from_draw_dot_displays(executed_tour):
    data = shown(executed_tour, "draw_dot(o")
    assert ">o</text>" in data["image/svg+xml"]


def test_the_explorer_shows_inline(executed_tour):
    assert "<iframe" in shown(executed_tour, "explore(loss")["text/html"]


def test_training_learns_and_the_big_loss_shows_as_text(executed_tour):
    printed = "".join(o.get("text", "") for o in outputs(executed_tour, "optimizer.step()"))
    accuracy = float(printed.rsplit("accuracy ", 1)[1])
    assert accuracy >= 0.9, printed
    (loss,) = [c for c in executed_tour.cells if c.cell_type == "code" and c.source == "loss"]
    (result,) = loss.outputs
    assert set(result.data) == {"text/plain"}
    assert "tree()" in result.data["text/plain"] and "explore(" in result.data["text/plain"]


WHERE_FROM = (
    "import micrograd, micrograd.viz; print(micrograd.__file__, micrograd.viz.find_renderer())"
)


def test_the_tour_draws_inline_from_the_built_wheel_in_a_fresh_virtualenv(tmp_path):
    # What a new user has: the wheel installed in a virtualenv that is not activated, with
    # graphviz-pure's program beside its python (where pip puts it) and no system Graphviz.
    shutil.copytree(ROOT, tmp_path / "source", ignore=NOT_SOURCE)
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"),
         str(tmp_path / "source")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    # The other dependencies (graphviz, ipykernel...) without a network: this virtualenv's
    # site-packages as a plain path line.  Such a line runs none of the .pth files there, so
    # the editable micrograd of this checkout stays out; the wheel's copy is found first.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    renderer = shutil.which("graphviz-pure", path=str(Path(sys.executable).parent))
    assert renderer is not None
    shutil.copy2(renderer, fresh / "bin" / "graphviz-pure")

    specs = tmp_path / "kernels"
    (specs / "fresh").mkdir(parents=True)
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "fresh", "language": "python"}  # fmt: skip
    (specs / "fresh" / "kernel.json").write_text(json.dumps(spec))
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    manager = KernelManager(
        kernel_name="fresh", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)])
    )
    notebook = nbformat.read(TOUR, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(WHERE_FROM))
    notebook.cells.append(nbformat.v4.new_code_cell(ENVIRONMENT_CHECK))
    work = tmp_path / "work"
    work.mkdir()
    client = nbclient.NotebookClient(
        notebook, km=manager, timeout=300, resources={"metadata": {"path": str(work)}}
    )
    client.execute(env=without_system_dot())  # raises CellExecutionError if a cell fails

    (where,) = outputs(notebook, WHERE_FROM)
    package, program = where.text.split()
    assert Path(package).is_relative_to(fresh) and Path(program) == fresh / "bin" / "graphviz-pure"
    (environment,) = outputs(notebook, ENVIRONMENT_CHECK)
    assert environment.text == "None None\n"
    assert ">a</text>" in shown(notebook, "c  # a Value shows as its graph")["image/svg+xml"]
    assert (
        "data:image/svg+xml;base64," in shown(notebook, "steps = o.backward_steps()")["text/html"]
    )
