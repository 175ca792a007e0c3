"""micrograd: a scalar autograd engine and a tiny neural-net library, for seeing backprop.

>>> from micrograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0
"""

from micrograd import viz as _viz  # noqa: F401  (registers the Jupyter display of Values)
from micrograd.engine import Value, custom_op, grad, no_grad

__all__ = ["Value", "custom_op", "grad", "no_grad"]
__version__ = "1.0.0"
