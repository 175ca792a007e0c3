"""The base class of every model: ``parameters()``, ``zero_grad()``, and the way out.

``state_dict()`` and ``load_state_dict()`` read and write the weights as plain
nested lists of floats under PyTorch's names; ``to_torch()`` and
``from_torch()`` carry a model to PyTorch and back (they need the ``torch``
extra, imported only when called).

How ``micrograd.nn`` is layered: each module imports only the ones below it, at
the top of the file.  At the bottom, :mod:`~micrograd.nn.pytorch` and
:mod:`~micrograd.nn.files` import nothing from ``nn``: the bridge finds a model's
``torch.nn`` twin by its class name and reads it through its attributes and
``state_dict()``, and the file module reads and writes plain JSON.  This module
sits on them, so ``Module.to_torch()`` is a plain call downward; the layers
(``mlp``, ``layers``, ``conv``, then ``recurrent``, which builds on ``layers``)
sit on this module, and ``functional`` needs only the engine.

    >>> from micrograd.nn import Linear
    >>> layer = Linear(2, 1)
    >>> [name for name in layer.state_dict()], len(layer.parameters())
    (['weight', 'bias'], 3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from micrograd.engine import Value
from micrograd.floats import describe
from micrograd.nn import pytorch

__all__ = ["Module", "check_size"]

M = TypeVar("M", bound="Module")


class Module:
    """Anything with parameters: ``parameters()`` lists them, ``zero_grad()`` zeroes their grads.

    >>> import random
    >>> from micrograd.nn import Neuron
    >>> n = Neuron(2, rng=random.Random(0))
    >>> n([1.0, 2.0]).backward()
    >>> n.zero_grad(); [p.grad for p in n.parameters()]
    [0.0, 0.0, 0.0]

    A module is made of the modules it holds in attributes (or in lists of
    them), and of its own weights: the attributes named in ``tensor_names``,
    nested lists of Values in PyTorch's layout under PyTorch's names.
    ``parameters()``, ``state_dict()``, ``load_state_dict()``, ``to_torch()``
    and ``from_torch()`` are all built on that.  A module whose weights are laid
    out otherwise defines ``_tensors()``, which maps PyTorch's names to them.
    """

    tensor_names: ClassVar[tuple[str, ...]] = ()
    """The attributes holding this module's own weights, by PyTorch's names; None is skipped."""

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaves accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        """The Values that training adjusts, in the fixed order optimizers and files rely on.

        Its own weights (``tensor_names``, in that order, each row by row), then
        the parameters of each module it holds, in the order it holds them: an
        MLP lists neuron by neuron, weights then bias, as micrograd does.

        >>> import random
        >>> from micrograd.nn import MLP
        >>> model = MLP(2, [3, 1], rng=random.Random(0))
        >>> first = model.layers[0].neurons[0]
        >>> model.parameters()[:3] == [*first.w, first.b]
        True
        """
        params: list[Value] = []
        _add_parameters(self, params)
        return params

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Each parameter with its name, in :meth:`parameters`' order (PyTorch's name).

        A name is the :meth:`state_dict` key with the entry's index: ``layers.0.weight[1][0]``
        is the weight from input 0 into neuron 1 of layer 0, ``layers.0.bias[1]`` that
        neuron's bias.  Drawings and traces that are given a model use these names.

        >>> import random
        >>> from micrograd.nn import MLP
        >>> model = MLP(2, [3, 1], rng=random.Random(0))
        >>> [name for name, _ in model.named_parameters()][:3]
        ['layers.0.weight[0][0]', 'layers.0.weight[0][1]', 'layers.0.bias[0]']
        """
        names: dict[int, str] = {}
        for key, tensor in self._tensors().items():
            stack: list[tuple[str, Any]] = [(key, tensor)]
            while stack:
                name, t = stack.pop()
                if isinstance(t, Value):
                    names[id(t)] = name
                elif t is not None:
                    stack.extend((f"{name}[{i}]", entry) for i, entry in enumerate(t))
        named = [(names.get(id(p)), p) for p in self.parameters()]
        if any(name is None for name, _ in named):
            raise NotImplementedError(
                f"{type(self).__name__}: a parameter is not in its state_dict, so it has no name"
            )
        return named  # type: ignore[return-value]

    def _tensors(self) -> dict[str, Any]:
        """PyTorch's parameter names, each mapped to nested lists of this module's Values.

        Its own weights (``tensor_names``), then those of the modules it holds with
        the attribute's name in front, as PyTorch names them: ``conv.weight``,
        ``layers.0.bias``.  A module that shows its modules' weights in another
        layout (a Layer: one matrix, a row per neuron) defines its own.
        """
        tensors: dict[str, Any] = {
            name: t for name in self.tensor_names if (t := getattr(self, name)) is not None
        }
        for prefix, child in _modules_of(self):
            for name, tensor in child._tensors().items():
                tensors[f"{prefix}.{name}"] = tensor
        if not tensors and self.parameters():
            # Its Values live somewhere we cannot see: an empty state_dict would be a lie.
            raise NotImplementedError(
                f"{type(self).__name__} does not name its tensors: hold its layers in "
                "attributes, or define _tensors()"
            )
        return tensors

    # --- The way out: plain numbers, and PyTorch ---------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The weights as nested lists of floats, under PyTorch's names and in its layouts.

        >>> import random
        >>> from micrograd.nn import Conv2d
        >>> conv = Conv2d(1, 2, kernel_size=1, rng=random.Random(0))
        >>> conv.weight[1][0][0][0].data = 0.25
        >>> weights = conv.state_dict()["weight"]     # [out][in][kh][kw], as torch.nn.Conv2d
        >>> weights[1], list(conv.state_dict())
        ([[[0.25]]], ['weight', 'bias'])
        """
        return {name: _floats(t) for name, t in self._tensors().items()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Set the weights from a dict shaped like :meth:`state_dict`'s.

        Values may be nested lists, or anything with ``.tolist()`` (PyTorch
        tensors, numpy arrays), so ``model.load_state_dict(torch_module.state_dict())``
        works.  Everything is checked before anything is written: a missing key,
        an unexpected key, a wrong shape or anything but a finite number
        raises ValueError naming the key, and leaves the model as it was.

        >>> import random
        >>> from micrograd.nn import Conv2d
        >>> conv = Conv2d(1, 1, kernel_size=1, rng=random.Random(0))
        >>> conv.load_state_dict({"weight": [[[[2.0]]]], "bias": [0.5]})
        >>> conv([[[3.0]]])[0][0][0].data
        6.5
        >>> conv.load_state_dict({"weight": [[[[2.0]]]], "bias": [float("nan")]})
        Traceback (most recent call last):
        ...
        ValueError: Conv2d.load_state_dict: 'bias'[0] is nan, not a finite number
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        tensors = self._tensors()
        for key in tensors:
            if key not in state_dict:
                raise ValueError(f"{who}: missing key {key!r} (expected {list(tensors)})")
        for key in state_dict:
            if key not in tensors:
                raise ValueError(f"{who}: unexpected key {key!r} (expected {list(tensors)})")
        writes: list[tuple[Value, float]] = []
        for key, target in tensors.items():
            given = _as_lists(state_dict[key], who, repr(key))
            wanted = _shape(target)
            # One level deeper than the target at most: a list that holds itself ends there.
            shape = _shape(given, len(wanted) + 1)
            if shape != wanted:
                raise ValueError(f"{who}: {key!r} has shape {shape}, expected {wanted}")
            _collect(target, given, who, key, "", writes)
        for value, number in writes:  # only now: every key fitted
            value.data = number

    def to_torch(self) -> Any:
        """The same model as a ``torch.nn`` module in float64, with the same weights.

        Needs PyTorch (``pip install 'micrograd-stepwise[torch]'``).  See
        :mod:`micrograd.nn.pytorch` for which module each class becomes.

        >>> import pytest; torch = pytest.importorskip("torch")   # only with the torch extra
        >>> import random
        >>> from micrograd.nn import Conv2d
        >>> conv = Conv2d(1, 1, kernel_size=2, rng=random.Random(0))
        >>> image = [[[1.0, 2.0], [3.0, 4.0]]]
        >>> ours = conv(image)[0][0][0].data
        >>> theirs = conv.to_torch()(torch.tensor([image], dtype=torch.float64)).item()
        >>> abs(ours - theirs) < 1e-12
        True
        """
        return pytorch.to_torch(self)

    @classmethod
    def from_torch(cls: type[M], module: Any) -> M:
        """A new model of this class with the architecture and weights of a ``torch.nn`` module.

        The reverse of :meth:`to_torch`.  Needs PyTorch:
        ``pip install 'micrograd-stepwise[torch]'``.

        >>> import pytest; torch = pytest.importorskip("torch")   # only with the torch extra
        >>> import random
        >>> from micrograd.nn import Conv2d
        >>> conv = Conv2d(3, 4, kernel_size=3, stride=2, rng=random.Random(0))
        >>> back = Conv2d.from_torch(conv.to_torch())
        >>> back, back.state_dict() == conv.state_dict()
        (Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2)), True)
        """
        return pytorch.from_torch(cls, module)


def _modules_of(module: Module) -> list[tuple[str, Module]]:
    """The modules held in attributes or in lists of them, under PyTorch's names."""
    found: list[tuple[str, Module]] = []
    for attribute, held in getattr(module, "__dict__", {}).items():
        if isinstance(held, Module):
            found.append((attribute, held))
        elif (
            isinstance(held, (list, tuple))
            and held
            and isinstance(held[0], Module)  # quick to rule out a neuron's weights
            and all(isinstance(m, Module) for m in held)
        ):
            found.extend((f"{attribute}.{i}", m) for i, m in enumerate(held))
    return found


def _add_parameters(module: Module, out: list[Value]) -> None:
    """Append ``module``'s parameters to ``out``: its own weights, then its modules'.

    The same walk as :func:`_modules_of`, without naming anything: training calls
    ``parameters()`` several times a step, and the names cost more than the walk.
    """
    for name in module.tensor_names:
        tensor = getattr(module, name)
        if isinstance(tensor, Value):  # the usual cases first: a bias, a row of weights
            out.append(tensor)
        elif tensor and isinstance(tensor[0], Value):
            out.extend(tensor)
        else:
            _add_values(tensor, out)
    for held in module.__dict__.values():
        if isinstance(held, Module):
            _add_parameters(held, out)
        elif (
            isinstance(held, (list, tuple))
            and held
            and isinstance(held[0], Module)
            and all(isinstance(m, Module) for m in held)
        ):
            for m in held:
                _add_parameters(m, out)


def _add_values(tensor: Any, out: list[Value]) -> None:
    """Append the Values of a tensor (nested lists of Values, or None) to ``out``, in order."""
    if isinstance(tensor, Value):
        out.append(tensor)
    elif tensor and isinstance(tensor[0], Value):
        out.extend(tensor)  # a row, the common case: at once
    elif tensor:
        for t in tensor:  # as deep as the tensor has dimensions: 4 at most
            _add_values(t, out)


def check_size(value: Any, what: str, owner: str) -> int:
    """``value`` if it is a positive int (not a bool), else a ValueError naming ``owner``.

    >>> check_size(3, "in_features", "Linear")
    3
    >>> check_size(True, "nout", "Layer")
    Traceback (most recent call last):
    ...
    ValueError: Layer: nout must be a positive int, got True
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{owner}: {what} must be a positive int, got {value!r}")
    return value


def _floats(tensor: Any) -> Any:
    if isinstance(tensor, Value):
        return tensor.data
    return [_floats(t) for t in tensor]


def _shape(nested: Any, max_depth: int = 8) -> tuple[int, ...]:
    """The shape of nested lists, read along the first element at each depth, no deeper
    than ``max_depth`` (a list that holds itself is endlessly deep)."""
    shape: list[int] = []
    while isinstance(nested, (list, tuple)) and len(shape) < max_depth:
        shape.append(len(nested))
        if not nested:
            break
        nested = nested[0]
    return tuple(shape)


def _as_lists(given: Any, who: str, what: str) -> Any:
    """Nested lists from a tensor, a numpy array or a numpy scalar (its ``tolist()``);
    anything else as it is."""
    if isinstance(given, (list, tuple, str)) or not hasattr(given, "tolist"):
        return given
    try:
        return given.tolist()
    except Exception as error:  # a meta tensor has no data: NotImplementedError, and so on
        raise ValueError(
            f"{who}: {what} cannot be read as numbers ({type(error).__name__}: {error})"
        ) from None


def _is_finite(number: float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int too large for a float, such as 10**400
        return False


def _collect(
    target: Any, given: Any, who: str, key: str, where: str, writes: list[tuple[Value, float]]
) -> None:
    """Check ``given`` against the Values of ``target`` and queue one write per Value."""
    given = _as_lists(given, who, f"{key!r}{where}")
    if isinstance(target, Value):
        ok = isinstance(given, (int, float)) and not isinstance(given, bool)
        if not ok or not _is_finite(given):
            why = (
                "too large for a float" if ok and isinstance(given, int) else "not a finite number"
            )
            raise ValueError(f"{who}: {key!r}{where} is {describe(given)}, {why}")
        writes.append((target, float(given)))
        return
    if not isinstance(given, (list, tuple)) or len(given) != len(target):
        length = len(given) if isinstance(given, (list, tuple)) else f"none ({given!r})"
        raise ValueError(f"{who}: {key!r}{where} has length {length}, expected {len(target)}")
    for i, (t, g) in enumerate(zip(target, given)):
        _collect(t, g, who, key, f"{where}[{i}]", writes)
