import os
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micrograd.engine import Value, node_names
from micrograd.nn import MLP
from micrograd.viz import (
    RendererNotFound,
    draw_dot,
    draw_step,
    escape_label,
    find_renderer,
    render,
    to_svg,
)
from micrograd.viz import graph as viz
from tests.full_disk import fill_the_disk

SVG = "{http://www.w3.org/2000/svg}"


def example():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b + 1).tanh()
    c.label = "c"
    c.backward()
    return c, [a, b, c]


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # raises if the SVG is not well-formed XML
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_every_value_and_op_is_a_node():
    c, values = example()
    source = draw_dot(c).source
    assert source.count("shape=record") == 5  # a, b, a*b, a*b + 1, c
    assert source.count("shape=oval") == 3  # *, + 1, tanh
    for v in values:
        assert f"data {v.data:.4f} | grad {v.grad:.4f}" in source
    assert "label=tanh" in source and 'label="+ 1"' in source


def test_svg_is_xml_and_holds_every_nodes_data():
    c, values = example()
    texts = svg_texts(to_svg(c))
    for v in values:
        assert f"data {v.data:.4f}" in texts
        assert v.label in texts
    assert "tanh" in texts


def test_same_graph_gives_the_same_dot_source_in_another_process():
    code = (
        "from micrograd.engine import Value\n"
        "from micrograd.viz import draw_dot\n"
        "a = Value(2.0, label='a'); b = Value(-3.0, label='b')\n"
        "c = (a * b + 1).tanh(); c.label = 'c'; c.backward()\n"
        "print(draw_dot(c).source, end='')\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout == draw_dot(example()[0]).source


@pytest.mark.parametrize(
    "label", ["<script>alert(1)</script>", "a & b", 'say "hi"', "{a|b}", "back\\slash", "&lt;"]
)
def test_hostile_labels_render_literally_and_svg_stays_valid(label):
    v = Value(1.0, label=label)
    out = v * 2
    out.label = label
    svg = to_svg(out)
    assert label in svg_texts(svg)
    assert "<script" not in svg


def test_colour_shows_the_sign_and_size_of_grad():
    assert viz._grad_colour(0.0, 1.0) == "#ffffff"
    blue, red = viz._grad_colour(1.0, 1.0), viz._grad_colour(-1.0, 1.0)
    assert int(blue[5:7], 16) > int(blue[1:3], 16)  # more blue than red
    assert int(red[1:3], 16) > int(red[5:7], 16)
    pale = viz._grad_colour(0.01, 1.0)
    assert int(pale[1:3], 16) > int(blue[1:3], 16)  # smaller |grad|, paler


def test_legend_explains_the_colours():
    assert "blue = positive grad" in draw_dot(example()[0], legend=True).source


def test_highlight_marks_nodes_and_edges():
    c, _ = example()
    source = draw_dot(c, highlight=[c, c.parents[0]]).source
    assert source.count("penwidth=3") >= 3


def test_mlp_sized_graph_renders(tmp_path):
    model = MLP(2, [16, 16, 1], rng=random.Random(0), fused=False)
    out = model([0.5, -0.3])
    out.backward()
    path = render(out, tmp_path / "mlp.svg")
    texts = svg_texts(path.read_text())
    assert sum(t.startswith("data ") for t in texts) > 900


def test_past_the_node_limit_a_clear_error_says_what_to_do():
    x = Value(1.0)
    for _ in range(50):
        x = x * 1.01
    with pytest.raises(
        ValueError, match=r"has 51 values, more than max_nodes=10; pass a larger max_nodes"
    ):
        draw_dot(x, max_nodes=10)
    assert draw_dot(x, max_nodes=51)


def test_render_by_suffix(tmp_path):
    c, _ = example()
    assert render(c, tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    assert render(c, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert render(c, tmp_path / "g.dot").read_text() == draw_dot(c).source
    with pytest.raises(ValueError, match=r"should end in \.svg, \.png or \.dot"):
        render(c, tmp_path / "g.jpg")


def test_jupyter_bundle_has_svg():
    # What Jupyter shows for a Value: viz registers this with IPython's formatters
    # (the engine itself holds no display code).
    c, _ = example()
    bundle = viz.jupyter_bundle(c)
    assert svg_texts(bundle["image/svg+xml"])


@pytest.fixture
def no_renderer(monkeypatch):
    monkeypatch.delenv("MICROGRAD_DOT", raising=False)
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(viz, "_scripts_dirs", lambda: [])
    assert find_renderer() is None


def test_without_a_renderer_a_clear_error_and_dot_still_works(no_renderer, tmp_path):
    c, _ = example()
    with pytest.raises(RendererNotFound, match="pip install graphviz-pure"):
        render(c, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    assert render(c, tmp_path / "g.dot").read_text().startswith("digraph")
    assert draw_dot(c).source.startswith("digraph")


def test_without_a_renderer_jupyter_falls_back_to_text(no_renderer):
    c, _ = example()
    assert viz.jupyter_bundle(c) == {}  # so Jupyter shows repr(c), the text


def test_graphviz_pure_is_found_beside_python_without_path(monkeypatch):
    monkeypatch.delenv("MICROGRAD_DOT", raising=False)
    monkeypatch.setenv("PATH", "")
    found = find_renderer()
    assert found is not None and Path(found).name == "graphviz-pure"


def test_a_system_dot_wins(monkeypatch, tmp_path):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho '<svg xmlns=\"http://www.w3.org/2000/svg\"/>'\n")
    fake.chmod(0o755)
    monkeypatch.delenv("MICROGRAD_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    assert find_renderer() == str(fake)
    assert to_svg(example()[0]).startswith("<svg")


def test_draw_step_highlights_the_node_and_its_edges():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    n = x1 * w1 + x2 * w2 + Value(6.8813735870195432, label="b")
    n.label = "n"
    o = n.tanh()
    steps = o.backward_steps()
    next(steps)
    source = draw_step(next(steps)).source
    assert source.count("penwidth=3") >= 4  # n, its op, the op's edges
    assert 'label="{ n | data 0.8814 | grad 0.5000 }"' in source


# --- Hostile labels (issue 15's probe) ----------------------------------------

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


# --- Files are written whole, and only from a real picture (issue 25, items 2 and 5) -----


def test_a_full_disk_while_rendering_leaves_the_old_picture_whole(tmp_path, monkeypatch):
    path = tmp_path / "graph.dot"
    path.write_text("digraph { old }")
    c, _ = example()
    fill_the_disk(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        render(c, path)
    monkeypatch.undo()
    assert path.read_text() == "digraph { old }" and os.listdir(tmp_path) == ["graph.dot"]


def test_rendering_through_a_link_replaces_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.svg"
    target.write_text("old")
    link = tmp_path / "graph.svg"
    link.symlink_to(target)
    c, _ = example()
    render(c, link)
    assert link.is_symlink() and svg_texts(target.read_text())


@pytest.mark.parametrize(
    "prints, why",
    [
        ("", "no output"),
        ("cat", "output that is not"),  # the DOT source back
        ("echo '<svg><g>'", "output that is not"),  # cut short
        ("echo '<html/>'", "output that is not"),
    ],
)
@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_a_renderer_that_exits_0_without_a_picture_is_an_error_and_writes_nothing(
    tmp_path, monkeypatch, prints, why, suffix
):
    renderer = tmp_path / "renderer"
    renderer.write_text(f"#!/bin/sh\n{prints}\nexit 0\n")
    renderer.chmod(0o755)
    monkeypatch.setenv("MICROGRAD_DOT", str(renderer))
    c, _ = example()
    message = f"exited 0 but gave {why}"
    with pytest.raises(RuntimeError, match=message):
        render(c, tmp_path / f"graph{suffix}")
    with pytest.raises(RuntimeError, match=message):
        draw_dot(c).render(outfile=tmp_path / f"digraph{suffix}")
    with pytest.raises(RuntimeError, match=message):
        to_svg(c)
    assert not (tmp_path / f"graph{suffix}").exists()
    assert not (tmp_path / f"digraph{suffix}").exists()


def box_names(source: str) -> list[str]:
    """The name in each Value's box, in the drawing's order."""
    return [m.strip() for m in re.findall(r'label="\{ (.*?) \| data', source)]


def test_names_may_name_some_values_either_way_round():
    model = MLP(2, [2, 1], rng=random.Random(0))
    out = model([Value(1.0, label="x1"), Value(-2.0)])
    named = model.named_parameters()
    automatic = box_names(draw_dot(out).source)
    # {name: value}, as dict(model.named_parameters()) gives, and {value: name}: the same
    by_name = box_names(draw_dot(out, names=dict(named)).source)
    assert by_name == box_names(draw_dot(out, names={v: n for n, v in named}).source)
    assert {n for n, _ in named} <= set(by_name) and "x1" in by_name
    # a partial mapping: one weight named, the rest keep their automatic names
    w = model.layers[0].neurons[1].w[0]
    partial = box_names(draw_dot(out, names={w: "the weight"}).source)
    assert partial.count("the weight") == 1 and "x1" in partial
    assert len(partial) == len(automatic) == len(set(partial))
    assert partial == list(node_names(out, {w: "the weight"}).values())  # as steps name them
    assert all(re.fullmatch(r"[a-z_]+\d+", n) for n in partial if n not in ("the weight", "x1"))
    assert partial == box_names(draw_dot(out, names={"the weight": w}).source)


def test_names_must_be_non_empty_strings():
    x = Value(1.0)
    with pytest.raises(TypeError, match="names: each name must be a non-empty string"):
        draw_dot(x * 2, names={x: ""})
