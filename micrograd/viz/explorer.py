"""The backprop explorer: one offline HTML page that steps through your own graph.

:func:`explore` turns a Value's graph into a page that plays the forward pass,
the backward pass and (given ``params`` and ``lr``) one gradient-descent update,
one step at a time, and recomputes everything live when you change a leaf:

    >>> from micrograd import Value
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> y = (x * w).tanh(); y.label = "y"
    >>> page = explore(y)
    >>> page.steps, page.texts[1]
    (4, 'mul1 = x * w = 2 * (-3) = -6')

``page.save("y.html")`` writes it; in Jupyter, ``page`` shows inline.

How the page is built:

- the graph is laid out once, here, by the same Graphviz renderer as
  :func:`~micrograd.viz.draw_dot`, so it looks the same; the page's script only
  changes numbers, colours and highlights;
- every number is computed in the page, in float64, with the same formulas and
  in the same order as the engine (the op table in ``explorer.js`` mirrors the
  engine's catalogue of ops), so that changing a leaf recomputes the whole
  timeline without Python;
- the step texts have one owner: a backward step's is ``str(step)``, whose
  templates and number format (trace's ``STEP_TEXT``) travel in the page's JSON,
  as do the forward, update and loss templates (``PAGE_TEXT``) and each op's
  formula from the catalogue; ``texts`` holds Python's filled texts and the page
  fills the same templates with its numbers, to the same significant figures
  (trace's :class:`~micrograd.trace.Numbers`: every printed ``a op b = c`` holds).

The page is one file with no network access (a Content-Security-Policy says
so), and every label is escaped for where it lands: SVG text, HTML attributes
and the JSON read by the script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, cast

from micrograd import engine, trace
from micrograd.engine import Value, no_grad
from micrograd.files import write_text
from micrograd.trace import STEP_TEXT, Numbers, node_names
from micrograd.viz.graph import draw_dot, levels, to_svg
from micrograd.viz.network import (
    Network,
    Unrolled,
    find_network,
    find_unrolled,
    node_names_of,
    node_names_of_steps,
)

__all__ = ["Explorer", "explore"]

_SVG_NS = "http://www.w3.org/2000/svg"
_S = "{" + _SVG_NS + "}"


# --- The ops as the page sees them ---------------------------------------------------


class _OpRecord(NamedTuple):
    name: str  # the catalogue's name ("mul"); for a custom op, its own name
    symbol: str  # what node.op says ("*")
    notation: str  # "infix", "prefix" or "call"
    custom: bool  # True when the page cannot compute it
    operands: tuple  # Values and folded numbers, in order
    chooses: bool  # the op picks among its operands by value: the graph's shape follows the data
    entry: Any  # the catalogue entry


def _op_record(node: Value) -> _OpRecord | None:
    """What made ``node`` (None for a leaf), in the terms of the engine's catalogue."""
    entry = trace.op_entry(node)
    if entry is None:
        return None
    # Decided by the entry itself, not its name: a custom op called "tanh" is still custom.
    custom = entry.custom or engine.OPS.get(entry.name) is not entry.base
    # An op that chooses by value (a max) is kept as it is only when the page cannot compute
    # it: the engine's own max_of is one node over all its operands, which the page recomputes.
    return _OpRecord(
        entry.name,
        entry.symbol,
        entry.notation,
        custom,
        tuple(trace.operands(node)),
        entry.chooses and custom,
        entry,
    )


# --- Texts: the page fills the same templates with the numbers it recomputes ----------

PAGE_TEXT = {
    "start": "start: only the leaves are known",
    "forward": "{name} = {formula} = {numbers} = {value}",
    # the forward step's formula with numbers in place of names, by the op's notation
    "infix": "{a} {symbol} {b}",
    "prefix": "-{a}",
    "call": "{symbol}({args})",
    "between_args": ", ",
    "update": "{name} = {name} - lr × grad = {data} - {lr} × {grad} = {new}",
    "loss": "one step: loss {before} → {after}",
    "loss_unknown": "one step: the new loss needs {name}, which the page cannot recompute",
}
"""The page's own texts (forward, update, the new loss); a backward step's is trace's
:data:`STEP_TEXT`.  Numbers are written as trace writes them (:class:`~micrograd.trace.Numbers`)."""
START_TEXT = PAGE_TEXT["start"]

# The network view's texts: backprop as the delta rule, δ = dL/dnet, neuron by neuron.
NETWORK_TEXT = {
    "forward": "{name}: net = b + Σ w·x = {bias} + {terms} = {net}, out = {activation} = {out}",
    "term": "{w} × {x}",
    "between_terms": " + ",
    "activation": "{f}(net) = {f}({net})",
    "no_activation": "net (no activation)",
    "loss": "{name} = {loss}: the loss, from the network's output {outputs}",
    "output": "{name} = {out}",
    "from_loss": "{name}: d{root}/dout = {g}, from the loss",
    "from_next": "{name}: d{root}/dout = Σ_k w_kj δ_k = {terms} = {g}",
    "slope": {
        "relu": "relu'(net) = {s}, since net = {net} {compare} 0",
        "tanh": "tanh'(net) = 1 - out² = 1 - {out}² = {s}",
        "sigmoid": "sigmoid'(net) = out × (1 - out) = {out} × (1 - {out}) = {s}",
        "linear": "no activation: f'(net) = {s}",
    },
    "delta": "δ = d{root}/dnet = f'(net) × d{root}/dout = {s} × {g} = {delta}",
    "weight": "d{root}/d{w} = δ × {input} = {delta} × {x} = {g}",
    "bias": "d{root}/d{b} = δ = {delta}",
    "dead": "{name} is dead: a ReLU with net = {net} ≤ 0 passes no gradient back (δ = 0), "
    "so its weights learn nothing from this input",
    "saturated": "{name} is saturated: |{f}'(net)| = {s} < 0.01, "
    "so almost no gradient flows back through it",
    "matrix_output": "layer {layer} as vectors: δ = d{root}/dout ⊙ f'(net) = {g} ⊙ {s} = {delta}",
    "matrix_hidden": "layer {layer} as vectors: δ = (W of {next})ᵀ δ of {next} ⊙ f'(net) "
    "= {g} ⊙ {s} = {delta}",
    "matrix_weights": "d{root}/dW = δ xᵀ ({rows}×{cols}); gradient norm of {layer}: {norm}",
    "update_head": "update {layer}: each weight and bias p = p - lr × grad, lr = {lr}",
    "other": "the other parameters",
    "more": "... {count} more",
    "norm": "gradient norm of {layer}: {norm}",
    "no_diagnosis": "no dead or saturated neurons so far",
    "inputs_header": "inputs",
    "loss_header": "loss",
    "legend": "edges are weights: blue +, red −, thicker = larger |w|; once the backward pass "
    "reaches them, the same for dL/dw · circles: δ = dL/dnet (blue +, red −) · click a neuron "
    "to open its nodes",
}

# The time-step view's texts: backpropagation through time, one box per time step.
RECURRENT_TEXT = {
    "forward": "{name}: h{t} = {cell}(x{t}, h{p}) = {h}, with x{t} = {x}, h{p} = {state}",
    "cell_state": "c{t} = {c} (the cell state, read with h{t} at the next step)",
    "loss": "{name} = {loss}: the loss, read from h{t} by what follows the cell",
    "from_after": "{name}: d{root}/dh{t} = {g}, from what reads h{t} after the cell",
    "from_next": "{name}: d{root}/dh{t} = {g}, back through {next}",
    "from_both": "{name}: d{root}/dh{t} = {g}, back through {next} and from what reads h{t} "
    "after the cell",
    "delta": "δ{n} = d{root}/dnet{n} = d{root}/dh{n} ⊙ {f}'(net{n}) = {g} ⊙ {s} = {delta}",
    "through": "d{root}/dh{t} = W_hhᵀ δ{n}: each h{t}[i] feeds every net{n}[j] through "
    "weight_hh[j][i]",
    "norm": "‖d{root}/dh{t}‖ = {norm}",
    "ratio": "‖d{root}/dh{t}‖ / ‖d{root}/dh{n}‖ = {norm} / {next} = {ratio}: one step back, "
    "the gradient {trend}",
    "shrinks": "shrinks",
    "grows": "grows",
    "weights": "the cell's weights are used at every one of the {count} time steps, so each "
    "one's gradient is the sum of {count} contributions:",
    "tensor": "‖d{root}/d{tensor}‖ = {norm}",
    "cell": "the cell",
    "diagnosis": "{name}: ‖d{root}/dh{t}‖ = {norm}",
    "no_diagnosis": "‖dL/dh‖ of each time step, once the backward pass reaches it",
    "box_x": "x {x}",
    "box_h": "‖h‖ {norm}",
    "box_g": "‖dL/dh‖ {norm}",
    "legend": "one box per time step: h flows left to right, the gradient dL/dh flows back; "
    "a box's blue deepens with log ‖dL/dh‖ · click a box to open its nodes",
}


def _forward_text(name: str, formula: str, record: _OpRecord, data: float) -> str:
    """``mul1 = x * w = 2 * (-3) = -6``: every operand and the output, to the significant
    figures that make the printed equation hold (for ops of one or two operands)."""
    numbers = Numbers()
    xs = [x.data if isinstance(x, Value) else x for x in record.operands]
    places = [numbers.add(x) for x in xs]
    value = numbers.add(data)
    entry = record.entry
    if not record.custom and entry.arity in (1, 2):
        numbers.equation(value, tuple(places), lambda *ys: _apply(entry, ys))
    write = numbers.fit()
    fields = {"symbol": record.symbol, "a": write(places[0], True), "b": write(places[-1], True)}
    fields["args"] = PAGE_TEXT["between_args"].join(write(p) for p in places)
    shown = PAGE_TEXT[record.notation].format(**fields)
    value_text = write(value)
    return PAGE_TEXT["forward"].format(name=name, formula=formula, numbers=shown, value=value_text)


def _update_text(name: str, lr: float, data: float, grad: float, new: float) -> str:
    """``w = w - lr × grad = 0.5 - 0.1 × 3 = 0.2``."""
    numbers = Numbers()
    places = [numbers.add(x) for x in (data, lr, grad, new)]
    numbers.equation(places[3], tuple(places[:3]), lambda d, r, g: d - r * g)
    write = numbers.fit()
    d, r, g, n = places
    return PAGE_TEXT["update"].format(
        name=name, data=write(d), lr=write(r, True), grad=write(g, True), new=write(n)
    )


def _apply(entry: Any, xs: Any) -> float:
    """The op of ``entry`` on numbers, as the engine computes it (no graph is kept)."""
    with no_grad():
        if entry.arity in (1, 2):
            return cast(float, entry.base.apply(*map(Value, xs)).data)
        values = [Value(x) for x in xs]
        if entry.base not in (engine.LINEAR, engine.LINEAR_RELU):  # sum, max: any number
            return cast(float, entry.base.apply(*values).data)
        n = (len(xs) - 1) // 2  # linear: (weights, inputs, bias)
        return cast(float, entry.base.apply(values[:n], values[n : 2 * n], values[-1]).data)


def _safe(text: str) -> str:
    """Text that UTF-8 can hold: a lone surrogate becomes U+FFFD (so saving never fails)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# --- The export ------------------------------------------------------------------------


def _json_number(x: float) -> float | str:
    """JSON has no NaN or infinities: those travel as strings the page reads back."""
    return x if math.isfinite(x) else repr(x)


def _script_json(data: object) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' appears literally,
    so a label holding ``</script>`` or ``<!--`` cannot end or change the script."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset(name: str) -> str:
    return resources.files("micrograd.viz").joinpath(name).read_text(encoding="utf-8")


PANE = (900, 724)
"""The graph's pane, in px, in a 1280×800 window (the side panel takes 380 px, the bars 76):
the picture is laid out to be read whole there when it can be."""
READABLE = 10
"""The smallest text, in px, that the page shows a whole graph at; a graph that would need
smaller opens around its output at full size instead."""
WRAP_MAX = 200
"""Graphs of more Values than this are not laid out again in rows: they cannot be read whole."""
_FIT = 0.98  # the page shows a whole picture at 98% of the pane (explorer.js, showWhole)


def _picture_size(svg: str) -> tuple[float, float, float]:
    """The picture's width and height, and its text's size, in its own units."""
    tree = ET.fromstring(svg.encode())
    _, _, width, height = (float(x) for x in tree.get("viewBox", "0 0 1 1").split())
    font = next((float(t.get("font-size", 14)) for t in tree.iter(f"{_S}text")), 14.0)
    return width, height, font


def _readable_scale(svg: str) -> float:
    """The size in px of the picture's text when the page shows it whole in :data:`PANE`."""
    width, height, font = _picture_size(svg)
    return font * min(PANE[0] / width, PANE[1] / height) * _FIT


def _picture(root: Value, names: dict[Value, str], max_nodes: int) -> str:
    """The picture the page shows: compact boxes, and a deep graph that is too wide to read
    whole in one row wrapped into rows, as many as suit the pane's shape (and one either
    side of that); the layout whose text comes out largest."""
    svg = to_svg(draw_dot(root, max_nodes=max_nodes, names=names, compact=True))
    best = (_readable_scale(svg), svg)
    if best[0] >= READABLE or len(names) > WRAP_MAX:
        return svg
    width, height, _ = _picture_size(svg)
    # r rows are about width / r wide and height × r high: they fit the pane best at
    rows = round(math.sqrt(PANE[1] * width / (PANE[0] * height)))
    depth = max(levels(root).values(), default=0) + 1
    tried = set()
    for r in range(max(2, rows - 1), rows + 3):
        wrap = -(-depth // r)  # levels per row
        if wrap < 2 or wrap in tried:
            continue
        tried.add(wrap)
        svg = to_svg(draw_dot(root, max_nodes=max_nodes, names=names, compact=True, wrap=wrap))
        best = max(best, (_readable_scale(svg), svg), key=lambda pair: pair[0])
    return best[1]


def _graph_svg(root: Value, names: dict[Value, str], max_nodes: int) -> str:
    """The picture (see :func:`_picture`) as inline SVG, its parts tagged for the script.

    draw_dot names Value i ``v{i}`` (in node_names order) and its op ``v{i}_op``;
    here they become ``data-n="i"`` and ``data-o="i"``, the edges ``data-e``
    ("p i" from parent p into op i, "i" from op i to its Value).  Titles and
    comments go, to keep the page small; ElementTree writes the text back
    escaped, so a label shows literally.
    """
    tree = ET.fromstring(_picture(root, names, max_nodes).encode())
    index = {f"v{i}": i for i in range(len(names))}
    for group in tree.iter(f"{_S}g"):
        title = group.find(f"{_S}title")
        if title is None:
            continue
        key = title.text or ""
        group.remove(title)
        kind = group.get("class")
        if not all(end.removesuffix("_op") in index for end in key.split("->")):
            continue  # not a Value, an op or an edge between them (a wrapped layout's spine)
        group.attrib.pop("id", None)
        if kind == "node":
            if key.endswith("_op"):
                group.set("data-o", str(index[key[:-3]]))
                continue
            group.set("data-n", str(index[key]))
            texts = group.findall(f"{_S}text")
            texts[-2].set("class", "d")
            texts[-1].set("class", "g")
            box = cast(ET.Element, group.find(f"{_S}polygon"))  # the box's background
            box.set("class", "f")
            xs = [float(point.split(",")[0]) for point in box.get("points", "").split()]
            for text in texts:  # centred, so a number the page writes stays in the middle
                text.set("text-anchor", "middle")
                text.set("x", f"{(min(xs) + max(xs)) / 2:.2f}")
        elif kind == "edge":
            source, target = key.split("->")
            if target.endswith("_op"):
                group.set("data-e", f"{index[source]} {index[target[:-3]]}")
            else:
                group.set("data-e", str(index[target]))
    for element in tree.iter():
        element.attrib.pop("font-family", None)  # the page's CSS sets one font for all
        element.attrib.pop("{http://www.w3.org/XML/1998/namespace}space", None)
    ET.register_namespace("", _SVG_NS)
    return ET.tostring(tree, encoding="unicode")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@dataclass
class Explorer:
    """An exported explorer page: ``html`` is the page, ``texts`` its steps' texts.

    Made by :func:`explore`.  ``steps`` is the number of steps (positions run
    from 0 to ``steps``); ``texts[k]`` is the text the page shows at position k.

    >>> page = explore(Value(1.0, label="a").exp())
    >>> page.steps, page.texts[:2]
    (2, ['start: only the leaves are known', 'exp1 = exp(a) = exp(1) = 2.718'])
    """

    html: str
    texts: list[str]

    @property
    def steps(self) -> int:
        """The last position: forward, backward and update steps together."""
        return len(self.texts) - 1

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path.

        The page goes to a temporary file beside ``path`` that is then renamed over
        it (:func:`micrograd.files.write_text`): an error or Ctrl-C keeps the old
        file whole, and a symbolic link stays a link to the file it updates.

        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> explore(Value(2.0).tanh()).save(folder / "page.html").stat().st_size > 0
        True
        """
        path = Path(path)
        write_text(path, _safe(self.html))
        return path

    def _repr_html_(self) -> str:
        """Jupyter shows the page in an iframe whose ``srcdoc`` holds it, so its script runs
        (sandboxed: scripts only, no access to the notebook)."""
        return (
            f'<iframe srcdoc="{html.escape(_safe(self.html), quote=True)}" sandbox="allow-scripts" '
            'style="width: 100%; height: 680px; border: 1px solid #ccc"></iframe>'
        )


def explore(
    root: Value,
    path: str | Path | None = None,
    *,
    params: Iterable[Value] | None = None,
    lr: float | None = None,
    title: str | None = None,
    max_nodes: int = 2000,
    model: Any = None,
    names: dict | None = None,
) -> Explorer:
    """The backprop explorer page for the graph of ``root``.

    Args:
        root: the output (a loss, say); everything it depends on is shown.
        path: if given, the page is also written there.
        params: leaves to update after the backward pass (needs ``lr``): one
            update step ``p = p - lr * grad`` each, as ``SGD`` does.
        lr: the learning rate of those updates.
        title: the page's title (default: the root's name).
        max_nodes: refuse graphs with more Values than this (ValueError).
        model: a :class:`~micrograd.nn.Module` whose parameters are in the graph:
            they are named by ``model.named_parameters()`` (``layers.0.weight[1][0]``),
            and with ``lr`` they are the ``params`` unless those are given.
        names: names to use for Values, ``{value: name}`` or ``{name: value}``
            (see :func:`~micrograd.trace.node_names`).

    Returns:
        An :class:`Explorer`: ``.html``, ``.save(path)``, and inline in Jupyter.

    The gradients shown are computed for the page; the graph's own ``.grad``
    and ``.data`` are left as they were.

    >>> w = Value(0.5, label="w")
    >>> loss = (w * 3 - 1) ** 2; loss.label = "loss"
    >>> page = explore(loss, params=[w], lr=0.1)
    >>> page.texts[-2:]
    ['w = w - lr × grad = 0.5 - 0.1 × 3 = 0.2', 'one step: loss 0.25 → 0.16']
    >>> w.grad  # untouched
    0.0
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore: root must be a Value, got {type(root).__name__}")
    given: dict = {} if names is None else dict(names)
    if model is not None:
        given = {**{v: n for n, v in model.named_parameters()}, **trace._given_names(given)}
    found = None if model is None else node_names(root, given)
    unrolled = None if found is None else find_unrolled(root, model, found)
    network = None if found is None or unrolled is not None else find_network(root, model, found)
    if network is not None:  # a neuron's nodes are named after it: layers.0.1.net, .out
        given = {**node_names_of(network), **trace._given_names(given)}
    if unrolled is not None:  # a time step's state is named after it: t3.h[0], t3.c[0]
        given = {**node_names_of_steps(unrolled), **trace._given_names(given)}
    names_ = node_names(root, given)  # once: the texts, the JSON and the picture all use these
    if model is not None and params is None and lr is not None:
        params = [p for p in model.parameters() if p in names_]
    update = _check(names_, params, lr, max_nodes)
    values = list(names_)  # node_names order: the root first, Value i drawn as v{i}
    steps = _backprop(root, values, given)
    graph = _Graph(values, names_, steps)
    texts = [START_TEXT, *graph.forward_texts(), *map(str, steps)]
    if update:
        texts.extend(graph.update_texts(update, cast(float, lr)))
        texts.append(graph.loss_text(update, cast(float, lr)))
    data = {
        "title": title if title is not None else names_[root],
        "root": 0,
        "nodes": graph.nodes_json(),
        "forward": graph.forward_order,
        "backward": [graph.index[step.node] for step in steps],
        "customLocals": graph.custom_locals(),
        "params": [graph.index[p] for p in update],
        "lr": lr,
        "ops": {n: {"formula": op.formula, "arity": op.arity} for n, op in engine.OPS.items()},
        "text": {
            "step": STEP_TEXT._asdict(),
            **PAGE_TEXT,
            "network": NETWORK_TEXT,
            "recurrent": RECURRENT_TEXT,
        },
        "network": None if network is None else _network_json(network, graph.index, names_),
        "recurrent": None if unrolled is None else _unrolled_json(unrolled, graph.index, names_),
    }
    page = _page(data, _graph_svg(root, names_, max_nodes))
    explorer = Explorer(_safe(page), texts)
    if path is not None:
        explorer.save(path)
    return explorer


def _unrolled_json(unrolled: Unrolled, index: dict[Value, int], names: dict[Value, str]) -> dict:
    """The time steps for the page: each one's inputs and the state it read (by index, or
    ``[number]``), the state it made, and its nodes."""

    def ref(x: Value | float) -> int | list:
        return index[x] if isinstance(x, Value) else [_json_number(x)]

    cell = unrolled.steps[0]
    return {
        "cell": unrolled.cell,
        "name": unrolled.name,
        "activation": unrolled.activation,
        "hidden": len(cell.h),
        "steps": [
            {
                "name": step.name,
                "inputs": [ref(x) for x in step.inputs],
                "state": [ref(x) for x in step.state],
                "h": [index[v] for v in step.h],
                "c": None if step.c is None else [index[v] for v in step.c],
                "nodes": [index[v] for v in step.nodes],
            }
            for step in unrolled.steps
        ],
        "params": [index[p] for p in unrolled.params],
        "output": names[unrolled.root],
    }


def _network_json(network: Network, index: dict[Value, int], names: dict[Value, str]) -> dict:
    """The network for the page: each neuron's nodes by index, its inputs by index or as
    ``[number]`` when folded in."""

    def ref(x: Value | float) -> int | list:
        return index[x] if isinstance(x, Value) else [_json_number(x)]

    inputs = []
    for i, x in enumerate(network.inputs):
        if isinstance(x, Value):
            inputs.append({"name": names[x], "node": index[x], "value": None})
        else:
            inputs.append({"name": f"x[{i}]", "node": None, "value": _json_number(x)})
    layers = []
    for name, neurons in network.layers:
        layers.append(
            {
                "name": name,
                "inputs": [ref(x) for x in neurons[0].inputs],
                "neurons": [
                    {
                        "name": n.name,
                        "activation": n.activation,
                        "net": index[n.net],
                        "out": index[n.out],
                        "fused": n.net_fused,
                        "weights": [index[w] for w in n.weights],
                        "bias": None if n.bias is None else index[n.bias],
                        "nodes": [index[v] for v in n.nodes],
                    }
                    for n in neurons
                ],
            }
        )
    return {"inputs": inputs, "layers": layers, "output": names[network.root]}


def _check(
    names: dict[Value, str],
    params: Iterable[Value] | None,
    lr: float | None,
    max_nodes: int,
) -> list[Value]:
    """explore's arguments checked, with a message naming what is wrong; returns the params."""
    if (params is None) != (lr is None):
        raise ValueError("explore: give params and lr together (the update step needs both)")
    if lr is not None and (
        isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr)
    ):
        raise ValueError(f"explore: lr must be a finite number, got {lr!r}")
    if len(names) > max_nodes:
        raise ValueError(
            f"explore: the graph has {len(names)} values, more than max_nodes={max_nodes}; "
            "pass a larger max_nodes to explore it anyway (the page gets large)"
        )
    taken: set[str] = set()
    for name in names.values():
        if name in taken:
            raise ValueError(f"explore: two values are both named {name!r}; relabel one")
        taken.add(name)
    update = [] if params is None else list(params)
    for k, p in enumerate(update):
        if not isinstance(p, Value) or p not in names:
            raise ValueError(f"explore: params[{k}] ({p!r}) is not a Value in the graph of root")
        if p.parents:
            raise ValueError(f"explore: params[{k}] ({names[p]}) is not a leaf")
    if len({id(p) for p in update}) != len(update):
        raise ValueError("explore: params lists a Value twice")
    return update


def _backprop(root: Value, values: list[Value], given: dict) -> list[trace.Step]:
    """Every backward step of ``root``, leaving each ``.grad`` as it was.

    ``backward_steps()`` works on ``.grad`` and leaves accumulate onto theirs,
    so the leaves start from 0 here (the page shows one clean pass) and every
    gradient is put back afterwards.
    """
    saved = [v.grad for v in values]
    try:
        for v in values:
            v.grad = 0.0
        return list(trace.backward_steps(root, names=given))
    finally:
        for v, g in zip(values, saved):
            v.grad = g


class _Graph:
    """The graph as the page sees it: Value i is ``values[i]``, the root is 0."""

    def __init__(self, values: list[Value], names: dict[Value, str], steps: list[trace.Step]):
        self.values, self.names, self.steps = values, names, steps
        self.index = {v: i for i, v in enumerate(values)}
        self.records = [_op_record(v) for v in values]
        self.forward_order = [self.index[step.node] for step in reversed(steps)]
        self.formulas = {self.index[s.node]: trace.formula(s.node, names) for s in steps}

    def forward_texts(self) -> list[str]:
        """One text per forward step, in the order the page plays them."""
        return [
            _forward_text(
                self.names[self.values[i]],
                self.formulas[i],
                cast(_OpRecord, self.records[i]),  # forward steps are never leaves
                self.values[i].data,
            )
            for i in self.forward_order
        ]

    def update_texts(self, update: list[Value], lr: float) -> list[str]:
        """One text per parameter update ``p = p - lr × grad``, with the pass's gradients."""
        final_grads = self.final_grads()
        texts = []
        for p in update:
            grad = final_grads.get(p, 0.0)
            texts.append(_update_text(self.names[p], lr, p.data, grad, p.data - lr * grad))
        return texts

    def final_grads(self) -> dict[Value, float]:
        return {u.parent: u.grad_after for step in self.steps for u in step.updates}

    def loss_text(self, update: list[Value], lr: float) -> str:
        """The last position: the forward pass again with the updated parameters,
        ``one step: loss 0.52 → 0.47`` (as the page computes it)."""
        grads = self.final_grads()
        data = {v: v.data for v in self.values if not v.parents}
        for p in update:
            data[p] = p.data - lr * grads.get(p, 0.0)
        for i in self.forward_order:
            record = cast(_OpRecord, self.records[i])
            node = self.values[i]
            if record.custom or record.chooses:
                return PAGE_TEXT["loss_unknown"].format(name=self.names[node])
            xs = [data[x] if isinstance(x, Value) else x for x in record.operands]
            try:
                data[node] = _apply(record.entry, xs)
            except (ArithmeticError, ValueError):
                data[node] = math.nan  # the page shows the problem; the loss is not a number
        root = self.values[0]
        numbers = Numbers()
        before, after = numbers.add(root.data), numbers.add(data[root])
        write = numbers.fit()
        return PAGE_TEXT["loss"].format(before=write(before), after=write(after))

    def nodes_json(self) -> list[dict[str, Any]]:
        """Each Value for the page: a leaf's name and value; else its op and operands
        (another Value's index, or ``[number]`` for a folded one)."""
        nodes = []
        for i, (v, record) in enumerate(zip(self.values, self.records)):
            node: dict[str, Any] = {"name": self.names[v]}
            if record is None:
                node["value"] = _json_number(v.data)
                nodes.append(node)
                continue
            node["op"], node["symbol"] = record.name, record.symbol
            node["notation"], node["formula"] = record.notation, self.formulas[i]
            node["args"] = [
                self.index[x] if isinstance(x, Value) else [_json_number(x)]
                for x in record.operands
            ]
            if record.custom:  # the page cannot compute it: its value travels instead
                node["custom"] = True
                node["value"] = _json_number(v.data)
            if record.chooses:  # its shape follows the data: the page keeps this one
                node["chooses"] = True
                node["value"] = _json_number(v.data)
            nodes.append(node)
        return nodes

    def custom_locals(self) -> dict[str, list[float | str]]:
        """The local derivatives of each custom op's node (and each node that chooses),
        which the page cannot compute."""
        return {
            str(self.index[step.node]): [_json_number(u.local) for u in step.updates]
            for step in self.steps
            if cast(_OpRecord, self.records[self.index[step.node]]).custom
            or cast(_OpRecord, self.records[self.index[step.node]]).chooses
        }


def _page(data: dict, svg: str) -> str:
    script = _asset("explorer.js")
    style = _asset("explorer.css")
    title = html.escape(str(data["title"]), quote=True)
    csp = (
        "default-src 'none'; "
        f"script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
        "img-src 'none'; connect-src 'none'; font-src 'none'; form-action 'none'; "
        "base-uri 'none'"
    )
    diagnostics = (
        '<section><h2>Diagnostics</h2><pre id="diagnosis"></pre></section>'
        if data.get("network") or data.get("recurrent")
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · micrograd explorer</title>
<style>{style}</style>
</head>
<body>
<header><h1>{title}</h1><span class="hint">← → step · space play · Home/End</span></header>
<nav id="controls">
<button id="first" type="button" title="Home">start</button>
<button id="prev" type="button" title="left arrow">◀ back</button>
<button id="play" type="button" title="space">▶ play</button>
<button id="next" type="button" title="right arrow">next ▶</button>
<button id="last" type="button" title="End">end</button>
<input id="scrubber" type="range" min="0" max="0" value="0" aria-label="position">
<span id="position"></span>
<button id="zoom" type="button" title="show the whole graph (wheel: zoom, drag: pan)">whole</button>
<button id="quiz" type="button" title="hide each backward step's results until typed">
quiz: off</button>
<button id="granularity" type="button" title="neurons (the delta rule) or nodes (the chain rule)"
hidden>view</button>
<button id="close" type="button" title="Escape: back to the network" hidden>close neuron</button>
</nav>
<main>
<div id="network" hidden></div>
<div id="graph">{svg}</div>
<aside id="panel">
<section><h2 id="phase"></h2><pre id="text"></pre><div id="problems"></div>
<form id="ask" hidden><label for="reply" id="question"></label>
<input id="reply" type="text" inputmode="decimal" autocomplete="off">
<button type="submit">check</button>
<pre id="score"></pre></form></section>
{diagnostics}
<section id="check"><h2>Finite differences</h2><p id="fd">Pick a leaf below.</p></section>
<section><h2>Leaves</h2><div id="leaves"></div></section>
</aside>
</main>
<script type="application/json" id="micrograd-data">{_script_json(data)}</script>
<script>{script}</script>
</body>
</html>
"""
