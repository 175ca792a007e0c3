"""The bridge to PyTorch behind ``Module.to_torch()`` and ``Module.from_torch()``.

Each of our modules that has a twin in ``torch.nn`` keeps its constructor
arguments under PyTorch's names (``in_features``, ``kernel_size``, ...) and its
weights in PyTorch's layouts, so crossing over is a table lookup: which
``torch.nn`` class, which arguments to copy, and which of PyTorch's settings we
do not have (``dilation``, ``groups``, ...), which must be at their defaults.

=================  ==============================  ========================================
ours               ``torch.nn``                    arguments copied
=================  ==============================  ========================================
``Linear``         ``Linear``                      in_features, out_features, bias
``Embedding``      ``Embedding``                   num_embeddings, embedding_dim
``RNNCell``        ``RNNCell``                     input_size, hidden_size, bias, nonlinearity
``LSTMCell``       ``LSTMCell``                    input_size, hidden_size, bias
``GRUCell``        ``GRUCell``                     input_size, hidden_size, bias
``Conv2d``         ``Conv2d``                      in_channels, out_channels, kernel_size,
                                                   stride, padding, bias
``MaxPool2d``      ``MaxPool2d``                   kernel_size, stride
``MLP``            ``Sequential`` of ``Linear``    (each layer, and ReLU / Tanh / Sigmoid
                   and activation modules          after it unless it is linear)
=================  ==============================  ========================================

PyTorch is imported only inside these functions: without it, the rest of
micrograd works and these raise an ImportError naming the ``torch`` extra.
Torch modules come back in float64, so their outputs equal ours to about 1e-15.

This module imports nothing from ``micrograd.nn``, so that ``Module.to_torch()``
can call it downward: it finds a class's twin by the class's name, and reads a
model only through its attributes and ``state_dict()``.

    >>> TWINS["Conv2d"].torch_class, TWINS["Conv2d"].arguments[:2]
    ('Conv2d', ('in_channels', 'out_channels'))
"""

from __future__ import annotations

import random
from typing import Any, NamedTuple, TypeVar

__all__ = ["ACTIVATION_MODULES", "TWINS", "Twin", "from_torch", "to_torch"]

M = TypeVar("M")

DISTRIBUTION = "micrograd-stepwise"  # what pip installs this project as, for the error message


class Twin(NamedTuple):
    """How one of our classes maps to a ``torch.nn`` class.

    >>> TWINS["Linear"]
    Twin(torch_class='Linear', arguments=('in_features', 'out_features', 'bias'), required=())
    """

    torch_class: str
    """The name of the class in ``torch.nn``."""
    arguments: tuple[str, ...]
    """Constructor arguments, the same name and meaning on both sides."""
    required: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    """PyTorch settings we do not have: (attribute name, the values that mean "off")."""


_BIAS_AND_SIZES = ("input_size", "hidden_size", "bias")

TWINS: dict[str, Twin] = {
    "Linear": Twin("Linear", ("in_features", "out_features", "bias")),
    "Embedding": Twin(
        "Embedding",
        ("num_embeddings", "embedding_dim"),
        (
            ("padding_idx", (None,)),
            ("max_norm", (None,)),
            ("scale_grad_by_freq", (False,)),
            ("sparse", (False,)),
        ),
    ),
    "RNNCell": Twin("RNNCell", (*_BIAS_AND_SIZES, "nonlinearity")),
    "LSTMCell": Twin("LSTMCell", _BIAS_AND_SIZES),
    "GRUCell": Twin("GRUCell", _BIAS_AND_SIZES),
    "Conv2d": Twin(
        "Conv2d",
        ("in_channels", "out_channels", "kernel_size", "stride", "padding", "bias"),
        (("dilation", ((1, 1),)), ("groups", (1,)), ("padding_mode", ("zeros",))),
    ),
    "MLP": Twin("Sequential", ()),  # built layer by layer: see _mlp_to_torch
    "MaxPool2d": Twin(
        "MaxPool2d",
        ("kernel_size", "stride"),
        (
            ("padding", (0, (0, 0))),
            ("dilation", (1, (1, 1))),
            ("ceil_mode", (False,)),
            ("return_indices", (False,)),
        ),
    ),
}

ACTIVATION_MODULES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
"""The ``torch.nn`` module of each of our activations; "linear" has none."""


def _torch(what: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(f"{what} needs PyTorch: pip install '{DISTRIBUTION}[torch]'") from None
    return torch


def _twin(cls: type, who: str) -> Twin:
    for klass in cls.__mro__:  # a subclass of our Linear crosses over as a Linear
        if klass.__module__.startswith("micrograd.nn.") and klass.__name__ in TWINS:
            return TWINS[klass.__name__]
    raise TypeError(f"{who}: {cls.__name__} has no twin in torch.nn")


def _has_bias(module: Any) -> bool:
    # A cell's ``bias`` is a flag; a Linear's or Conv2d's is the bias itself, or None.
    bias = module.bias
    return bias if isinstance(bias, bool) else bias is not None


def _argument(module: Any, name: str) -> Any:
    return _has_bias(module) if name == "bias" else getattr(module, name)


def _load_into_torch(torch: Any, module: Any, state: dict[str, Any]) -> None:
    module.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in state.items()})


def to_torch(model: Any) -> Any:
    """The ``torch.nn`` twin of ``model`` in float64, with a copy of its weights.

    >>> import pytest; torch = pytest.importorskip("torch")   # only with the torch extra
    >>> import random
    >>> from micrograd.nn import Conv2d
    >>> conv = Conv2d(1, 2, kernel_size=3, padding=1, rng=random.Random(0))
    >>> twin = to_torch(conv)
    >>> twin, twin.weight.dtype
    (Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)), torch.float64)
    >>> twin.weight[1, 0, 2, 2].item() == conv.weight[1][0][2][2].data
    True
    """
    who = f"{type(model).__name__}.to_torch"
    torch = _torch(who)
    twin = _twin(type(model), who)
    if twin.torch_class == "Sequential":
        return _mlp_to_torch(torch, model)
    arguments = {name: _argument(model, name) for name in twin.arguments}
    module = getattr(torch.nn, twin.torch_class)(**arguments).to(torch.float64)
    _load_into_torch(torch, module, model.state_dict())
    return module


def from_torch(cls: type[M], module: Any) -> M:
    """A new ``cls`` built from a ``torch.nn`` module: its arguments and its weights.

    Raises:
        TypeError: ``module`` is not the ``torch.nn`` twin of ``cls``.
        ValueError: ``module`` uses a setting we do not have (``dilation=2``,
            ``groups=2``, an MLP with a layer that is not Linear, ...).

    >>> import pytest; torch = pytest.importorskip("torch")   # only with the torch extra
    >>> from micrograd.nn import MLP
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    >>> model = from_torch(MLP, net)
    >>> model.summary()
    'MLP(2 -> 3 tanh -> 1 linear), 13 parameters'
    >>> x = [0.5, -1.0]
    >>> abs(model(x).data - net(torch.tensor(x)).item()) < 1e-6   # net is float32
    True
    """
    who = f"{cls.__name__}.from_torch"
    torch = _torch(who)
    twin = _twin(cls, who)
    if twin.torch_class == "Sequential":
        return _mlp_from_torch(torch, cls, module, who)
    _check_plain(torch, module, twin.torch_class, who, "the module")
    for name, allowed in twin.required:
        value = getattr(module, name)
        if value not in allowed:
            raise ValueError(f"{who}: {name}={value!r} is not supported (only {allowed[0]!r})")
    arguments = {name: _argument(module, name) for name in twin.arguments}
    if isinstance(arguments.get("padding"), str):
        raise ValueError(f"{who}: padding={arguments['padding']!r} is not supported; give numbers")
    if twin.torch_class == "MaxPool2d":  # nothing to learn, so no rng and no weights
        return cls(**arguments)
    build: Any = cls  # each class with a twin takes rng
    ours = build(**arguments, rng=random.Random(0))  # the initial weights are replaced next
    ours.load_state_dict(module.state_dict())
    return ours


# --- MLP <-> nn.Sequential ---------------------------------------------------------


def _mlp_to_torch(torch: Any, model: Any) -> Any:
    modules: list[Any] = []
    state: dict[str, Any] = {}
    for layer in model.layers:
        # Our layers.i is the Sequential's module at its position, activations counted.
        for name, tensor in layer.state_dict().items():
            state[f"{len(modules)}.{name}"] = tensor
        modules.append(torch.nn.Linear(len(layer.neurons[0].w), len(layer.neurons)))
        activation = layer.neurons[0].activation
        if activation != "linear":
            modules.append(getattr(torch.nn, ACTIVATION_MODULES[activation])())
    sequential = torch.nn.Sequential(*modules).to(torch.float64)
    _load_into_torch(torch, sequential, state)
    return sequential


def _check_plain(torch: Any, module: Any, torch_class: str, who: str, what: str) -> None:
    """A TypeError or ValueError unless ``module`` is exactly ``torch.nn.<torch_class>``
    as PyTorch builds it: a subclass (whose ``forward`` may compute something else), a
    parametrized module (its weights are computed) or one with forward hooks would
    convert to a module that computes something else, silently."""
    if torch.nn.utils.parametrize.is_parametrized(module):
        names = ", ".join(module.parametrizations)
        raise ValueError(
            f"{who}: {what} has parametrizations ({names}), so its weights are computed; "
            "remove them first (torch.nn.utils.parametrize.remove_parametrizations)"
        )
    expected = getattr(torch.nn, torch_class)
    if type(module) is not expected:
        raise TypeError(
            f"{who}: expected a torch.nn.{torch_class}, got {type(module)!r} "
            "(a subclass may compute something else)"
        )
    if getattr(module, "_forward_hooks", None) or getattr(module, "_forward_pre_hooks", None):
        raise ValueError(
            f"{who}: {what} has forward hooks (weight_norm adds one), which change what it "
            "computes; remove them first"
        )


def _mlp_from_torch(torch: Any, cls: Any, sequential: Any, who: str) -> Any:
    _check_plain(torch, sequential, "Sequential", who, "the Sequential")
    names = {module: name for name, module in ACTIVATION_MODULES.items()}
    linears: list[Any] = []
    activations: list[str] = []
    for position, module in enumerate(sequential):
        kind = type(module).__name__
        if isinstance(module, torch.nn.Linear):
            _check_plain(torch, module, "Linear", who, f"the Linear at {position}")
            if module.bias is None:
                raise ValueError(f"{who}: the Linear at {position} has no bias; MLP neurons do")
            if linears and module.in_features != linears[-1].out_features:
                raise ValueError(
                    f"{who}: the Linear at {position} takes {module.in_features} inputs, "
                    f"but the layer before it gives {linears[-1].out_features}"
                )
            linears.append(module)
            activations.append("linear")
        elif kind in names and type(module) is getattr(torch.nn, kind) and linears:
            if activations[-1] != "linear":
                raise ValueError(f"{who}: two activations in a row at {position}")
            activations[-1] = names[kind]
        else:
            raise ValueError(
                f"{who}: module {position} is {kind}; an MLP is Linear layers, "
                "each followed by ReLU, Tanh, Sigmoid or nothing"
            )
    if not linears:
        raise ValueError(f"{who}: the Sequential has no Linear layer")
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(f"{who}: the hidden layers' activations differ: {activations[:-1]}")
    model = cls(
        linears[0].in_features,
        [m.out_features for m in linears],
        activation=hidden.pop() if hidden else "relu",
        output_activation=activations[-1],
        rng=random.Random(0),  # the initial weights are replaced next
    )
    state = {}
    for i, linear in enumerate(linears):
        state[f"layers.{i}.weight"] = linear.weight.detach()
        state[f"layers.{i}.bias"] = linear.bias.detach()
    model.load_state_dict(state)
    return model
