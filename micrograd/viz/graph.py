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
need a system ``dot``.  :func:`render` instead runs a renderer itself, and so do
the Digraphs that :func:`draw_dot` returns (their ``pipe()``, ``render()`` and
display in Jupyter): a system Graphviz ``dot`` when there is one, otherwise the
``graphviz-pure`` program that ``pip install micrograd-stepwise`` brings in.  With
neither, it raises :class:`RendererNotFound` saying how to install one, and ``.dot`` output (and
``draw_dot(...).source``) still works.
"""

from __future__ import annotations

import base64
import itertools
import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from html import escape as html_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from micrograd.engine import Value
from micrograd.files import write_bytes
from micrograd.trace import Step, node_names, op_entry, operands

# graphviz is imported when a graph is first drawn, not here: the command line imports this
# module, and `micrograd demo` runs where graphviz is not installed (a wheel installed with
# --no-deps, a checkout on PYTHONPATH).
if TYPE_CHECKING:
    import graphviz

__all__ = [
    "INLINE_MAX_NODES",
    "INLINE_TIMEOUT",
    "MAX_NODES",
    "RendererNotFound",
    "draw_dot",
    "find_renderer",
    "jupyter_bundle",
    "levels",
    "render",
    "show_in_ipython",
    "step_bundle",
    "to_svg",
]

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
    names: Mapping[Any, Any] | None = None,
    *,
    compact: bool = False,
    wrap: int | None = None,
) -> graphviz.Digraph:
    """The computation graph of ``root`` as a :class:`graphviz.Digraph`.

    Args:
        root: the output Value; everything it depends on is drawn.
        rankdir: "LR" (left to right, default) or "TB" (top to bottom).
        max_nodes: refuse graphs with more Values than this (ValueError).
        highlight: Values to draw with a thick outline, and the edges between
            them (used by :func:`draw_step`).
        legend: add a caption explaining the colours.
        names: names for some or all Values, ``{value: name}`` or ``{name: value}``
            (``dict(model.named_parameters())``); the others get the names that steps
            and traces use (see :func:`~micrograd.trace.node_names`).
        compact: each box stacks its name, data and grad, ops are small circles and
            the gaps are tight: about a third of the width (the explorer draws so).
        wrap: lay a deep graph out in rows of this many levels, as text wraps: a
            Value's level is one past its latest operand's (a leaf sits just before
            its first use), and an edge into a later row is drawn without pulling
            the rows together.  None (default): one row, however deep.

    Node names come from the traversal order (v0 is root), so the same graph
    gives the same DOT source in any process.

    >>> dot = draw_dot(Value(2.0, label="a").exp())
    >>> dot.source.count("shape=record"), "label=exp" in dot.source
    (2, True)
    >>> w = Value(0.5)
    >>> "{ weight |" in draw_dot(w * 2, names={"weight": w}).source
    True
    >>> y = Value(1.0, label="x")
    >>> for _ in range(5):
    ...     y = y.tanh()
    >>> draw_dot(y, compact=True, wrap=3).source.count("constraint=false")  # rows of 3 levels
    1
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    if wrap is not None and (isinstance(wrap, bool) or not isinstance(wrap, int) or wrap < 1):
        raise ValueError(
            f"draw_dot: wrap must be a whole number of levels, 1 or more, got {wrap!r}"
        )
    shown = node_names(root, names)  # the names given, labels, or names such as mul2
    if len(shown) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(shown)} values, more than max_nodes={max_nodes}; "
            "pass a larger max_nodes to draw it anyway (layout may take a while), "
            "or draw a part of it by passing an inner Value as the root"
        )
    values = list(shown)  # depth-first from the root, the same order in any process
    ids = {v: f"v{i}" for i, v in enumerate(values)}
    marked = set(highlight)
    largest = max((abs(v.grad) for v in values if math.isfinite(v.grad)), default=0.0)
    row = {v: 0 for v in values}
    if wrap is not None:
        row = {v: level // wrap for v, level in levels(root).items()}
        values.sort(key=lambda v: row[v])  # stable: a row's Values first, so rows stack in order

    # compact: a leaf that many ops read (a weight used at every time step) stands before
    # its first reader, and its edges to the later ones do not pull the ranks together:
    # they would stretch across the whole graph, and the layout time with them
    loose: set[tuple[Value, Value]] = set()
    if compact:
        readers: dict[Value, list[Value]] = {}
        for v in values:
            for p in dict.fromkeys(v.parents):
                if not p.parents:
                    readers.setdefault(p, []).append(v)
        many = {p: vs for p, vs in readers.items() if len(vs) > _SHARED}
        if many:
            level = levels(root)
            for p, vs in many.items():
                first = min(vs, key=lambda v: level[v])
                loose.update((p, v) for v in vs if v is not first)
    graph_attr = {"rankdir": rankdir}
    if compact:
        graph_attr.update(nodesep="0.12", ranksep="0.2")
    if wrap is not None:  # right angles: an edge into the next row runs back along the gap
        graph_attr.update(splines="ortho")
    dot = _drawing_class()(graph_attr=graph_attr)
    dot.attr("node", fontname="Helvetica", fontsize="11")
    small = {"margin": "0.02", "width": "0.3", "height": "0.3"} if compact else {}
    for v in values:
        style = {"penwidth": "3", "color": "#e0a000"} if v in marked else {}
        if compact:  # a table, not a record: Graphviz cannot route an edge within a rank to one
            dot.node(ids[v], label=_stacked_label(shown[v], v, largest, v in marked), shape="plain")
        else:
            fields = f"{escape_label(shown[v])} | data {_number(v.data)} | grad {_number(v.grad)}"
            dot.node(
                ids[v],
                label=f"{{ {fields} }}",
                shape="record",
                style="filled",
                fillcolor=_grad_colour(v.grad, largest),
                **style,
            )
        if v.parents:
            op_name = ids[v] + "_op"
            # The op lights up only when the step is at this node (its parents marked too).
            op_style = style if any(p in marked for p in v.parents) else {}
            dot.node(op_name, label=escape_label(_op_text(v)), shape="oval", **small, **op_style)
            dot.edge(op_name, ids[v], **op_style)
            # compact: an op's many leaves stand in columns of at most _COLUMN, not one tall one
            leaves = [p for p in dict.fromkeys(v.parents) if not p.parents and (p, v) not in loose]
            columns = min(_COLUMNS, -(-len(leaves) // _COLUMN)) if compact else 1
            for parent in v.parents:
                both = v in marked and parent in marked
                lit = {"penwidth": "3", "color": "#e0a000"} if both else {}
                free = {}
                if row[parent] != row[v] or (parent, v) in loose:
                    free["constraint"] = "false"
                elif columns > 1 and parent in leaves:
                    free["minlen"] = str(1 + leaves.index(parent) % columns)
                dot.edge(ids[parent], op_name, **lit, **free)
    if wrap is not None:
        _stack_rows(dot, values, ids, row)
    if legend:
        dot.attr(
            label="fill: blue = positive grad, red = negative, white = 0; deeper = larger |grad|",
            fontname="Helvetica",
            fontsize="10",
        )
    return dot


def _stack_rows(
    dot: Any, values: list[Value], ids: dict[Value, str], row: dict[Value, int]
) -> None:
    """Rows one under the other, in order: an invisible spine of one point per row, all in
    the first rank and joined in order (Graphviz keeps such a chain's order across the rank),
    each tied to its row's first Values so the row stays beside it."""
    rows = sorted(set(row.values()))
    if len(rows) < 2:
        return
    heads: dict[int, list[Value]] = {}
    for v in values:
        if not v.parents or all(row[p] != row[v] for p in v.parents):
            heads.setdefault(row[v], []).append(v)  # where the row starts
    with dot.subgraph() as spine:
        spine.attr(rank="min")
        for r in rows:
            spine.node(f"row{r}", shape="point", style="invis", width="0", height="0")
        for above, below in itertools.pairwise(rows):
            spine.edge(f"row{above}", f"row{below}", style="invis")
    for r in rows:
        for v in heads.get(r, []):
            dot.edge(f"row{r}", ids[v] if not v.parents else ids[v] + "_op", style="invis")


_SHARED = 2  # a leaf read by more ops than this is "shared" in a compact drawing
_COLUMN = 6  # the most leaves of one op that a compact drawing stacks in one column...
_COLUMNS = 4  # ...while it has at most this many columns of them (a long sum stays quick)


def _stacked_label(name: str, v: Value, largest: float, marked: bool) -> str:
    """A compact box as a Graphviz HTML-like label: name, data and grad, one above the other."""
    text = html_escape(_NOT_XML.sub("\ufffd", str(name)), quote=True)
    border = 'BORDER="3" COLOR="#e0a000"' if marked else 'BORDER="1"'
    rows = "<HR/>".join(  # wide enough for "grad -1.235e-05", as the explorer writes numbers
        f'<TR><TD WIDTH="78">{cell}</TD></TR>'
        for cell in (text, f"data {_number(v.data)}", f"grad {_number(v.grad)}")
    )
    colour = _grad_colour(v.grad, largest)
    return (
        f'<<TABLE {border} CELLBORDER="0" CELLSPACING="0" CELLPADDING="1" '
        f'BGCOLOR="{colour}">{rows}</TABLE>>'
    )


def levels(root: Value) -> dict[Value, int]:
    """Each Value's level when the graph reads from its leaves to ``root``: a node one
    past its latest non-leaf operand (1 with none), a leaf one before its first use.

    >>> x = Value(2.0, label="x")
    >>> y = (x * 3).exp() + x
    >>> {name: levels(y)[v] for v, name in node_names(y).items()}
    {'add1': 3, 'exp2': 2, 'mul3': 1, 'x': 0}
    """
    order: list[Value] = []  # each node after its operands
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if p not in seen)
    level: dict[Value, int] = {}
    first_use: dict[Value, int] = {}
    for node in order:
        if not node.parents:
            continue
        level[node] = 1 + max((level[p] for p in node.parents if p.parents), default=0)
        for p in node.parents:
            if not p.parents:
                first_use[p] = min(first_use.get(p, level[node]), level[node])
    for node in order:
        if not node.parents:
            level[node] = first_use.get(node, 1) - 1
    return level


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

    >>> Path(find_renderer()).name in ("dot", "graphviz-pure")  # pip brings graphviz-pure
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
    "no Graphviz renderer found: `pip install graphviz-pure` (a dependency of "
    "micrograd-stepwise) or "
    "install Graphviz's `dot` (e.g. `apt-get install graphviz`); meanwhile a .dot file or "
    "draw_dot(value).source still gives the DOT source"
)


def _pipe(source: str, fmt: str, timeout: float = 300, engine: str = "dot") -> bytes:
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
        layout = [] if engine == "dot" else [f"-K{engine}"]
        done = subprocess.run(
            [program, *layout, f"-T{fmt}"],
            input=source.encode(),
            capture_output=True,
            timeout=timeout,
        )
    except OSError as error:
        raise RendererNotFound(f"{_NO_RENDERER} ({program}: {error})") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip() or "no message"
        raise RuntimeError(f"{program} failed (exit {done.returncode}): {message}")
    _check_output(program, fmt, done.stdout)
    return done.stdout


# What the start of each picture format looks like, to refuse a renderer's garbage.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check_output(program: str, fmt: str, output: bytes) -> None:
    """A RuntimeError if a renderer that exited 0 gave no picture: nothing at all, an SVG
    that is not well-formed XML with an <svg> root, or a PNG without its signature.
    (Written as it was, such output would be a broken file reported as written.)"""
    kind = fmt.split(":")[0]
    if not output:
        why = "no output"
    elif kind == "png" and not output.startswith(_PNG_SIGNATURE):
        why = "output that is not a PNG"
    elif kind == "svg" and not _is_svg(output):
        why = "output that is not SVG"
    else:
        return
    raise RuntimeError(f"{program} exited 0 but gave {why}; is it Graphviz's dot?")


def _is_svg(output: bytes) -> bool:
    try:
        root = ElementTree.fromstring(output)
    except ElementTree.ParseError:
        return False
    return root.tag in ("svg", "{http://www.w3.org/2000/svg}svg")


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
    write_bytes(path, data)  # whole or not at all: Ctrl-C or a full disk keeps the old file
    return path


class _RenderedByMicrograd:
    """What the Digraphs from :func:`draw_dot` do differently from graphviz's own:
    ``pipe()`` and ``render()`` (and so Jupyter's display and ``view()``) run the
    renderer that :func:`find_renderer` picks, so a machine with only
    ``graphviz-pure`` draws them.  Everything else is :class:`graphviz.Digraph`'s.
    """

    # Provided by graphviz.Digraph, which this is mixed into.
    source: str
    format: str
    engine: str
    renderer: str | None
    formatter: str | None
    directory: str

    if TYPE_CHECKING:  # only a declaration: at run time graphviz.Digraph.save is the one

        def save(
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            *,
            skip_existing: bool | None = False,
        ) -> str: ...

    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> Any:
        """The picture as bytes (as text if ``encoding`` is given), like
        :meth:`graphviz.Digraph.pipe`, drawn by micrograd's renderer.

        >>> svg = draw_dot(Value(1.0, label="a")).pipe("svg", encoding="utf-8")
        >>> svg.startswith("<?xml") and ">a</text>" in svg
        True
        """
        if neato_no_op:
            raise ValueError("Digraph.pipe: neato_no_op is not supported by micrograd's renderer")
        parts = (format or self.format, renderer or self.renderer, formatter or self.formatter)
        fmt = ":".join(part for part in parts if part)  # dot's -Tformat:renderer:formatter
        data = _pipe(self.source, fmt, engine=engine or self.engine)
        return data if encoding is None else data.decode(encoding)

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the DOT source and write the picture beside it, like
        :meth:`graphviz.Digraph.render`, drawn by micrograd's renderer.
        Returns the picture's path.

        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> path = draw_dot(Value(1.0).exp()).render(outfile=folder / "g.svg")
        >>> pathlib.Path(path).read_text().startswith("<?xml")
        True
        """
        import graphviz

        target = None if outfile is None else Path(outfile)
        if target is not None:
            if format is None:
                format = target.suffix.lstrip(".").lower()
                if not format:
                    raise ValueError(f"Digraph.render: give a format or a suffix for {target}")
            if directory is None:
                target = Path(self.directory, target)
            if filename is None:
                filename = target.with_suffix(".gv")
        format = format or self.format
        source_path = Path(self.save(filename, directory=directory))
        if target is None:
            suffix = ".".join(p for p in (formatter, renderer, format) if p)
            target = source_path.with_name(f"{source_path.name}.{suffix}")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(target)!r}")
        if not overwrite_source and target.resolve() == source_path.resolve():
            raise ValueError(f"Digraph.render: outfile {target.name!r} would overwrite the source")
        picture = self.pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine)
        write_bytes(target, picture)
        if cleanup:
            source_path.unlink()
        if view or quiet_view:
            # graphviz's own viewer launcher (xdg-open, open, startfile): not a renderer.
            self._view(target, format=format, quiet=quiet_view)  # type: ignore[attr-defined]
        return os.fspath(target)


_DRAWING: type[graphviz.Digraph] | None = None


def _drawing_class() -> type[graphviz.Digraph]:
    """graphviz.Digraph with micrograd's renderer mixed in (what draw_dot returns), made
    when a graph is first drawn."""
    global _DRAWING
    if _DRAWING is None:
        import graphviz

        _DRAWING = type(
            "Digraph",
            (_RenderedByMicrograd, graphviz.Digraph),
            {"__module__": __name__, "__doc__": _RenderedByMicrograd.__doc__},
        )
    return _DRAWING


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

INLINE_MAX_NODES = 200
"""The most Values a Value or a Step draws itself with when Jupyter displays it.

Past this the picture is too big to read (about 1.6 KB of SVG per Value, all kept
in the notebook) and its layout can take minutes, so Jupyter shows text saying
how to see the graph instead.  ``draw_dot(v, max_nodes=...)`` draws any size asked for.
To change it, set ``micrograd.viz.graph.INLINE_MAX_NODES``.
"""
INLINE_TIMEOUT = 5.0
"""Seconds a Jupyter display waits for the layout before showing text instead.
Layout time depends on the shape, not only the size: a chain where every layer
reuses the input takes seconds at 120 Values, a 400-Value MLP a fifth of a second."""


def _more_values_than(root: Value, limit: int) -> bool:
    """Whether the graph under root has more than ``limit`` Values.  It stops counting
    there, so asking about a million-Value loss costs no more than about a small graph."""
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                if len(seen) >= limit:
                    return True
                seen.add(parent)
                stack.append(parent)
    return False


def _hint(root: str, draw: str, why: str) -> str:
    return (
        f"({why}. See it as text with print({root}.tree()), step through it in a page with "
        f"micrograd.viz.explore({root}, 'graph.html'), or draw it anyway with "
        f"micrograd.viz.render({root}, 'graph.svg', max_nodes=N) or {draw}.)"
    )


_TOO_BIG = "the graph has more than {} values, too many to draw inline"
_TOO_SLOW = "laying the graph out took longer than {:g} s, so it is not drawn inline"
_CANNOT_DRAW = (RendererNotFound, RuntimeError, ValueError, ImportError)


def _inline_svg(root: Value, highlight: Iterable[Value] = ()) -> str:
    source = draw_dot(root, highlight=highlight, max_nodes=INLINE_MAX_NODES).source
    return _pipe(source, "svg", timeout=INLINE_TIMEOUT).decode()


def jupyter_bundle(value: Value) -> dict[str, str]:
    """What Jupyter shows for a Value: its graph as SVG when it has at most
    :data:`INLINE_MAX_NODES` Values and lays out within :data:`INLINE_TIMEOUT`,
    else text saying how to see it.  Empty when it can't be drawn (no renderer),
    so Jupyter shows ``repr(value)``.

    >>> sorted(jupyter_bundle(Value(2.0, label="x").exp()))
    ['image/svg+xml']
    >>> big = sum(Value(float(i)) for i in range(300))
    >>> print(jupyter_bundle(big)["text/plain"])  # doctest: +ELLIPSIS
    Value(data=44850.0, ...)
    (the graph has more than 200 values, too many to draw inline. See it as text ...)
    """
    draw = "draw_dot(v, max_nodes=N)"
    if _more_values_than(value, INLINE_MAX_NODES):
        why = _TOO_BIG.format(INLINE_MAX_NODES)
        return {"text/plain": f"{value!r}\n{_hint('v', draw, why)}"}
    try:
        return {"image/svg+xml": _inline_svg(value)}
    except subprocess.TimeoutExpired:
        why = _TOO_SLOW.format(INLINE_TIMEOUT)
        return {"text/plain": f"{value!r}\n{_hint('v', draw, why)}"}
    except _CANNOT_DRAW:
        return {}


def _step_text(step: Step) -> str:
    """``str(step)``, and for a graph too big to draw inline, how to see it."""
    if not _more_values_than(step.root, INLINE_MAX_NODES):
        return str(step)
    why = _TOO_BIG.format(INLINE_MAX_NODES)
    return f"{step}\n{_hint('step.root', 'micrograd.viz.draw_step(step, max_nodes=N)', why)}"


def step_bundle(step: Step) -> dict[str, str]:
    """What Jupyter shows for a :class:`~micrograd.trace.Step`: ``str(step)``, and
    as HTML the same text above the graph with the step highlighted when the graph
    is small enough to draw (as for a Value: see :func:`jupyter_bundle`).

    >>> x = Value(3.0, label="x")
    >>> bundle = step_bundle(next((x * x).backward_steps()))
    >>> print(bundle["text/plain"])
    mul1 = x * x: upstream dmul1/dmul1 = 1 -> dmul1/dx: local dmul1/dx = x = 3, ...
    >>> '<img src="data:image/svg+xml;base64,' in bundle["text/html"]
    True
    """
    text = _step_text(step)
    if text != str(step):  # too big to draw
        return {"text/plain": text}
    try:
        svg = _inline_svg(step.root, (step.node, *(u.parent for u in step.updates)))
    except subprocess.TimeoutExpired:
        why = _TOO_SLOW.format(INLINE_TIMEOUT)
        slow = f"{text}\n{_hint('step.root', 'micrograd.viz.draw_step(step, max_nodes=N)', why)}"
        return {"text/plain": text, "text/html": f"<pre>{html_escape(slow)}</pre>"}
    except _CANNOT_DRAW:
        return {"text/plain": text}
    picture = base64.b64encode(svg.encode()).decode()
    html = (  # an <img>, not inline SVG: each picture keeps its own ids and styles
        f'<pre style="white-space: pre-wrap">{html_escape(text)}</pre>'
        f'<img src="data:image/svg+xml;base64,{picture}" alt="the graph, this step highlighted">'
    )
    return {"text/plain": text, "text/html": html}


def show_in_ipython(shell: Any) -> None:
    """Tell an IPython shell to show Values as their graphs and Steps as their text
    and graph (the engine and trace hold no display code: this layer tells IPython how).

    ``import micrograd`` arranges for this to run the first time a Jupyter shell
    displays a Value or a Step, so you need not call it.

    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> show_in_ipython(shell)
    >>> "image/svg+xml" in shell.display_formatter.format(Value(2.0).exp())[0]
    True
    >>> InteractiveShell.clear_instance()
    """
    display = shell.display_formatter

    # A terminal shows only text: drawing there would be work thrown away.
    def show_value(value: Value) -> dict[str, str] | None:
        return jupyter_bundle(value) if "image/svg+xml" in display.active_types else None

    def show_step(step: Step) -> dict[str, str] | None:
        return step_bundle(step) if "text/html" in display.active_types else None

    def step_text(step: Step, printer: Any, cycle: bool) -> None:
        printer.text(_step_text(step) if "text/html" in display.active_types else str(step))

    display.mimebundle_formatter.for_type(Value, show_value)
    display.mimebundle_formatter.for_type(Step, show_step)
    # A Step is a tuple, and IPython's own printer for tuples would win over the bundle's text.
    display.formatters["text/plain"].for_type(Step, step_text)
