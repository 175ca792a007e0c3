"""Draw computation graphs: DOT source, SVG and PNG files, inline in Jupyter.

:func:`draw_dot` returns a :class:`graphviz.Digraph` (the DOT source, to keep
or restyle); :func:`render` writes a picture:

    >>> from micrograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * 3).tanh()
    >>> y.label = "y"
    >>> y.backward()
    >>> print(draw_dot(y).source)  # doctest: +ELLIPSIS
    digraph {
    ...
        v0 [label="{ y | data 1.0000 | grad 1.0000 }" fillcolor=... shape=record style=filled]
        v0_op [label=tanh shape=oval]
    ...
        v1_op [label="* 3" shape=oval]
    ...

and ``render(y, "y.svg")`` writes the picture (``.svg``, ``.png`` or ``.dot``).

Every Value is a box showing its label (or, unlabelled, the name that steps and
traces use, such as ``mul2``), data and grad (4 decimals); every op
is a small oval between its inputs and its output.  A box's colour shows its
gradient: **blue** for positive, **red** for negative, white for zero, and
deeper for a larger ``|grad|`` relative to the largest in the graph.

Rendering: the ``graphviz`` package's own ``Digraph.pipe()`` and ``render()``
need a system ``dot``.  :func:`render` instead runs a renderer itself: a system
Graphviz ``dot`` when there is one, otherwise the ``graphviz-pure`` program
that ``pip install micrograd`` brings in.  With neither, it raises
:class:`RendererNotFound` saying how to install one, and ``.dot`` output (and
``draw_dot(...).source``) still works.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from micrograd.engine import Value
from micrograd.trace import Step, node_names, op_entry, operands

if TYPE_CHECKING:  # the graphviz package is imported only when a graph is drawn
    import graphviz

__all__ = ["MAX_NODES", "RendererNotFound", "draw_dot", "find_renderer", "render", "to_svg"]

MAX_NODES = 5000
"""The most Values :func:`draw_dot` draws unless told otherwise (layout gets slow past this)."""


class RendererNotFound(RuntimeError):
    """Neither a system Graphviz ``dot`` nor ``graphviz-pure`` could be found.

    The message says how to install one; ``.dot`` output needs neither.
    """


# --- The graph --------------------------------------------------------------------


_RECORD_SPECIALS = str.maketrans(
    {
        "\\": "\\\\",
        "{": "\\{",
        "}": "\\}",
        "|": "\\|",
        "<": "\\<",
        ">": "\\>",
        '"': '\\"',
        "&": "&amp;",
        "\n": " ",
        "\r": " ",
        "\t": " ",
    }
)


# What XML 1.0 cannot hold: control characters other than tab, newline and carriage return,
# lone surrogates (they cannot even be encoded as UTF-8), and U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape_label(text: str) -> str:
    """Text made literal inside a Graphviz record label (and valid in the SVG).

    Characters that XML cannot hold (NUL, U+FFFF, a lone surrogate...) become U+FFFD, the
    replacement character, so a drawing of any label is well-formed SVG.

    >>> escape_label('<b> & {a|b}')
    '\\\\<b\\\\> &amp; \\\\{a\\\\|b\\\\}'
    >>> escape_label("a\\x00b\\uffff") == "a\\ufffdb\\ufffd"
    True
    """
    return _NOT_XML.sub("\ufffd", str(text)).translate(_RECORD_SPECIALS)


def _number(x: float) -> str:
    return f"{x:.4f}"


def _op_text(node: Value) -> str:
    """The op as drawn: 'tanh', or '* 3' (and '2 -') with a folded number."""
    kind, constant = op_entry(node), node.constant
    if kind is None or not isinstance(constant, float):  # none, or a fused node's inputs
        return node.op
    if not isinstance(operands(node)[0], Value):
        return f"{constant:g} {kind.symbol}"
    return f"{kind.symbol} {constant:g}"


def _grad_colour(grad: float, largest: float) -> str:
    """White at 0, deepening to blue (positive) or red (negative) at the largest |grad|."""
    if not grad or not largest or not math.isfinite(grad):
        return "#ffffff"
    strength = min(1.0, abs(grad) / largest) ** 0.5  # square root: small grads stay visible
    full = (0x3A, 0x76, 0xC4) if grad > 0 else (0xD0, 0x4A, 0x3C)
    channels = (round(255 + (c - 255) * strength * 0.85) for c in full)
    return "#" + "".join(f"{c:02x}" for c in channels)


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    max_nodes: int = MAX_NODES,
    highlight: Iterable[Value] = (),
    legend: bool = False,
) -> graphviz.Digraph:
    """The computation graph of ``root`` as a :class:`graphviz.Digraph`.

    Args:
        root: the output Value; everything it depends on is drawn.
        rankdir: "LR" (left to right, default) or "TB" (top to bottom).
        max_nodes: refuse graphs with more Values than this (ValueError).
        highlight: Values to draw with a thick outline, and the edges between
            them (used by :meth:`~micrograd.engine.Step.draw`).
        legend: add a caption explaining the colours.

    Node names come from the traversal order (v0 is root), so the same graph
    gives the same DOT source in any process.

    >>> dot = draw_dot(Value(2.0, label="a").exp())
    >>> dot.source.count("shape=record"), "label=exp" in dot.source
    (2, True)
    """
    import graphviz

    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    shown = node_names(root)  # labels, or the names that steps and traces use (mul2)
    if len(shown) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(shown)} values, more than max_nodes={max_nodes}; "
            "pass a larger max_nodes to draw it anyway (layout may take a while), "
            "or draw a part of it by passing an inner Value as the root"
        )
    values = list(shown)  # depth-first from the root, the same order in any process
    names = {v: f"v{i}" for i, v in enumerate(values)}
    marked = set(highlight)
    largest = max((abs(v.grad) for v in values if math.isfinite(v.grad)), default=0.0)

    dot = graphviz.Digraph(graph_attr={"rankdir": rankdir})
    dot.attr("node", fontname="Helvetica", fontsize="11")
    for v in values:
        label = f"{{ {escape_label(shown[v])} | data {_number(v.data)} | grad {_number(v.grad)} }}"
        style = {"penwidth": "3", "color": "#e0a000"} if v in marked else {}
        dot.node(
            names[v],
            label=label,
            shape="record",
            style="filled",
            fillcolor=_grad_colour(v.grad, largest),
            **style,
        )
        if v.parents:
            op_name = names[v] + "_op"
            # The op lights up only when the step is at this node (its parents marked too).
            op_style = style if any(p in marked for p in v.parents) else {}
            dot.node(op_name, label=escape_label(_op_text(v)), shape="oval", **op_style)
            dot.edge(op_name, names[v], **op_style)
            for parent in v.parents:
                both = v in marked and parent in marked
                dot.edge(
                    names[parent],
                    op_name,
                    **({"penwidth": "3", "color": "#e0a000"} if both else {}),
                )
    if legend:
        dot.attr(
            label="fill: blue = positive grad, red = negative, white = 0; deeper = larger |grad|",
            fontname="Helvetica",
            fontsize="10",
        )
    return dot


# --- Rendering ----------------------------------------------------------------------


def _scripts_dirs() -> list[Path]:
    """Where pip puts programs for this Python (a virtualenv's bin/ need not be on PATH)."""
    dirs = [Path(sys.executable).parent]
    scripts = sysconfig.get_path("scripts")
    if scripts:
        dirs.append(Path(scripts))
    return dirs


def find_renderer() -> str | None:
    """The program that will turn DOT into pictures, or None.

    Order: ``$MICROGRAD_DOT`` if set; a system Graphviz ``dot`` on PATH; the
    ``graphviz-pure`` program on PATH or beside this Python.

    >>> Path(find_renderer()).name in ("dot", "graphviz-pure")  # after pip install micrograd
    True
    """
    override = os.environ.get("MICROGRAD_DOT")
    if override:
        return shutil.which(override)
    for name in ("dot", "graphviz-pure"):
        found = shutil.which(name)
        if found:
            return found
    for directory in _scripts_dirs():
        found = shutil.which("graphviz-pure", path=str(directory))
        if found:
            return found
    return None


_NO_RENDERER = (
    "no Graphviz renderer found: `pip install graphviz-pure` (a dependency of micrograd) or "
    "install Graphviz's `dot` (e.g. `apt-get install graphviz`); meanwhile a .dot file or "
    "draw_dot(value).source still gives the DOT source"
)


def _pipe(source: str, fmt: str) -> bytes:
    program = find_renderer()
    if program is None:
        override = os.environ.get("MICROGRAD_DOT")
        if override:  # the user chose this program: the fix is there, not in installing one
            raise RendererNotFound(
                f"no Graphviz renderer found: MICROGRAD_DOT={override!r} names a program that "
                "does not exist "
                "(or is not executable); point it at Graphviz's `dot` or `graphviz-pure`, "
                "or unset it"
            )
        raise RendererNotFound(_NO_RENDERER)
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"], input=source.encode(), capture_output=True, timeout=300
        )
    except OSError as error:
        raise RendererNotFound(f"{_NO_RENDERER} ({program}: {error})") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or "no message"
        raise RuntimeError(f"{program} failed (exit {done.returncode}): {message}")
    return done.stdout


def to_svg(root: Value | graphviz.Digraph, **draw_options) -> str:
    """The graph as SVG text (``root`` may also be a Digraph from :func:`draw_dot`).

    >>> svg = to_svg(Value(1.0, label="a") * 2)
    >>> svg.startswith("<?xml") and ">a</text>" in svg
    True
    """
    dot = root if not isinstance(root, Value) else draw_dot(root, **draw_options)
    return _pipe(dot.source, "svg").decode()


_FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}


def render(root: Value | graphviz.Digraph, path: str | Path, **draw_options) -> Path:
    """Write the graph of ``root`` to ``path``: .svg, .png or .dot, by its suffix.

    ``draw_options`` go to :func:`draw_dot`.  Returns the path written.

    Raises:
        ValueError: an unknown suffix.
        RendererNotFound: for .svg or .png with no renderer (.dot needs none).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> render(Value(1.0).tanh(), folder / "graph.dot").read_text().startswith("digraph")
    True
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"render: {path.name} should end in .svg, .png or .dot")
    dot = root if not isinstance(root, Value) else draw_dot(root, **draw_options)
    data = dot.source.encode() if fmt == "dot" else _pipe(dot.source, fmt)
    path.write_bytes(data)
    return path


def draw_step(step: Step, **options: Any) -> graphviz.Digraph:
    """The whole graph with one backprop step highlighted: the step's node and
    its edges to its parents.  Options go to :func:`draw_dot`.

    >>> x = Value(3.0, label="x")
    >>> step = next((x * x).backward_steps())
    >>> "penwidth" in draw_step(step).source
    True
    """
    options.setdefault("highlight", (step.node, *(u.parent for u in step.updates)))
    return draw_dot(step.root, **options)


# --- Jupyter ------------------------------------------------------------------------


def jupyter_bundle(value: Value) -> dict[str, str]:
    """An SVG of the graph, or nothing (so Jupyter shows the text) when it can't be drawn."""
    try:
        return {"image/svg+xml": to_svg(value)}
    except (RendererNotFound, RuntimeError, ValueError, ImportError, subprocess.TimeoutExpired):
        return {}


def _show_in_ipython() -> None:
    """Inside IPython or Jupyter, show Values as their graphs (the engine holds no
    display code: this layer tells IPython how, when it is imported there)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    svg = shell.display_formatter.formatters["image/svg+xml"]
    svg.for_type(Value, lambda value: jupyter_bundle(value).get("image/svg+xml"))


_show_in_ipython()
