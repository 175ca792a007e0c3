"""A model's graph seen as a network: layers of neurons, and which of them are in trouble.

After an ordinary forward pass, :func:`find_network` reads the graph of a loss
together with the model that made it and finds each neuron's nodes: its weighted
sum ``net`` (the fused ``linear``/``linear_relu`` node whose weights are the
neuron's, or, op by op, the ``+`` that adds the last ``w·x`` to the chain starting
at its bias) and its output ``out`` (the activation applied to ``net``).  Nothing is
recorded while training; all of it is derived from the graph afterwards.

:func:`diagnose` uses it to say which neurons pass (almost) no gradient back:

    >>> import random
    >>> from micrograd import Value
    >>> from micrograd.nn import MLP
    >>> model = MLP(2, [2, 1], rng=random.Random(0))
    >>> model.layers[0].neurons[1].b.data = -100.0  # forced dead
    >>> loss = (model([Value(1.0), Value(2.0)]) - 1) ** 2
    >>> report = diagnose(loss, model)
    >>> report.neurons["layers.0.1"].flags
    ('dead',)
    >>> sorted(report.layers)
    ['layers.0', 'layers.1']

Works for models made of ``MLP``, ``Layer``, ``Neuron`` and ``Linear`` plus
activations (``relu``, ``tanh``, ``sigmoid``), fused or op by op, including a
user's Module that holds them, used once on one input.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from micrograd.backprop import grad
from micrograd.engine import OPS, Value
from micrograd.trace import node_names, op_entry, operands

__all__ = ["Diagnosis", "Network", "NeuronReport", "diagnose", "find_network", "node_names_of"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")
SATURATED = 0.01  # |f'(net)| below this: (almost) no gradient flows back through the neuron

_WEIGHT = re.compile(r"^(?:(.*)\.)?weight\[(\d+)\](?:\[(\d+)\])?$")
_BIAS = re.compile(r"^(?:(.*)\.)?bias(?:\[(\d+)\])?$")


@dataclass
class Neuron:
    """One neuron found in the graph: its parameters and its nodes."""

    name: str
    activation: str  # "relu", "tanh", "sigmoid" or "linear"
    weights: list[Value]
    bias: Value | None
    inputs: list[Value | float]  # what each weight multiplies
    net: Value  # the weighted sum's node (for a fused linear_relu, the node that also applies relu)
    out: Value  # the activation's node (net itself without one)
    nodes: list[Value]  # every node the neuron made, in no particular order

    @property
    def net_fused(self) -> bool:
        """True when ``net`` has no node of its own: the relu is folded into it."""
        entry = op_entry(self.net)
        return entry is not None and entry.name == "linear_relu"

    def net_data(self) -> float:
        """The weighted sum, as the engine adds it: left to right from the bias."""
        if not self.net_fused:
            return self.net.data
        xs = operands(self.net)
        n = (len(xs) - 1) // 2
        acc = _data(xs[2 * n])
        for w, x in zip(xs[:n], xs[n : 2 * n]):
            acc = acc + _data(w) * _data(x)
        return acc


@dataclass
class Network:
    """A model's graph as layers of neurons: ``layers`` is ``[(name, [Neuron, ...]), ...]``."""

    inputs: list[Value | float]
    layers: list[tuple[str, list[Neuron]]]
    root: Value


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _parameter_groups(model: Any) -> dict[tuple[str, int], dict[str, Any]]:
    """The model's parameters grouped by neuron: ``(layer, j) -> {weights: {i: w}, bias}``."""
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for name, p in model.named_parameters():
        if m := _WEIGHT.match(name):
            prefix, first, second = m.group(1) or "", m.group(2), m.group(3)
            j, i = (int(first), int(second)) if second is not None else (-1, int(first))
            groups.setdefault((prefix, j), {"weights": {}, "bias": None})["weights"][i] = p
        elif m := _BIAS.match(name):
            prefix, j = m.group(1) or "", -1 if m.group(2) is None else int(m.group(2))
            groups.setdefault((prefix, j), {"weights": {}, "bias": None})["bias"] = p
    return groups


def find_network(root: Value, model: Any, names: dict[Value, str] | None = None) -> Network | None:
    """The graph of ``root`` as ``model``'s layers of neurons, or None when it is not one.

    None when the model is not made of neurons (weights ``weight[j][i]`` and biases
    ``bias[j]``), when a neuron's weighted sum is not found exactly once (the model
    was used on a batch, or not at all), or when the layers do not feed one another.

    >>> import random
    >>> from micrograd.nn import MLP
    >>> model = MLP(2, [3, 1], rng=random.Random(0), fused=False)
    >>> net = find_network(model([Value(1.0), Value(2.0)]), model)
    >>> [(name, len(neurons)) for name, neurons in net.layers]
    [('layers.0', 3), ('layers.1', 1)]
    """
    if model is None or not hasattr(model, "named_parameters"):
        return None
    try:
        groups = _parameter_groups(model)
    except NotImplementedError:
        return None
    if names is None:
        names = node_names(root)
    consumers: dict[Value, list[Value]] = {}
    by_weights: dict[tuple[int, ...], list[Value]] = {}
    for v in names:
        entry = op_entry(v)
        if entry is None:
            continue
        xs = operands(v)
        for x in xs:
            if isinstance(x, Value):
                consumers.setdefault(x, []).append(v)
        if entry.name in ("linear", "linear_relu"):
            n = (len(xs) - 1) // 2
            by_weights.setdefault(tuple(id(w) for w in xs[:n]), []).append(v)
    layers: dict[str, list[Neuron]] = {}
    for (prefix, j), group in sorted(groups.items(), key=lambda item: item[0]):
        weights = [group["weights"][i] for i in sorted(group["weights"])]
        if not weights or list(sorted(group["weights"])) != list(range(len(weights))):
            return None
        if not any(w in names for w in weights):
            continue  # a part of the model this graph does not use
        name = f"{prefix}.{j}" if prefix and j >= 0 else prefix or (str(j) if j >= 0 else "neuron")
        neuron = _find_neuron(name, weights, group["bias"], by_weights, consumers)
        if neuron is None:
            return None
        layers.setdefault(prefix or "layer", []).append(neuron)
    if not layers:
        return None
    return _chain(root, layers)


def _find_neuron(
    name: str,
    weights: list[Value],
    bias: Value | None,
    by_weights: dict[tuple[int, ...], list[Value]],
    consumers: dict[Value, list[Value]],
) -> Neuron | None:
    fused = by_weights.get(tuple(id(w) for w in weights), [])
    if len(fused) > 1:
        return None
    if fused:
        net = fused[0]
        xs = operands(net)
        n = len(weights)
        if bias is not None and xs[2 * n] is not bias:
            return None
        inputs, nodes = list(xs[n : 2 * n]), [net]
    else:  # op by op: b + w1*x1 + ... + wn*xn, added left to right from the bias
        if bias is None:
            return None
        inputs, nodes, net = [], [], bias
        for w in weights:
            muls = [m for m in consumers.get(w, []) if _is(m, "mul")]
            if len(muls) != 1:
                return None
            a, b = operands(muls[0])
            inputs.append(b if a is w else a)
            adds = [
                s
                for s in consumers.get(net, [])
                if _is(s, "add") and set(map(id, operands(s))) == {id(net), id(muls[0])}
            ]
            if len(adds) != 1:
                return None
            net = adds[0]
            nodes += [muls[0], net]
    out, activation = net, "linear"
    entry = op_entry(net)
    if entry is not None and entry.name == "linear_relu":
        activation = "relu"
    else:
        after = [c for c in consumers.get(net, []) if op_entry(c).name in ACTIVATIONS]  # type: ignore[union-attr]
        if len(after) == 1 and len(consumers[net]) == 1:
            out = after[0]
            activation = op_entry(out).name  # type: ignore[union-attr]
            nodes.append(out)
    return Neuron(name, activation, weights, bias, inputs, net, out, nodes)


def node_names_of(network: Network) -> dict[Value, str]:
    """Names for the nodes each neuron made, so that its graph reads in its terms:
    ``layers.0.1.net``, ``layers.0.1.out``, and op by op ``layers.0.1.wx[0]`` (w[0] × x[0])
    and ``layers.0.1.sum[0]`` (b + w[0] × x[0]).  A node with a label keeps it."""
    found: dict[Value, str] = {}
    for _, neurons in network.layers:
        for n in neurons:
            if not n.net_fused:
                for k, node in enumerate(n.nodes[: 2 * len(n.weights)]):
                    found[node] = (
                        f"{n.name}.wx[{k // 2}]" if k % 2 == 0 else f"{n.name}.sum[{k // 2}]"
                    )
                found[n.net] = f"{n.name}.net"
            found[n.out] = f"{n.name}.out"
    return {v: name for v, name in found.items() if not v.label}


def _is(node: Value, name: str) -> bool:
    entry = op_entry(node)
    return entry is not None and entry.name == name


def _same_inputs(a: list[Value | float], b: list[Value | float]) -> bool:
    return len(a) == len(b) and all(
        x is y or (not isinstance(x, Value) and not isinstance(y, Value) and x == y)
        for x, y in zip(a, b)
    )


def _chain(root: Value, layers: dict[str, list[Neuron]]) -> Network | None:
    """The layers in the order they feed one another: each reads the previous one's outputs."""
    outs_of = {name: [n.out for n in neurons] for name, neurons in layers.items()}
    for neurons in layers.values():
        if not all(_same_inputs(n.inputs, neurons[0].inputs) for n in neurons):
            return None
    produced = {id(o) for outs in outs_of.values() for o in outs}
    firsts = [
        name
        for name, neurons in layers.items()
        if not any(id(x) in produced for x in neurons[0].inputs)
    ]
    if len(firsts) != 1:
        return None
    order = [firsts[0]]
    while len(order) < len(layers):
        outs = outs_of[order[-1]]
        following = [
            name
            for name, neurons in layers.items()
            if name not in order and _same_inputs(neurons[0].inputs, outs)  # type: ignore[arg-type]
        ]
        if len(following) != 1:
            return None
        order.append(following[0])
    inputs = layers[order[0]][0].inputs
    return Network(list(inputs), [(name, layers[name]) for name in order], root)


# --- Diagnostics ---------------------------------------------------------------------


@dataclass(frozen=True)
class NeuronReport:
    """One neuron after a forward and backward pass: ``delta`` is dL/dnet."""

    activation: str
    net: float
    out: float
    delta: float
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Diagnosis:
    """Per neuron, net, out, δ and flags; per layer, the norm of its parameters' gradients."""

    neurons: dict[str, NeuronReport]
    layers: dict[str, float]


def slope(activation: str, out: float) -> float:
    """f'(net) from the neuron's output, as the engine computes it.

    >>> slope("tanh", 0.0), slope("relu", 0.0), slope("sigmoid", 0.5)
    (1.0, 0.0, 0.25)
    """
    if activation not in ("relu", "tanh", "sigmoid"):
        return 1.0  # a linear neuron
    # The engine's own rule: relu's, tanh's and sigmoid's read only their output.
    return float(OPS[activation].derivative(out, out))


def flags(activation: str, net: float, out: float) -> tuple[str, ...]:
    """``("dead",)`` for a ReLU with net ≤ 0, ``("saturated",)`` for a tanh or sigmoid
    with |f'(net)| < 0.01, else ``()``.

    >>> flags("relu", -3.0, 0.0), flags("tanh", 4.0, math.tanh(4.0)), flags("tanh", 0.1, 0.1)
    (('dead',), ('saturated',), ())
    """
    if activation == "relu" and net <= 0:
        return ("dead",)
    if activation in ("tanh", "sigmoid") and abs(slope(activation, out)) < SATURATED:
        return ("saturated",)
    return ()


def diagnose(loss: Value, model: Any) -> Diagnosis:
    """Which neurons of ``model`` pass (almost) no gradient back, and each layer's gradient norm.

    The gradients are computed here (every ``.grad`` is left as it was).  A neuron is
    flagged ``"dead"`` (a ReLU with net ≤ 0: nothing flows back through it) or
    ``"saturated"`` (a tanh or sigmoid with |f'(net)| < 0.01).  A layer's norm is
    sqrt(Σ (dL/dp)²) over its weights and biases: tiny norms near the input mean
    vanishing gradients, huge ones exploding gradients.

    Raises ValueError when the graph is not the model's layers of neurons used once
    (see :func:`find_network`).

    >>> import math, random
    >>> from micrograd.nn import MLP
    >>> model = MLP(1, [1], activation="tanh", output_activation="tanh", rng=random.Random(0))
    >>> model.layers[0].neurons[0].b.data = 10.0  # tanh(10 + ...) is flat
    >>> diagnose(model([Value(0.5)]), model).neurons["layers.0.0"].flags
    ('saturated',)
    """
    network = find_network(loss, model)
    if network is None:
        raise ValueError(
            "diagnose: the graph is not the model's layers of neurons used once "
            "(an MLP, Layers, Neurons or Linear layers with activations, on one input)"
        )
    neurons = [n for _, layer in network.layers for n in layer]
    params = [p for n in neurons for p in [*n.weights, *([n.bias] if n.bias is not None else [])]]
    wanted = [n.out for n in neurons] + [n.net for n in neurons] + params
    grads = dict(zip(map(id, wanted), grad(loss, wanted)))
    reports = {}
    for n in neurons:
        net, out = n.net_data(), n.out.data
        # dL/dnet: the net node's own gradient, unless the relu is folded into it
        delta = grads[id(n.out)] * slope("relu", out) if n.net_fused else grads[id(n.net)]
        reports[n.name] = NeuronReport(n.activation, net, out, delta, flags(n.activation, net, out))
    norms = {}
    for name, layer in network.layers:
        own = [p for n in layer for p in [*n.weights, *([n.bias] if n.bias is not None else [])]]
        norms[name] = math.sqrt(sum(grads[id(p)] ** 2 for p in own))
    return Diagnosis(reports, norms)
