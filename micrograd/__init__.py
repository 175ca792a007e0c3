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
- :mod:`micrograd.nn`, :mod:`micrograd.losses`, :mod:`micrograd.optim`,
  :mod:`micrograd.datasets`: models, losses, optimizers, data.
- :mod:`micrograd.viz`, :mod:`micrograd.testing`: drawings, gradcheck and strategies.
- :mod:`micrograd.cli`: the ``micrograd`` command.
"""

from micrograd import viz  # noqa: F401  (drawings; shows Values as graphs inside Jupyter)
from micrograd.backprop import grad
from micrograd.engine import Value, custom_op, no_grad
from micrograd.trace import node_names

__all__ = ["Value", "custom_op", "grad", "no_grad", "node_names"]
__version__ = "1.0.0"
