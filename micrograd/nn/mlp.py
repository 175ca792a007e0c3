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

import contextlib
import json
import math
import os
import random
import sys
import tempfile
from collections.abc import Sequence
from operator import attrgetter, mul
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from micrograd.engine import (
    Value,
    is_grad_enabled,
    linear,
    linear_node,
    sigmoid,
    sum_left_to_right,
)
from micrograd.nn.module import Module

__all__ = ["ACTIVATIONS", "INITS", "MLP", "Layer", "Neuron"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
INITS = ("uniform", "xavier", "he")
FORMAT = "micrograd.MLP"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 64 * 2**20
"""The largest model file :meth:`MLP.load` reads (64 MiB, some two million weights); a
larger one, or an endless one such as a link to /dev/zero, is refused unread."""

Input = Value | float | int


_ACTIVATE = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": lambda act: act,
}
# The same activations on plain floats, for evaluation under no_grad.
_ACTIVATE_NUMBER = {
    "tanh": math.tanh,
    "sigmoid": sigmoid,
}
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
        if not _is_count(nin):
            raise ValueError(f"Neuron: nin must be a positive int, got {nin!r}")
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

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def _tensors(self) -> dict[str, Any]:
        return {"weight": self.w, "bias": self.b}

    def __repr__(self) -> str:
        name = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}
        return f"{name[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all see the same inputs.

    Returns a list of Values, or a single Value when ``nout == 1`` (as in
    micrograd); a one-neuron layer still works as a hidden layer.

    >>> layer = Layer(3, 2, rng=random.Random(0))
    >>> len(layer([1.0, 2.0, 3.0]))
    2
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        if not _is_count(nout):  # True is an int to Python, but no width
            raise ValueError(f"Layer: nout must be a positive int, got {nout!r}")
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

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def _tensors(self) -> dict[str, Any]:
        # One matrix, a row per neuron: torch.nn.Linear's layout.
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

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def _tensors(self) -> dict[str, Any]:
        # PyTorch's names for an attribute holding a list of modules: layers.0.weight, ...
        return {
            f"layers.{i}.{name}": tensor
            for i, layer in enumerate(self.layers)
            for name, tensor in layer._tensors().items()
        }

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
        """Write the architecture and weights to ``path`` as JSON (never pickle).

        The file is written whole or not at all: to a temporary file beside it, then
        renamed over it, so a full disk or a crash mid-write leaves the old file intact.
        """
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": self.activation,
            "output_activation": self.output_activation,
            "layers": [
                [{"w": [w.data for w in n.w], "b": n.b.data} for n in layer.neurons]
                for layer in self.layers
            ],
        }
        try:
            text = json.dumps(document, allow_nan=False)
        except ValueError:
            raise ValueError(
                "MLP.save: the weights hold NaN or infinity; refusing to save"
            ) from None
        _write_atomically(Path(path), text)

    @classmethod
    def load(cls, path: str | Path, fused: bool = True) -> MLP[Any]:
        """A new MLP from a file written by :meth:`save`.

        Raises:
            ValueError: the file is larger than :data:`MAX_FILE_BYTES`, not valid JSON,
                nested too deeply, holds a number too large for a float, is not a
                micrograd MLP, of an unknown format version, or its weights do not fit
                its shape.  Nothing is half-loaded: the model is built only once all
                checks pass.
        """
        with open(path, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # at most: the file may be endless
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(
                f"MLP.load: {path} is larger than {MAX_FILE_BYTES // 2**20} MiB; "
                "not a model file this reads"
            )
        try:
            document = json.loads(data.decode("utf-8"), parse_int=_int, parse_float=_float)
        except json.JSONDecodeError as error:
            raise ValueError(f"MLP.load: {path} is not valid JSON ({error})") from None
        except UnicodeDecodeError:
            raise ValueError(f"MLP.load: {path} is not a text file") from None
        except RecursionError:
            raise ValueError(f"MLP.load: {path} is nested too deeply to be a model") from None
        except _NumberTooLarge as error:
            raise ValueError(f"MLP.load: {path}: {error}") from None
        return cls._from_document(document, str(path), fused)

    @classmethod
    def _from_document(cls, document: Any, source: str, fused: bool) -> MLP[Any]:
        def fail(why: str) -> ValueError:
            return ValueError(f"MLP.load: {source}: {why}")

        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise fail(f"not a micrograd MLP file (no 'format': {FORMAT!r})")
        if document.get("version") != FORMAT_VERSION:
            raise fail(f"format version {document.get('version')!r}; this micrograd reads 1")
        nin, nouts, layers = document.get("nin"), document.get("nouts"), document.get("layers")
        if not _is_count(nin) or not isinstance(nouts, list) or not all(map(_is_count, nouts)):
            raise fail("'nin' and 'nouts' must be positive whole numbers")
        if not nouts:
            raise fail("'nouts' is empty")
        activation = document.get("activation")
        output_activation = document.get("output_activation")
        if activation not in ACTIVATIONS or output_activation not in ACTIVATIONS:
            raise fail(f"activations must be among {ACTIVATIONS}")
        if not isinstance(layers, list) or len(layers) != len(nouts):
            raise fail(f"expected {len(nouts)} layers of weights")
        sizes = [nin, *nouts]
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
        width = cast(int, nin)  # checked above
        model = cls(width, nouts, activation, output_activation, rng=random.Random(0), fused=fused)
        for layer, saved_layer in zip(model.layers, layers):
            for neuron, saved in zip(layer.neurons, saved_layer):
                for w, data in zip(neuron.w, saved["w"]):
                    w.data = float(data)
                neuron.b.data = float(saved["b"])
        return model


class _NumberTooLarge(ValueError):
    pass


def _int(digits: str) -> int:
    # Every number in a model file must fit a float.  Checking the length first also keeps
    # a 5,000-digit number from Python's own digit limit and its message about that.
    if len(digits.lstrip("-")) > 309 or abs(number := int(digits)) > sys.float_info.max:
        shown = digits if len(digits) <= 30 else f"{digits[:12]}... ({len(digits)} digits)"
        raise _NumberTooLarge(f"the number {shown} is too large for a float")
    return number


def _float(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e400 would otherwise become infinity unseen
        raise _NumberTooLarge(f"the number {text[:30]} is too large for a float")
    return number


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file in ``path``'s folder, then rename it over ``path``."""
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            # mkstemp makes the file private; keep the mode of the file being replaced.
            os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


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
