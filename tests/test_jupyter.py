"""micrograd in Jupyter: Digraphs that draw with no system Graphviz, and what a
notebook shows for a Value, a Step and a Digraph (text, not a picture, for big graphs).

A real kernel checks that plain ``import micrograd`` is enough for a Value to show as
its graph, without importing micrograd.viz or graphviz until then.  The rest drives
IPython's own display formatter in-process, which is what a kernel calls for each
cell's result.  How fast big graphs show is a figure in benchmarks/viz.py.
"""

import base64
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from micrograd.datasets import make_moons
from micrograd.engine import Value
from micrograd.losses import hinge, l2
from micrograd.nn import MLP
from micrograd.viz import RendererNotFound, draw_dot, draw_step, find_renderer
from micrograd.viz import graph as viz

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: str | bytes) -> list[str]:
    root = ET.fromstring(svg)  # raises if the SVG is not well-formed XML
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.5, label="b")
    out = (x * w + b).tanh()
    out.label = "out"
    out.backward()
    return out


def mlp_output():
    model = MLP(2, [16, 16, 1])
    return model([0.5, -0.3])


def moons_loss():
    # The README's moons recipe, one forward pass: 100 points through MLP(2, [16, 16, 1]).
    X, labels = make_moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1])
    scores = [model(x) for x in X]
    return hinge(scores, [2 * t - 1 for t in labels]) + 1e-4 * l2(model.parameters())


def chain_reusing_input(layers):
    # Every layer reads x again: few values, but a layout that gets slow fast.
    x = Value(0.5, label="x")
    y = x
    for _ in range(layers):
        y = (y * 0.9 + x).tanh()
    return y


@pytest.fixture
def fresh_machine(monkeypatch):
    """No system Graphviz: PATH without any `dot`, MICROGRAD_DOT unset.  graphviz-pure
    stays reachable beside this Python, as after `pip install` on a fresh machine."""
    monkeypatch.delenv("MICROGRAD_DOT", raising=False)
    path = os.environ.get("PATH", "").split(os.pathsep)
    monkeypatch.setenv("PATH", os.pathsep.join(d for d in path if not shutil.which("dot", path=d)))
    assert shutil.which("dot") is None
    found = find_renderer()
    assert found is not None and Path(found).name == "graphviz-pure"


@pytest.fixture
def no_renderer(monkeypatch):
    monkeypatch.delenv("MICROGRAD_DOT", raising=False)
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(viz, "_scripts_dirs", lambda: [])
    assert find_renderer() is None


@pytest.fixture
def show():
    """IPython's display formatter with micrograd's formatters registered, as in a kernel."""
    shell = InteractiveShell.instance()
    viz.show_in_ipython(shell)
    yield lambda obj: shell.display_formatter.format(obj)[0]
    InteractiveShell.clear_instance()


KERNEL_CELLS = [
    "import sys\nimport micrograd\n"
    "print(sorted(m for m in ('micrograd.viz', 'graphviz') if m in sys.modules))",
    "x = micrograd.Value(2.0, label='x')\ny = (x * 3).tanh()\ny.label = 'y'\ny",
    "step = next(y.backward_steps())\nstep",
    "print(str(step))",
]


def test_in_a_kernel_plain_import_micrograd_shows_a_value_as_its_graph(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in KERNEL_CELLS])
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError if a cell fails
    imported, value, step, printed = (cell.outputs for cell in notebook.cells)
    assert imported[0].text == "[]\n"  # import micrograd loaded neither
    (shown,) = [o for o in value if o.output_type == "execute_result"]
    assert {"x", "y", "tanh"} <= set(svg_texts(shown.data["image/svg+xml"]))
    (shown,) = [o for o in step if o.output_type == "execute_result"]
    assert shown.data["text/plain"] == printed[0].text.rstrip("\n")
    assert shown.data["text/html"].startswith('<pre style="white-space: pre-wrap">y = tanh(')
    assert '<img src="data:image/svg+xml;base64,' in shown.data["text/html"]


# --- Digraphs draw through micrograd's renderer -------------------------------------


def test_graphviz_own_digraph_needs_dot_but_ours_draws_without_it(fresh_machine):
    dot = draw_dot(neuron())
    plain = graphviz.Digraph()
    plain.body.extend(dot.body)
    with pytest.raises(graphviz.ExecutableNotFound):
        plain.pipe(format="svg")  # the failure the issue reports on a fresh machine
    assert isinstance(dot, graphviz.Digraph)
    assert {"out", "x", "w", "b"} <= set(svg_texts(dot.pipe(format="svg")))
    text = dot.pipe("svg", encoding="utf-8")
    assert isinstance(text, str) and text.startswith("<?xml")
    assert dot.pipe(format="png").startswith(b"\x89PNG")


def test_digraph_displays_as_svg_in_jupyter(fresh_machine, show):
    dot = draw_dot(neuron())
    bundle = dot._repr_mimebundle_()
    assert "out" in svg_texts(bundle["image/svg+xml"])
    assert "out" in svg_texts(show(dot)["image/svg+xml"])
    assert "out" in svg_texts(draw_step(next(neuron().backward_steps()))._repr_image_svg_xml())


def test_digraph_render_writes_source_and_picture(fresh_machine, tmp_path):
    dot = draw_dot(neuron())
    written = Path(dot.render("graph", directory=tmp_path, format="svg"))
    assert written == tmp_path / "graph.svg"
    assert "out" in svg_texts(written.read_bytes())
    assert (tmp_path / "graph").read_text() == dot.source

    png = Path(dot.render(outfile=tmp_path / "n.png", cleanup=True))
    assert png == tmp_path / "n.png" and png.read_bytes().startswith(b"\x89PNG")
    assert not (tmp_path / "n.gv").exists()  # cleanup removed the source

    with pytest.raises(graphviz.FileExistsError):
        dot.render(outfile=tmp_path / "n.png", raise_if_result_exists=True)


def test_digraph_render_refuses_to_overwrite_its_source(fresh_machine, tmp_path):
    with pytest.raises(ValueError, match="overwrite the source"):
        draw_dot(neuron()).render(outfile=tmp_path / "g.gv", format="svg")


def test_a_copy_still_draws_without_dot(fresh_machine):
    copy = draw_dot(neuron()).copy()
    assert "out" in svg_texts(copy.pipe(format="svg"))


def test_a_format_the_renderer_lacks_is_its_error_not_a_missing_dot(fresh_machine):
    with pytest.raises(RuntimeError, match="graphviz-pure failed"):
        draw_dot(neuron()).pipe(format="pdf")  # graphviz-pure makes no PDF


def test_without_any_renderer_digraph_says_how_to_install_one(no_renderer):
    with pytest.raises(RendererNotFound, match="pip install graphviz-pure"):
        draw_dot(neuron()).pipe(format="svg")


def test_explicit_max_nodes_draws_a_big_graph(fresh_machine):
    out = mlp_output()
    with pytest.raises(ValueError, match="max_nodes=300"):
        draw_dot(out, max_nodes=300)
    svg = draw_dot(out, max_nodes=1000)._repr_mimebundle_()["image/svg+xml"]
    assert svg_texts(svg)


# --- What a notebook shows for a Value ----------------------------------------------


def test_a_small_value_shows_as_its_graph(fresh_machine, show):
    out = neuron()
    shown = show(out)
    assert {"out", "x", "w", "b"} <= set(svg_texts(shown["image/svg+xml"]))
    assert shown["text/plain"] == repr(out)


def test_a_big_value_shows_as_text_pointing_to_other_views(show):
    out = mlp_output()
    shown = show(out)
    assert set(shown) == {"text/plain"}
    text = shown["text/plain"]
    assert text.startswith(repr(out))
    for pointer in ("tree()", "explore(", "render(", "max_nodes="):
        assert pointer in text


def test_the_readme_moons_loss_shows_as_text(show):
    shown = show(moons_loss())
    assert set(shown) == {"text/plain"}
    assert f"more than {viz.INLINE_MAX_NODES} values" in shown["text/plain"]


def test_the_limit_is_on_values(monkeypatch, fresh_machine):
    at_limit = sum(Value(float(i)) for i in range(viz.INLINE_MAX_NODES // 2))  # 2 per term
    assert not viz._more_values_than(at_limit, viz.INLINE_MAX_NODES)
    assert "image/svg+xml" in viz.jupyter_bundle(at_limit)
    monkeypatch.setattr(viz, "INLINE_MAX_NODES", 10)
    assert set(viz.jupyter_bundle(at_limit)) == {"text/plain"}


def test_a_slow_layout_gives_text_after_the_timeout(monkeypatch, fresh_machine):
    monkeypatch.setattr(viz, "INLINE_TIMEOUT", 0.3)
    slow = chain_reusing_input(60)  # 181 values; its layout takes minutes
    bundle = viz.jupyter_bundle(slow)
    assert "longer than 0.3 s" in bundle["text/plain"]


def test_without_a_renderer_a_value_shows_as_its_repr(no_renderer, show):
    out = neuron()
    assert show(out) == {"text/plain": repr(out)}


# --- What a notebook shows for a Step -----------------------------------------------


def test_a_step_shows_its_text_and_highlighted_graph(fresh_machine, show):
    step = next(neuron().backward_steps())
    shown = show(step)
    assert shown["text/plain"] == str(step)
    html = shown["text/html"]
    assert html.startswith('<pre style="white-space: pre-wrap">out = tanh(')
    encoded = html.split("data:image/svg+xml;base64,", 1)[1].split('"', 1)[0]
    svg = base64.b64decode(encoded)
    assert "out" in svg_texts(svg)
    assert b'stroke-width="3"' in svg  # the step's node and edges are drawn thick


def test_step_text_is_escaped_in_html(fresh_machine):
    x = Value(1.0, label="<b>&x")
    step = next((x * 2).backward_steps())
    html = viz.step_bundle(step)["text/html"]
    assert "&lt;b&gt;&amp;x" in html and "<b>" not in html


def test_a_step_of_a_big_graph_shows_text_only(show):
    step = next(mlp_output().backward_steps())
    shown = show(step)
    assert set(shown) == {"text/plain"}
    assert shown["text/plain"].startswith(str(step))
    assert "micrograd.viz.draw_step(step, max_nodes=N)" in shown["text/plain"]


def test_without_a_renderer_a_step_shows_its_text(no_renderer, show):
    step = next(neuron().backward_steps())
    assert show(step) == {"text/plain": str(step)}


def test_a_step_whose_layout_is_slow_says_so_after_the_timeout(monkeypatch, fresh_machine, show):
    monkeypatch.setattr(viz, "INLINE_TIMEOUT", 0.3)
    step = next(chain_reusing_input(60).backward_steps())
    shown = show(step)
    assert shown["text/plain"] == str(step)
    assert "longer than 0.3 s" in shown["text/html"] and "<img" not in shown["text/html"]


def test_a_terminal_shows_text_without_drawing(monkeypatch, show):
    def no_drawing(*args, **kwargs):
        raise AssertionError("drew a picture that a terminal cannot show")

    monkeypatch.setattr(viz, "_pipe", no_drawing)
    InteractiveShell.instance().display_formatter.active_types = ["text/plain"]  # as IPython's
    out = neuron()
    step = next(mlp_output().backward_steps())
    assert show(out) == {"text/plain": repr(out)}
    assert show(step) == {"text/plain": str(step)}
