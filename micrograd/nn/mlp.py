"""Neurons, layers and multi-layer perceptrons built from Values, as in micrograd 0.1.0.

The defaults reproduce micrograd 0.1.0 exactly: ReLU hidden layers, a linear
last layer, weights from ``random.uniform(-1, 1)`` and biases of 0.

    >>> import random
    >>> random.seed(1337)
    >>> model = MLP(2, [2, 1])
    >>> model
    MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]
    >>> len(model.parameters())
    9
    >>> round(model([1.0, -2.0]).data, 6)
    -0.068496

Each neuron's weighted sum ``b + w1*x1 + ... + wn*xn`` is one fused node by
default, which is fast; ``MLP(..., fused=False)`` builds it op by op, the
graph to draw when teaching.  Both give the same numbers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from operator import attrgetter, mul
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from micrograd.engine import (
    OPS,
    Value,
    is_grad_enabled,
    linear,
    linear_node,
    sigmoid,
    sum_left_to_right,
)
from micrograd.nn.files import MAX_FILE_BYTES, read_json, write_json
from micrograd.nn.module import Module, check_size
from micrograd.nn.pytorch import ACTIVATION_MODULES

__all__ = ["ACTIVATIONS", "INITS", "MAX_FILE_BYTES", "MLP", "Layer", "Neuron"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
INITS = ("uniform", "xavier", "he")
FORMAT = "micrograd.MLP"
FORMAT_VERSION = 2
"""Version 2 holds the state_dict; version 1, a ``{"w": [...], "b": ...}`` a neuron, loads too."""

Input = Value | float | int

# Each activation is the engine's op of that name; "linear" is none at all.
_ACTIVATE: dict[str, Callable[[Value], Value]] = {
    name: cast(Callable[[Value], Value], OPS[name].apply) for name in ACTIVATIONS[:3]
}
_ACTIVATE["linear"] = lambda act: act
# tanh and sigmoid on plain floats, for evaluation under no_grad (no Values made at all).
_ACTIVATE_NUMBER = {"tanh": math.tanh, "sigmoid": sigmoid}
_data = attrgetter("data")


def _check_activation(activation: str | None) -> str:
    activation = "linear" if activation is None else activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def _initial_weight(rng: Any, init: str, fan_in: int, fan_out: int) -> float:
    if init == "uniform":
        return rng.uniform(-1, 1)
    if init == "xavier":  # Glorot & Bengio: keeps the variance equal forwards and backwards
        limit = math.sqrt(6.0 / (fan_in + fan_out))
    elif init == "he":  # He et al.: for ReLU, which zeroes half its inputs
        limit = math.sqrt(6.0 / fan_in)
    else:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    return rng.uniform(-limit, limit)


class Neuron(Module):
    """One neuron: ``activation(b + w1*x1 + ... + wn*xn)``.

    Args:
        nin: the number of inputs.
        activation: "relu" (default), "tanh", "sigmoid" or "linear".
        init: "uniform" (``uniform(-1, 1)``, micrograd's), "xavier" or "he".
        rng: a ``random.Random`` for the weights; default the ``random`` module.
        fused: the weighted sum as one node (fast) or op by op (to draw).
        nonlin: micrograd 0.1.0's switch: True for "relu", False for "linear".
        fan_out: the next layer's width, for "xavier".

    >>> n = Neuron(2, activation="tanh", rng=random.Random(0))
    >>> n
    TanhNeuron(2)
    >>> round(n([1.0, 0.5]).data, 6)
    0.73833
    """

    # PyTorch's names for micrograd's ``w`` and ``b``: the state_dict's keys, and
    # parameters() in micrograd's order, weights then bias.
    tensor_names = ("weight", "bias")

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        init: str = "uniform",
        rng: random.Random | None = None,
        fused: bool = True,
        nonlin: bool | None = None,
        fan_out: int = 1,
    ) -> None:
        if isinstance(activation, bool):  # micrograd 0.1.0's Neuron(nin, nonlin) positionally
            nonlin = activation
        if nonlin is not None:
            activation = "relu" if nonlin else "linear"
        check_size(nin, "nin", "Neuron")
        self.activation = _check_activation(activation)
        self._activate = _ACTIVATE[self.activation]
        rng = cast(random.Random, random) if rng is None else rng  # the module has the same methods
        self.w = [Value(_initial_weight(rng, init, nin, fan_out)) for _ in range(nin)]
        self.b = Value(0.0)
        self.fused = fused

    def __call__(self, x: Input | Sequence[Input]) -> Value:
        x = _as_list(x)
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        if self.fused:
            if self.activation == "relu":  # folded into the same node
                return linear(self.w, x, self.b, activation="relu")
            act = linear(self.w, x, self.b)
        else:
            # b + w1*x1 + ... in micrograd's order, as its sum() does; a plain loop
            # is faster than a generator.
            act = self.b
            for wi, xi in zip(self.w, x):
                act = act + wi * xi
        return self._activate(act)

    @property
    def nonlin(self) -> bool:
        """micrograd 0.1.0's flag: True when the neuron has a nonlinearity.

        >>> Neuron(2, nonlin=False).nonlin, Neuron(2).nonlin
        (False, True)
        """
        return self.activation != "linear"

    @property
    def weight(self) -> list[Value]:
        """``w``, under PyTorch's name (as ``bias`` is ``b``).

        >>> n = Neuron(2)
        >>> n.weight is n.w, n.bias is n.b
        (True, True)
        """
        return self.w

    @property
    def bias(self) -> Value:
        """``b``, under PyTorch's name."""
        return self.b

    def __repr__(self) -> str:
        # PyTorch's name for the activation: ReLUNeuron(2), as micrograd shows it.
        return f"{ACTIVATION_MODULES.get(self.activation, 'Linear')}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all see the same inputs.

    Returns a list of Values, or a single Value when ``nout == 1`` (as in
    micrograd); a one-neuron layer still works as a hidden layer.

    >>> layer = Layer(3, 2, rng=random.Random(0))
    >>> len(layer([1.0, 2.0, 3.0]))
    2
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        check_size(nout, "nout", "Layer")  # True is an int to Python, but no width
        kwargs.setdefault("fan_out", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Input | Sequence[Input]) -> Value | list[Value]:
        out = self._all_at_once(x)
        if out is None:
            out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def _all_at_once(self, x: Input | Sequence[Input]) -> list[Value] | None:
        """Every neuron's output node, reading the inputs once, when the neurons are
        plain fused Neurons with the same width and a ReLU or no activation, and the
        inputs are Values: the same nodes each neuron would build.  None otherwise,
        and each neuron then builds its own (or says what is wrong)."""
        inputs = _as_list(x)
        width = len(inputs)
        neurons = self.neurons
        if not neurons or type(neurons[0]) is not Neuron:
            return None
        activation = neurons[0].activation
        if activation not in ("relu", "linear"):
            return None
        for n in neurons:
            if type(n) is not Neuron or not n.fused or n.activation != activation:
                return None
            if len(n.w) != width:
                return None
        try:
            inputs_data = [v.data for v in inputs]  # type: ignore[union-attr]
        except AttributeError:
            return None  # numbers among the inputs: each neuron folds them in
        relu = activation == "relu"
        return [linear_node(n.w, inputs, inputs_data, n.b, relu) for n in neurons]  # type: ignore[arg-type]

    def _tensors(self) -> dict[str, Any]:
        # One matrix, a row per neuron: torch.nn.Linear's layout.  parameters() still
        # goes neuron by neuron, as in micrograd.
        return {"weight": [n.w for n in self.neurons], "bias": [n.b for n in self.neurons]}

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


if TYPE_CHECKING:  # typing_extensions only for type checkers: a TypeVar default (PEP 696)
    from typing_extensions import TypeVar as TypeVarWithDefault

    Output = TypeVarWithDefault("Output", bound=Value | list[Value], default=Value)
else:
    Output = TypeVar("Output")


class MLP(Module, Generic[Output]):
    """A multi-layer perceptron.

    Args:
        nin: the number of inputs.
        nouts: the width of each layer, the last one being the output.
        activation: for hidden layers: "relu" (default), "tanh", "sigmoid", "linear".
        output_activation: for the last layer; None means linear.
        init: "uniform" (default, micrograd's), "xavier" or "he".
        rng: a ``random.Random`` for reproducible weights; default the
            ``random`` module, so ``random.seed`` works as in micrograd.
        fused: each neuron's weighted sum as one node (default, fast) or op
            by op (``fused=False``, the graph to draw when teaching).

    Calling it gives a Value for one output, else a list of Values.  Type checkers
    take ``MLP(...)`` to have one output; for several, say so:
    ``model: MLP[list[Value]] = MLP(2, [16, 3])``.

    >>> model = MLP(3, [4, 4, 1], activation="tanh", rng=random.Random(42))
    >>> model.summary()
    'MLP(3 -> 4 tanh -> 4 tanh -> 1 linear), 41 parameters'
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str | None = None,
        init: str = "uniform",
        rng: random.Random | None = None,
        fused: bool = True,
    ) -> None:
        if not nouts:
            raise ValueError("MLP: nouts needs at least one layer width")
        self.nin = nin
        self.nouts = list(nouts)
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=self.output_activation if i == last else self.activation,
                init=init,
                rng=rng,
                fused=fused,
            )
            for i in range(len(self.nouts))
        ]

    def __call__(self, x: Input | Sequence[Input]) -> Output:
        if not is_grad_enabled():  # nothing to record: compute on plain floats
            return cast(Output, self._evaluate(x))
        for layer in self.layers:
            x = layer(x)
        return cast(Output, x)

    def _evaluate(self, x: Input | Sequence[Input]) -> Value | list[Value]:
        xs = [_data(v) if isinstance(v, Value) else float(v) for v in _as_list(x)]
        for layer in self.layers:
            if len(xs) != len(layer.neurons[0].w):
                raise ValueError(
                    f"Neuron: expected {len(layer.neurons[0].w)} inputs, got {len(xs)}"
                )
            # The same sum in the same order as the graph-building path: same numbers.
            sums = [
                sum_left_to_right(map(mul, map(_data, n.w), xs), n.b.data) for n in layer.neurons
            ]
            activation = layer.neurons[0].activation  # an MLP's layers are uniform
            if activation == "relu":
                xs = [z if z > 0 else 0.0 for z in sums]
            elif activation == "linear":
                xs = sums
            else:
                xs = list(map(_ACTIVATE_NUMBER[activation], sums))
        out = [Value(v) for v in xs]
        return out[0] if len(out) == 1 else out

    def summary(self) -> str:
        """The shape of the network and its parameter count, on one line."""
        widths = " -> ".join(
            f"{len(layer.neurons)} {layer.neurons[0].activation}" for layer in self.layers
        )
        return f"MLP({self.nin} -> {widths}), {len(self.parameters())} parameters"

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

    # --- Saving and loading -----------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the architecture and the :meth:`state_dict` to ``path`` as JSON (never pickle).

        The file is written whole or not at all (see :mod:`micrograd.nn.files`).

        >>> import json, tempfile
        >>> path = Path(tempfile.mkdtemp()) / "model.json"
        >>> MLP(2, [1], rng=random.Random(0)).save(path)
        >>> document = json.loads(path.read_text())
        >>> document["version"], document["nouts"], list(document["state_dict"])
        (2, [1], ['layers.0.weight', 'layers.0.bias'])
        >>> MLP.load(path).state_dict() == document["state_dict"]
        True
        """
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": self.activation,
            "output_activation": self.output_activation,
            "state_dict": self.state_dict(),
        }
        write_json(path, document, "MLP.save")

    @classmethod
    def load(cls, path: str | Path, fused: bool = True) -> MLP[Any]:
        """A new MLP from a file written by :meth:`save` (of this version or the one before).

        Raises:
            ValueError: the file is larger than :data:`MAX_FILE_BYTES`, not valid JSON,
                nested too deeply, holds a number too large for a float, is not a
                micrograd MLP, of an unknown format version, or its weights do not fit
                its shape.  Nothing is half-loaded: the model is built only once all
                checks pass.
        """
        # This module's MAX_FILE_BYTES, read now: a test may lower it.
        document = read_json(path, "MLP.load", MAX_FILE_BYTES)
        source = str(path)

        def fail(why: str) -> ValueError:
            return ValueError(f"MLP.load: {source}: {why}")

        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise fail(f"not a micrograd MLP file (no 'format': {FORMAT!r})")
        version = document.get("version")
        if type(version) is not int or version not in (1, FORMAT_VERSION):  # not true, not 1.0
            raise fail(f"format version {version!r}; this micrograd reads 1 and 2")
        nin: Any = document.get("nin")
        nouts: Any = document.get("nouts")
        if not _is_count(nin) or not isinstance(nouts, list) or not all(map(_is_count, nouts)):
            raise fail("'nin' and 'nouts' must be positive whole numbers")
        if not nouts:
            raise fail("'nouts' is empty")
        activation = document.get("activation")
        output_activation = document.get("output_activation")
        if activation not in ACTIVATIONS or output_activation not in ACTIVATIONS:
            raise fail(f"activations must be among {ACTIVATIONS}")
        state: Any
        if version == 1:
            state = _state_dict_of_version_1(document.get("layers"), [nin, *nouts], fail)
        else:
            state = document.get("state_dict")
            if not isinstance(state, dict):
                raise fail("'state_dict' must be an object of weights")
        model = cls(nin, nouts, activation, output_activation, rng=random.Random(0), fused=fused)
        try:
            model.load_state_dict(state)
        except ValueError as error:
            raise fail(str(error)) from None
        return model


def _state_dict_of_version_1(
    layers: Any, sizes: list[int], fail: Callable[[str], ValueError]
) -> dict[str, Any]:
    """A version 1 file's ``layers`` (a list of ``{"w": [...], "b": ...}`` a neuron) as a
    state_dict, with version 1's checks and messages."""
    if not isinstance(layers, list) or len(layers) != len(sizes) - 1:
        raise fail(f"expected {len(sizes) - 1} layers of weights")
    state: dict[str, Any] = {}
    for i, layer in enumerate(layers):
        if not isinstance(layer, list) or len(layer) != sizes[i + 1]:
            raise fail(f"layer {i} should have {sizes[i + 1]} neurons")
        for j, neuron in enumerate(layer):
            ok = (
                isinstance(neuron, dict)
                and isinstance(neuron.get("w"), list)
                and len(neuron["w"]) == sizes[i]
                and all(map(_is_number, neuron["w"]))
                and _is_number(neuron.get("b"))
            )
            if not ok:
                raise fail(f"layer {i} neuron {j} needs {sizes[i]} numeric weights and a bias")
        state[f"layers.{i}.weight"] = [neuron["w"] for neuron in layer]
        state[f"layers.{i}.bias"] = [neuron["b"] for neuron in layer]
    return state


def _as_list(x: Input | Sequence[Input]) -> list[Input] | tuple[Input, ...]:
    if isinstance(x, (list, tuple)):
        return x
    return list(x) if isinstance(x, Sequence) else [x]  # e.g. a one-neuron layer's Value


def _is_count(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x > 0


def _is_number(x: Any) -> bool:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int too large for a float
        return False
