"""The ``micrograd`` command (also ``python -m micrograd``).

    micrograd graph "tanh(x * w + b)" --value x=0.5 --value w=-2 --value b=1 -o graph.svg

builds the expression from labelled Values, runs backward, prints each input's
gradient and writes the picture.  The expression is parsed with :mod:`ast`
against a whitelist (names, numbers, ``+ - * / **``, unary minus, and calls to
a few functions); nothing in it is ever executed as Python.
"""

from __future__ import annotations

import argparse
import ast
import io
import math
import operator
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import tokenize
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, cast

from micrograd.engine import OPS, Value
from micrograd.trace import node_names
from micrograd.viz import RendererNotFound, draw_step, explore, render
from micrograd.viz.graph import MAX_NODES

# Any install (`pip install -e .` too) makes the top-level demos/ folder the package
# micrograd.demos; a checkout merely on PYTHONPATH has none, and `micrograd demo` says so.
# (Only its list of names loads here; a demo's own module loads when it runs.)
_installed_demos: ModuleType | None
try:  # mypy reads micrograd/ only, not demos/
    import micrograd.demos as _installed_demos  # type: ignore[import-not-found,no-redef,unused-ignore]
except ModuleNotFoundError as error:
    if error.name != "micrograd.demos":
        raise
    _installed_demos = None

# The one-operand functions of the engine's catalogue: a new op is callable here unasked.
FUNCTIONS = tuple(name for name, op in OPS.items() if op.notation == "call" and op.arity == 1)
# The catalogue's infix ops by symbol, each applied through its operator (operator.__add__),
# so that a folded number on the left (2 - x) reaches Value's reflected method, as in Python;
# and keyed by the ast class Python parses their symbol to (a + b: ast.Add).
_INFIX_BY_SYMBOL: dict[str, Callable[[Any, Any], Any]] = {
    op.symbol: getattr(operator, cast(Callable, op.apply).__name__)
    for op in OPS.values()
    if op.notation == "infix"
}
_INFIX = {
    type(cast(ast.BinOp, ast.parse(f"a {symbol} b", mode="eval").body).op): apply
    for symbol, apply in _INFIX_BY_SYMBOL.items()
}


class UsageError(Exception):
    """A bad command line: reported on one line, exit code 2."""


def parse_expression(text: str, values: dict[str, Value]) -> Value:
    """Build ``text`` from the given Values, allowing only whitelisted syntax.

    >>> x = Value(2.0, label="x")
    >>> parse_expression("tanh(x) * 2 - x ** 2", {"x": x}).data  # doctest: +ELLIPSIS
    -2.07...
    >>> parse_expression("2 * 3", {})  # no inputs: still a Value
    Value(data=6.0, grad=0.0)
    >>> parse_expression("__import__('os')", {})
    Traceback (most recent call last):
    ...
    micrograd.cli.UsageError: calls are limited to exp, log, tanh, sigmoid, relu, abs, sin, cos
    """
    text = text.strip()  # a leading space is no indent here
    surrogate = re.search("[\ud800-\udfff]", text)
    if surrogate:  # a byte that is not UTF-8, as Python passes it on in sys.argv
        code = ord(surrogate[0])
        what = f"the byte 0x{code - 0xDC00:x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        raise UsageError(f"the expression is not UTF-8 text: it holds {what}")
    try:
        built = _parse_and_build(text, values)
    except _TooLong:
        # Python's parser recurses once an operator: a flat 3,000-term sum is too deep
        # for it.  Such a chain is split at its operators and added up left to right,
        # as Python would; only an expression nested that deep is refused.
        built = _chain(text, values, _SUMS)
    return built if isinstance(built, Value) else Value(built)  # a constant, such as "2 * 3"


class _TooLong(Exception):
    """Python's parser, or _build, ran out of recursion on this text."""


def _parse_and_build(text: str, values: dict[str, Value]) -> Value | float:
    text = text.strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise UsageError(f"cannot parse the expression: {error.msg}") from None
    except ValueError as error:  # a NUL character
        raise UsageError(f"cannot parse the expression: {error}") from None
    except (RecursionError, MemoryError):
        raise _TooLong from None
    for node in ast.walk(tree):
        number = node.value if isinstance(node, ast.Constant) else None
        if isinstance(number, (int, float)) and not _is_finite(number):
            shown = ast.get_source_segment(text, node) or "a number"
            shown = shown if len(shown) <= 30 else shown[:27] + "..."
            raise UsageError(f"{shown} is not a finite number")
    try:
        return _build(tree.body, values)
    except RecursionError:
        raise _TooLong from None


# The levels at which a long flat chain is split: + and - first (they bind loosest),
# then * and /; each piece is parsed on its own and the pieces are combined left to right.
_SUMS, _PRODUCTS = ("+", "-"), ("*", "/")
_OPERAND_ENDS = (tokenize.NAME, tokenize.NUMBER)


def _chain(text: str, values: dict[str, Value], symbols: tuple[str, ...]) -> Value | float:
    """``text`` built as a chain of pieces joined by ``symbols`` at the top level."""
    pieces, joins = _split(text, symbols)
    if len(pieces) < 2:
        if symbols == _SUMS:
            return _chain(text, values, _PRODUCTS)
        raise UsageError("the expression is too deeply nested")
    built: list[Value | float] = []
    for piece in pieces:
        try:
            built.append(_parse_and_build(piece, values))
        except _TooLong:
            if symbols != _SUMS:
                raise UsageError("the expression is too deeply nested") from None
            built.append(_chain(piece, values, _PRODUCTS))
    result = built[0]
    for symbol, right in zip(joins, built[1:]):
        result = _combine(_INFIX_BY_SYMBOL[symbol], result, right)
    return result


def _split(text: str, symbols: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The pieces of ``text`` between its top-level binary operators among ``symbols``
    (outside brackets; a sign after an operator or at the start is not one), and those
    operators."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        raise UsageError("cannot parse the expression: malformed") from None
    pieces: list[str] = []
    joins: list[str] = []
    depth, start, previous = 0, 0, None
    for token in tokens:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif (
            depth == 0
            and token.type == tokenize.OP
            and token.string in symbols
            and previous is not None
            and (previous.type in _OPERAND_ENDS or previous.string == ")")
        ):
            pieces.append(text[start : token.start[1]])
            joins.append(token.string)
            start = token.end[1]
        if token.type not in (tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.NL):
            previous = token
    pieces.append(text[start:])
    return pieces, joins


def _is_finite(number: int | float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int too large for a float
        return False


def _build(node: ast.AST, values: dict[str, Value]) -> Value | float:
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise UsageError(f"undefined name {node.id!r}: give it with --value {node.id}=NUMBER")
        return values[node.id]
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise UsageError(f"only numbers are allowed, not {node.value!r}")
        return float(node.value)  # finite: checked in parse_expression
    if isinstance(node, ast.BinOp) and type(node.op) in _INFIX:
        left, right = _build(node.left, values), _build(node.right, values)
        return _combine(_INFIX[type(node.op)], left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _build(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        if (
            not isinstance(node.func, ast.Name)
            or node.func.id not in FUNCTIONS
            or node.keywords
            or len(node.args) != 1
        ):
            raise UsageError(f"calls are limited to {', '.join(FUNCTIONS)}")
        argument = _build(node.args[0], values)
        if not isinstance(argument, Value):
            argument = Value(argument)
        return OPS[node.func.id].apply(argument)  # type: ignore[misc]
    raise UsageError(f"{type(node).__name__} is not allowed in an expression")


def _combine(
    combine: Callable[[Any, Any], Any], left: Value | float, right: Value | float
) -> Value | float:
    if isinstance(left, Value) or isinstance(right, Value):
        return cast(Value, combine(left, right))
    # Numbers alone are folded, but through the Value op all the same: plain floats
    # would turn (-8)**(1/3) into a complex number and 0/0 into an error naming no op.
    return cast(float, combine(Value(left), right).data)


def _parse_assignment(text: str) -> tuple[str, float]:
    name, sep, number = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise UsageError(f"--value wants NAME=NUMBER, got {text!r}")
    if name in FUNCTIONS:
        raise UsageError(f"--value: {name!r} is a function name")
    try:
        value = float(number)
    except ValueError:
        raise UsageError(f"--value {name}: {number!r} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"--value {name}: {number!r} is not a finite number")
    return name, value


def _inputs(
    args: argparse.Namespace, suffixes: tuple[str, ...], said: str
) -> tuple[dict[str, Value], Value]:
    """The --value inputs and EXPR built from them (labelled ``out`` unless it has a label),
    after checking that ``-o`` ends in one of ``suffixes`` (``said`` names them)."""
    values: dict[str, Value] = {}
    for assignment in args.value:
        name, number = _parse_assignment(assignment)
        if name in values:
            raise UsageError(f"--value {name} is given twice; give each input once")
        values[name] = Value(number, label=name)
    if args.output is not None and args.output.suffix.lower() not in suffixes:
        raise UsageError(f"-o {args.output}: the file should end in {said}")
    try:
        out = parse_expression(args.expression, values)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError) as error:
        raise UsageError(str(error)) from None
    if not out.label:
        out.label = _output_name(values)
    return values, out


def _graph(args: argparse.Namespace) -> int:
    values, out = _inputs(args, (".svg", ".png", ".dot"), ".svg, .png or .dot")
    if args.output is not None or args.steps is not None:
        _check_drawable(out, f"-o {args.output}" if args.steps is None else f"--steps {args.steps}")
    # Every file is written before anything is printed, so a reader that stops early
    # (`| head -1`) cannot leave the pictures unwritten.
    lines = [] if args.steps is None else _write_steps(out, args.steps)
    if args.steps is None:
        out.backward()
    lines.append(f"{out.label} = {out.data:.6g}")
    lines.extend(f"d{out.label}/d{name} = {v.grad:.6g}" for name, v in values.items())
    if args.output is not None:
        _render(out, args.output, f"-o {args.output}")
        lines.append(f"wrote {args.output}")
    print("\n".join(lines))
    return 0


def _explore(args: argparse.Namespace) -> int:
    """``micrograd explore``: the same inputs and EXPR as ``graph``, written as an explorer page."""
    values, out = _inputs(args, (".html", ".htm"), ".html")
    if bool(args.param) != (args.lr is not None):
        raise UsageError("give --param and --lr together (the update step needs both)")
    unknown = [name for name in args.param if name not in values]
    if unknown:
        raise UsageError(f"--param {unknown[0]}: not an input; give it with --value")
    params = [values[name] for name in dict.fromkeys(args.param)] if args.param else None
    try:  # the whole page is made before the file is opened: a refusal leaves no file
        page = explore(out, title=args.expression, params=params, lr=args.lr)
        page.save(args.output)
    except RecursionError:
        raise
    except (RendererNotFound, RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as e:
        raise UsageError(f"-o {args.output}: {e}") from None
    print(f"{out.label} = {out.data:.6g}\nwrote {args.output} ({page.steps} steps)")
    return 0


def _output_name(inputs: dict[str, Value]) -> str:
    """``out``, or ``out2``, ``out3``... when an input has that name (``dout/dout`` would be
    ambiguous)."""
    name, k = "out", 1
    while name in inputs:
        k += 1
        name = f"out{k}"
    return name


def _check_drawable(out: Value, what: str) -> None:
    """A UsageError, before anything is drawn or written, for a graph too big to draw."""
    count = len(node_names(out))
    if count > MAX_NODES:
        raise UsageError(
            f"{what}: the graph has {count} values, more than the {MAX_NODES} a drawing "
            "can lay out; leave out -o and --steps to print the gradients only"
        )


def _render(root: Value, path: Path, what: str) -> None:
    try:
        render(root, path)
    except RecursionError:
        raise
    except (RendererNotFound, RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        # RuntimeError: the renderer ran and failed (e.g. MICROGRAD_DOT=/bin/false).
        raise UsageError(f"{what}: {error}") from None


def _write_steps(out: Value, directory: Path) -> list[str]:
    """Backprop one step at a time, drawing the graph after each: step-001.svg, ..., final.svg.

    The pictures are drawn into a temporary folder beside ``directory``, which becomes
    ``directory`` only when all of them are there: a failure or Ctrl-C leaves no folder
    with some steps and no final.svg.

    Returns the lines to print: each step, then what was written.
    """
    lines = []
    with _whole_folder(directory, f"--steps {directory}") as folder:
        for count, step in enumerate(out.backward_steps(), start=1):
            lines.append(str(step))
            _render(draw_step(step), folder / f"step-{count:03d}.svg", f"--steps {directory}")
        _render(out, folder / "final.svg", f"--steps {directory}")
    lines.append(f"wrote {len(lines)} steps and final.svg to {directory}")
    return lines


_STEP_FILE = re.compile(r"step-\d{3,}\.svg")


@contextmanager
def _whole_folder(directory: Path, what: str) -> Iterator[Path]:
    """A temporary folder to fill, which becomes ``directory`` when the block ends well.

    A new ``directory`` is the temporary folder renamed, in one step.  Into an existing
    one (``--steps .``) the files are moved with Ctrl-C held off until all are there,
    and the step files of an earlier, longer run are removed, so the folder never mixes
    two runs.  On an error, nothing of the temporary folder is left.
    """
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{what}: a file is in the way, not a folder")
    existing = directory.is_dir()
    try:
        parent = directory if existing else directory.parent
        parent.mkdir(parents=True, exist_ok=True)
        temporary = _new_folder(parent, directory.resolve().name or "steps")
    except OSError as error:
        raise UsageError(f"{what}: {error}") from None
    try:
        yield temporary
        with _interrupts_held():
            if existing:
                written = set(os.listdir(temporary))
                for name in written:
                    os.replace(temporary / name, directory / name)
                for name in os.listdir(directory):
                    if _STEP_FILE.fullmatch(name) and name not in written:
                        os.unlink(directory / name)
            else:
                os.rename(temporary, directory)
    except OSError as error:
        raise UsageError(f"{what}: {error}") from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)  # gone already once renamed


def _new_folder(parent: Path, name: str) -> Path:
    """A new, hidden folder in ``parent`` with the usual permissions (mkdtemp's are 0o700)."""
    while True:
        folder = parent / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C waits for the end of the block (a few renames), then interrupts."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    if caught:
        raise KeyboardInterrupt


def _demos() -> ModuleType:
    """``micrograd.demos``, or a UsageError saying how to get it."""
    if _installed_demos is None:
        raise UsageError(
            "the demos are not installed: install micrograd-stepwise (from a checkout: "
            "pip install -e .)"
        )
    return _installed_demos


def _demo(args: argparse.Namespace) -> int:
    names = _demos().DEMOS
    if args.name is None:
        if args.help:
            args.demo_parser.print_help()
            print()
        print("demos (run one with: micrograd demo NAME [--out DIR] ...):")
        for name, module in names.items():
            doc = module.__doc__ or name
            print(f"  {name:<16}{doc.splitlines()[0]}")
        return 0
    if args.name not in names:
        raise UsageError(f"unknown demo {args.name!r}; the demos are: {', '.join(names)}")
    options = ["--help", *args.options] if args.help else args.options
    return int(_demos().run(args.name, options))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The ``micrograd`` command's argument parser, with its subcommands.

    >>> build_parser().parse_args(["graph", "x * 2", "--value", "x=3"]).value
    ['x=3']
    """
    parser = _Parser(
        prog="micrograd",
        description="See backpropagation: draw computation graphs and run the demos.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    graph = commands.add_parser(
        "graph",
        help="build an expression, run backward, print gradients, draw the graph",
        description=(
            "Build EXPR from the --value inputs, run backward, print d(out)/d(input) for each "
            "input, and write the graph. EXPR may use the input names, numbers, + - * / **, "
            f"unary minus, and the functions {', '.join(FUNCTIONS)}. Nothing else is accepted "
            "and nothing is executed."
        ),
        epilog='example: micrograd graph "tanh(x * w + b)" --value x=0.5 --value w=-2 '
        "--value b=1 -o graph.svg",
    )
    _expression_arguments(graph, "write the graph here: .svg, .png or .dot", required=False)
    graph.add_argument(
        "--steps",
        type=Path,
        metavar="DIR",
        help="backprop one node at a time, printing each step and writing DIR/step-001.svg, "
        "... (the graph after each step, its node highlighted) and DIR/final.svg",
    )
    graph.set_defaults(run=_graph)

    explorer = commands.add_parser(
        "explore",
        help="build an expression and write the backprop explorer page for it",
        description=(
            "Build EXPR from the --value inputs (the same expressions as graph) and write one "
            "offline HTML page that steps through its forward and backward passes and "
            "recomputes live when an input changes."
        ),
        epilog='example: micrograd explore "tanh(x * w + b)" --value x=0.5 --value w=-2 '
        "--value b=1 -o page.html",
    )
    _expression_arguments(explorer, "the page: FILE.html", required=True)
    explorer.add_argument(
        "--param", action="append", default=[], metavar="NAME",
        help="an input to update after the backward pass (repeat; needs --lr)",
    )  # fmt: skip
    explorer.add_argument("--lr", type=float, metavar="LR", help="the learning rate of the updates")
    explorer.set_defaults(run=_explore)

    demo = commands.add_parser(
        "demo",
        help="run a demo (no NAME: list them)",
        description="Run a demo: worked-example, xor, moons, spirals, cnn, names or bptt. "
        "With no NAME, list "
        "them. Training demos take --steps N, --seed S, --quiet and --out DIR (pictures); "
        "see micrograd demo NAME --help.",
        add_help=False,  # --help after NAME belongs to the demo: see its own options
    )
    demo.add_argument("-h", "--help", action="store_true", help="show this help and the demos")
    demo.add_argument("name", nargs="?", metavar="NAME", help="the demo to run (none: list them)")
    demo.add_argument(
        "options", nargs=argparse.REMAINDER, metavar="OPTIONS", help="the demo's own options"
    )
    demo.set_defaults(run=_demo, demo_parser=demo)
    return parser


def _expression_arguments(command: argparse.ArgumentParser, output: str, required: bool) -> None:
    """EXPR, its --value inputs and -o FILE: what ``graph`` and ``explore`` both take."""
    command.add_argument("expression", metavar="EXPR", help='the expression, e.g. "x * y + exp(x)"')
    command.add_argument(
        "--value",
        action="append",
        default=[],
        metavar="NAME=NUMBER",
        help="an input and its value (repeat for each input)",
    )
    command.add_argument(
        "-o", "--output", type=Path, metavar="FILE", required=required, help=output
    )


def _expression_last(argv: Sequence[str]) -> list[str]:
    """argparse takes ``graph "-x"`` for an unknown option; move such an EXPR behind ``--``.

    A token starting with one dash is EXPR, unless it starts with ``-h`` or ``-o`` (write
    ``(-o)``).  One starting with two dashes is EXPR (``--x``, which is ``-(-x)``) when it
    is none of the command's options and no other token is EXPR; otherwise it stays a
    misspelled option, for argparse to name.

    >>> _expression_last(["graph", "-x * y", "--value", "x=1"])
    ['graph', '--value', 'x=1', '--', '-x * y']
    >>> _expression_last(["graph", "--x", "--value", "x=1"])
    ['graph', '--value', 'x=1', '--', '--x']
    """
    argv = list(argv)
    if not argv or argv[0] not in ("graph", "explore") or "--" in argv:
        return argv
    takes_a_value = ("--value", "-o", "--output", "--steps")
    options = (*takes_a_value, "--help")
    positional, unknown = False, None
    i = 1
    while i < len(argv):
        token = argv[i]
        if token in takes_a_value:
            i += 2
            continue
        if token.startswith("--"):
            name = token.partition("=")[0]
            if unknown is None and not any(option.startswith(name) for option in options):
                unknown = i  # not an option, nor the start of one (argparse takes --val)
        elif token.startswith("-") and token[:2] not in ("-h", "-o"):
            return [*argv[:i], *argv[i + 1 :], "--", token]
        elif not token.startswith("-"):
            positional = True
        i += 1
    if unknown is not None and not positional:
        return [*argv[:unknown], *argv[unknown + 1 :], "--", argv[unknown]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for a usage error).

    >>> main(["graph", "x * x", "--value", "x=3"])
    out = 9
    dout/dx = 6
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(_expression_last(sys.argv[1:] if argv is None else argv))
        if args.command is None:
            parser.print_help()
            return 0
        return args.run(args)
    except UsageError as error:
        print(f"micrograd: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: every file is written whole or not at all
        print("micrograd: interrupted", file=sys.stderr)
        return 130  # 128 + SIGINT, as a shell reports it
    except BrokenPipeError:  # e.g. `micrograd demo | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
