"""The explorer page, from the Python side: its texts, structure, escaping, size and the CLI.

What the page computes is tested in a real browser in test_viz_explorer_browser.py;
`micrograd explore` in test_cli.py.
"""

import base64
import hashlib
import html
import json
import re
import xml.etree.ElementTree as ET
from importlib import resources

import pytest

from micrograd import engine
from micrograd.engine import Value, custom_op, node_names
from micrograd.nn import MLP
from micrograd.viz import Explorer, explore
from micrograd.viz.explorer import START_TEXT

HOSTILE = [
    "</script><script>document.title='pwned'</script>",
    '"><img src=x onerror="document.title=1">',
    "<!-- & ]]> {a|b} \\ \u2028",
]


def neuron():
    """Karpathy's tanh neuron: x1*w1 + x2*w2 + b, through tanh."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o, [x1, x2, w1, w2, b]


def page_data(page: Explorer) -> dict:
    match = re.search(
        r'<script type="application/json" id="micrograd-data">(.*?)</script>', page.html, re.S
    )
    return json.loads(match.group(1))


def page_svg(page: Explorer) -> ET.Element:
    match = re.search(r'<div id="graph">(.*?)</div>', page.html, re.S)
    return ET.fromstring(match.group(1))  # raises unless the SVG is well-formed XML


def test_forward_texts_show_the_formula_then_the_numbers():
    o, _ = neuron()
    texts = explore(o).texts
    assert texts[0] == START_TEXT
    names = node_names(o)
    mul = next(v for v in names if v.op == "*" and v.parents[0].label == "x1")
    assert f"{names[mul]} = x1 * w1 = 2 * (-3) = -6" in texts
    assert "o = tanh(n) = tanh(0.8814) = 0.7071" in [
        t.replace(names[o.parents[0]], "n") for t in texts
    ]


def test_backward_texts_are_exactly_the_steps_and_updates_follow():
    o, leaves = neuron()
    page = explore(o, params=leaves[2:], lr=0.5)
    steps = [str(step) for step in neuron()[0].backward_steps()]
    n = len(steps)  # one forward and one backward step per non-leaf node, then 3 updates
    assert page.steps == 2 * n + 3 + 1  # and the new loss
    assert page.texts[1 + n : 1 + 2 * n] == steps
    assert page.texts[-2] == "b = b - lr × grad = 6.881 - 0.5 × 0.5 = 6.631"
    assert page.texts[-1].startswith("one step: loss 0.7071 → ")


def test_export_leaves_the_graph_as_it_was():
    o, leaves = neuron()
    for i, v in enumerate(leaves):
        v.grad = 10.0 + i  # as if from an earlier backward: the page must not start from these
    before = {v: (v.data, v.grad) for v in node_names(o)}
    page = explore(o, params=leaves, lr=0.1)
    assert {v: (v.data, v.grad) for v in node_names(o)} == before
    fresh, fresh_leaves = neuron()
    assert page.texts == explore(fresh, params=fresh_leaves, lr=0.1).texts


def test_the_page_is_one_file_that_cannot_reach_the_network():
    o, _ = neuron()
    page = explore(o).html
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    policy = csp.group(1)
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    assert "unsafe" not in policy  # only the page's own script and style, by their hashes
    for tag in ("script", "style"):
        body = re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        assert len(body) == 1
        digest = base64.b64encode(hashlib.sha256(body[0].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    without_svg_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", page)
    assert not re.search(r"https?://|<link|<iframe|@import|url\(|src=", without_svg_namespaces)


def test_the_graph_is_draw_dots_picture_tagged_for_the_script():
    o, _ = neuron()
    page = explore(o)
    svg = page_svg(page)
    ns = "{http://www.w3.org/2000/svg}"
    boxes = [g for g in svg.iter(f"{ns}g") if "data-n" in g.attrib]
    ops = [g for g in svg.iter(f"{ns}g") if "data-o" in g.attrib]
    edges = [g for g in svg.iter(f"{ns}g") if "data-e" in g.attrib]
    names = list(node_names(o).values())
    assert len(boxes) == len(names) == len(page_data(page)["nodes"])
    assert len(ops) == sum(1 for v in node_names(o) if v.parents)
    assert len(edges) == sum(len(v.parents) + 1 for v in node_names(o) if v.parents)
    for g in boxes:
        texts = ["".join(t.itertext()) for t in g.iter(f"{ns}text")]
        assert texts[0] == names[int(g.get("data-n"))]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_are_escaped_for_svg_attributes_and_script(label):
    x = Value(1.5, label=label)
    y = (x * 2).exp()
    y.label = label + "!"
    page = explore(y, title=label)
    script_json = re.search(r'id="micrograd-data">(.*?)</script>', page.html, re.S).group(1)
    assert "<" not in script_json and ">" not in script_json and "&" not in script_json
    assert page_data(page)["nodes"][0]["name"] == label + "!"
    ns = "{http://www.w3.org/2000/svg}"
    shown = ["".join(t.itertext()) for t in page_svg(page).iter(f"{ns}text")]
    assert label.replace("\u2028", " ") in " ".join(shown) or label in shown
    title = re.search(r"<title>(.*?)</title>", page.html, re.S).group(1)
    assert html.unescape(title) == f"{label} · micrograd explorer"
    assert "<script>document" not in page.html and "<img" not in page.html
    assert page.html.count("</script>") == 2  # the data's and the program's, nothing more


def test_jupyter_shows_the_page_in_a_sandboxed_iframe():
    page = explore(Value(2.0, label="a").tanh())
    frame = page._repr_html_()
    srcdoc = re.fullmatch(
        r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" [^>]*></iframe>', frame
    )
    assert html.unescape(srcdoc.group(1)) == page.html


def test_explore_writes_the_file_when_given_a_path(tmp_path):
    page = explore(Value(2.0, label="a").tanh(), tmp_path / "a.html")
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == page.html


def test_bad_arguments_are_refused_by_name():
    x = Value(1.0, label="x")
    y = x * x + 1
    with pytest.raises(ValueError, match="explore: give params and lr together"):
        explore(y, params=[x])
    with pytest.raises(ValueError, match=r"explore: lr must be a finite number, got nan"):
        explore(y, params=[x], lr=float("nan"))
    with pytest.raises(ValueError, match=r"explore: params\[0\] .* is not a leaf"):
        explore(y, params=[y.parents[0]], lr=0.1)
    with pytest.raises(ValueError, match=r"explore: params\[0\] .* not a Value in the graph"):
        explore(y, params=[Value(3.0)], lr=0.1)
    with pytest.raises(ValueError, match="explore: the graph has 3 values, more than max_nodes=2"):
        explore(y, max_nodes=2)
    with pytest.raises(TypeError, match="explore: root must be a Value, got float"):
        explore(1.0)


def test_custom_ops_travel_with_their_numbers_and_locals():
    sign = custom_op("sign", lambda a: 1.0 if a >= 0 else -1.0, lambda a, out: (1.0,))
    x, w = Value(-0.5, label="x"), Value(2.0, label="w")
    y = sign(x) * w
    nodes = {n["name"]: n for n in page_data(explore(y))["nodes"]}
    custom = next(n for n in nodes.values() if n.get("custom"))
    assert custom["symbol"] == "sign" and custom["value"] == -1.0


def test_the_page_op_table_mirrors_the_engine_catalogue():
    script = resources.files("micrograd.viz").joinpath("explorer.js").read_text()
    table = script.split("const OPS = {", 1)[1].split("\n  };", 1)[0]
    names = set(re.findall(r"^    (\w+): \{", table, re.M))
    assert names == set(engine.OPS)


def test_a_thousand_value_mlp_exports_small():
    # How fast it exports is a figure in benchmarks/viz.py, not a pass or fail here.
    model = MLP(2, [16, 16, 1], fused=False)
    out = model([Value(0.5, label="x1"), Value(-0.3, label="x2")])
    out = out[0] if isinstance(out, list) else out
    assert len(node_names(out)) > 900
    page = explore(out, params=model.parameters(), lr=0.1)
    assert page.steps == 2 * sum(1 for v in node_names(out) if v.parents) + 337 + 1
    size = len(page.html.encode())
    assert size <= 2.5e6, f"the page is {size / 1e6:.2f} MB"


def test_a_custom_op_named_like_a_built_in_is_custom():
    # issue 25, item 1: the page used to compute tanh for a custom op named "tanh"
    cube = custom_op("tanh", lambda a: a**3, lambda a, out: 3 * a * a)
    x = Value(0.5, label="x")
    y = cube(x)
    node = page_data(explore(y))["nodes"][0]
    assert node["custom"] is True and node["value"] == 0.125


def test_saving_never_loses_the_old_file_and_keeps_a_link(tmp_path):
    # issue 25, item 2: a lone surrogate left keep.html at 0 bytes
    keep = tmp_path / "keep.html"
    keep.write_text("old", encoding="utf-8")
    x = Value(1.0, label="x\ud800")
    page = explore(x.tanh(), keep, title="t\ud800")
    assert keep.read_text(encoding="utf-8") == page.html and "\ufffd" in page.html
    assert "\ud800" not in page._repr_html_()
    target = tmp_path / "target.html"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    page.save(link)
    assert link.is_symlink() and target.read_text(encoding="utf-8") == page.html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.html", "link.html", "target.html"]


def test_a_model_names_the_parameters_and_they_are_updated():
    model = MLP(2, [2, 1])
    out = model([Value(0.5, label="x1"), Value(-0.3, label="x2")])
    out = out[0] if isinstance(out, list) else out
    page = explore(out, model=model, lr=0.1)
    names = {n["name"] for n in page_data(page)["nodes"]}
    assert {name for name, _ in model.named_parameters()} <= names
    updates = [t for t in page.texts if " - lr × grad = " in t]
    assert len(updates) == len(model.parameters())
    assert page.texts[-1].startswith("one step: loss ")
