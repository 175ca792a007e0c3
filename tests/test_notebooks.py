"""demos/tour.ipynb runs, cell by cell, in a fresh kernel on a machine with no system Graphviz,
and shows what a learner should see: graphs as SVG, steps as text and a highlighted graph,
the explorer, and a big loss as text instead of a picture."""

import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
TOUR = ROOT / "demos" / "tour.ipynb"


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
    python3 kernel with sys.executable), with PATH stripped of any system `dot` and
    MICROGRAD_DOT unset: graphviz-pure, beside this Python, must do all the drawing."""
    folder = tmp_path_factory.mktemp("tour")
    path = os.environ.get("PATH", "").split(os.pathsep)
    env = {k: v for k, v in os.environ.items() if k != "MICROGRAD_DOT"}
    env["PATH"] = os.pathsep.join(d for d in path if not shutil.which("dot", path=d))
    notebook = nbformat.read(TOUR, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(ENVIRONMENT_CHECK))  # not saved
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute(env=env)  # raises CellExecutionError naming the cell if any cell fails
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
    assert first["text/plain"] == "o = tanh(n): do/do = 1.0000 -> do/dn += 1.0000 * 0.5000 = 0.5000"
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
