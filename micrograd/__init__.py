"""micrograd: a scalar autograd engine and a tiny neural-net library, for seeing backprop.

>>> from micrograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0

The modules, lowest layer first (each imports only those before it):

- :mod:`micrograd.engine`: ``Value``, every op with its derivative rule, the
  catalogue ``OPS``, fused ``linear``/``total``, ``no_grad``, ``custom_op``.
- :mod:`micrograd.backprop`: ``grad`` (first and second order), ``backward_order``.
- :mod:`micrograd.trace`: node names, formulas, ``Step``, ``explain``, ``tree``.
- :mod:`micrograd.tape`: ``record`` a graph once, replay it, print it as code; ``jvp``.
- :mod:`micrograd.nn`, :mod:`micrograd.losses`, :mod:`micrograd.optim`,
  :mod:`micrograd.datasets`: models, losses, optimizers, data.
- :mod:`micrograd.viz`, :mod:`micrograd.testing`: drawings, gradcheck and strategies.
- :mod:`micrograd.cli`: the ``micrograd`` command.

``import micrograd`` loads the engine, backprop and trace only: drawings (and the
graphviz package) load with :mod:`micrograd.viz`, which Jupyter imports the first
time it shows a Value or a Step.
"""

import sys
from collections.abc import Callable
from typing import Any

from micrograd.backprop import grad
from micrograd.engine import Value, custom_op, no_grad
from micrograd.tape import jvp
from micrograd.trace import node_names

__all__ = ["Value", "custom_op", "grad", "jvp", "no_grad", "node_names"]
__version__ = "1.0.0"

# What IPython shows through micrograd.viz: (the formatter's mime type, the class by name).
_SHOWN_BY_VIZ = [
    ("mimebundle", "micrograd.engine.Value"),
    ("mimebundle", "micrograd.trace.Step"),
    ("text/plain", "micrograd.trace.Step"),
]


def _show_in_ipython() -> None:
    """Inside IPython or Jupyter, show Values as their graphs and Steps as text and graph.

    Each formatter gets a stand-in, named by module and class (IPython's own lazy
    registration), that on the first display imports micrograd.viz, lets
    :func:`micrograd.viz.show_in_ipython` put viz's formatters in its place and
    hands the object to them.  This is not an upward edge: this file is the top of
    the package, above every layer (viz included), so its imports all point down;
    viz's is only put off until a Value is shown, so that ``import micrograd`` stays
    fast and never loads graphviz.  viz itself reaches nothing above it.
    """
    ipython = sys.modules.get("IPython")  # only if IPython is already running: never load it
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    display = shell.display_formatter

    def first_display(formatter: Any) -> Callable[..., Any]:
        def show(obj: object, *args: Any) -> Any:
            from micrograd import viz  # downward, put off: see the docstring

            viz.show_in_ipython(shell)
            return formatter.lookup(obj)(obj, *args)

        return show

    for kind, name in _SHOWN_BY_VIZ:
        formatter = (
            display.mimebundle_formatter if kind == "mimebundle" else display.formatters[kind]
        )
        formatter.for_type(name, first_display(formatter))


_show_in_ipython()
