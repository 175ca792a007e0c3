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

:func:`find_unrolled` does the same for a recurrent cell (``RNNCell``, ``LSTMCell``,
``GRUCell``) run over one sequence by ``unroll``: it finds each time step's nodes and
its state ``h_t`` (and ``c_t``), so that the explorer can show one box per time step.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from micrograd.backprop import grad
from micrograd.engine import OPS, Value
from micrograd.nn import GRUCell, LSTMCell, Module, RNNCell
from micrograd.trace import node_names, op_entry, operands

__all__ = [
    "Diagnosis",
    "Network",
    "NeuronReport",
    "TimeStep",
    "Unrolled",
    "diagnose",
    "find_network",
    "find_unrolled",
    "node_names_of",
]

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


# --- Recurrent cells, unrolled over a sequence ------------------------------------------


@dataclass
class TimeStep:
    """One call of a recurrent cell found in the graph: time step ``name`` ("t1", ...)."""

    name: str
    inputs: list[Value | float]  # x_t
    state: list[Value | float]  # h_{t-1}: the state it read
    h: list[Value]  # h_t: the state it made
    c: list[Value] | None  # c_t, an LSTM's cell state
    nodes: list[Value]  # every node the step made (h_t and c_t among them)


@dataclass
class Unrolled:
    """A cell unrolled over a sequence: ``steps`` in time order, the cell's parameters."""

    cell: str  # its class: "RNNCell", "LSTMCell" or "GRUCell"
    name: str  # where the model holds it ("cell"), "" for the model itself
    activation: str | None  # an RNNCell's nonlinearity ("tanh", "relu"); None for the others
    steps: list[TimeStep]
    params: list[Value]  # the cell's parameters that the graph uses
    root: Value


_CELLS = (RNNCell, LSTMCell, GRUCell)


def _find_cell(model: Any) -> tuple[str, Any] | None:
    """The one recurrent cell in ``model`` (the model itself, or held in its attributes or
    lists of them), with its name; None when there is none or more than one."""
    found: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any]] = [("", model)]
    seen: set[int] = set()
    while stack:
        name, module = stack.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        if isinstance(module, _CELLS):
            found.append((name, module))
            continue
        for attribute, held in getattr(module, "__dict__", {}).items():
            prefix = f"{name}.{attribute}" if name else attribute
            if isinstance(held, Module):
                stack.append((prefix, held))
            elif isinstance(held, (list, tuple)):
                stack.extend(
                    (f"{prefix}.{i}", m) for i, m in enumerate(held) if isinstance(m, Module)
                )
    return found[0] if len(found) == 1 else None


def _key(xs: Any) -> tuple:
    """Which inputs a node read: a Value by identity, a folded number by value."""
    return tuple(id(x) if isinstance(x, Value) else ("number", x) for x in xs)


def find_unrolled(
    root: Value, model: Any, names: dict[Value, str] | None = None
) -> Unrolled | None:
    """The graph of ``root`` as ``model``'s recurrent cell unrolled over one sequence, or None.

    ``model`` is the cell, or a Module that holds exactly one (a cell and a readout, say).
    Each call of the cell is found by its gate sums (the ``linear`` nodes whose weights are
    the cell's rows), in time order (each step reads the state the one before made).  None
    when there is no cell, when it was run over several sequences (a batch), or when the
    steps do not chain.

    >>> import random
    >>> from micrograd.nn import RNNCell, unroll
    >>> cell = RNNCell(1, 2, rng=random.Random(0))
    >>> outputs, (h1, h2) = unroll(cell, [[1.0], [-1.0], [1.0]])
    >>> found = find_unrolled(h1 + h2, cell)
    >>> [step.name for step in found.steps], found.steps[-1].h == outputs[-1]
    (['t1', 't2', 't3'], True)
    """
    held = None if model is None else _find_cell(model)
    if held is None:
        return None
    name, cell = held
    if names is None:
        names = node_names(root)
    n, size = cell.hidden_size, cell.input_size
    # the gate sums that read [*x, *h]: every row of an RNN or LSTM, a GRU's r and z rows
    reading_both = 2 * n if isinstance(cell, GRUCell) else len(cell.weight_ih)
    rows = {
        tuple(map(id, [*cell.weight_ih[k], *cell.weight_hh[k]])): k for k in range(reading_both)
    }
    consumers: dict[Value, list[Value]] = {}
    calls: dict[tuple, dict[int, Value]] = {}  # each call's gate sums, by what they read
    for v in names:
        entry = op_entry(v)
        if entry is None:
            continue
        xs = operands(v)
        for x in xs:
            if isinstance(x, Value):
                consumers.setdefault(x, []).append(v)
        half = (len(xs) - 1) // 2
        if entry.name == "linear" and (k := rows.get(tuple(map(id, xs[:half])))) is not None:
            calls.setdefault(_key(xs[half:-1]), {})[k] = v
    if not calls:
        return None
    by_state = {key[size:]: key for key in calls}  # a call, by the state it read
    if len(by_state) != len(calls):
        return None  # two calls read the same state: a batch
    made: dict[tuple, tuple[list[Value], list[Value] | None]] = {}
    for key, gate in calls.items():
        found = (
            None if sorted(gate) != list(range(reading_both)) else _state_of(cell, gate, consumers)
        )
        if found is None:
            return None
        made[key] = found
    states = {_key(h) for h, _ in made.values()}
    firsts = [key for key in calls if key[size:] not in states]  # read a state no call made
    if len(firsts) != 1:
        return None
    steps: list[TimeStep] = []
    call: tuple | None = firsts[0]
    while call is not None and len(steps) < len(calls):
        h, c = made[call]
        xs = operands(next(iter(calls[call].values())))
        inputs = list(xs[(len(xs) - 1) // 2 : -1])
        steps.append(TimeStep(f"t{len(steps) + 1}", inputs[:size], inputs[size:], h, c, []))
        call = by_state.get(_key(h))
    if len(steps) != len(calls):
        return None
    params = [p for p in cell.parameters() if p in names]
    stop = set(map(id, params))
    for before, step in zip([None, *steps], steps):
        ends = stop | {id(x) for x in step.inputs if isinstance(x, Value)}
        if before is not None:
            ends |= {id(v) for v in [*before.h, *(before.c or [])]}
        step.nodes = _made_between([*step.h, *(step.c or [])], ends)
    activation = cell.nonlinearity if isinstance(cell, RNNCell) else None
    return Unrolled(type(cell).__name__, name, activation, steps, params, root)


def _only(nodes: list[Value], name: str, other: Any = None) -> Value | None:
    """The one node among ``nodes`` made by op ``name`` (and, given ``other``, reading it)."""
    found = [
        v for v in nodes if _is(v, name) and (other is None or any(x is other for x in operands(v)))
    ]
    return found[0] if len(found) == 1 else None


def _state_of(
    cell: Any, gate: dict[int, Value], consumers: dict[Value, list[Value]]
) -> tuple[list[Value], list[Value] | None] | None:
    """h_t (and c_t) of one call, from its gate sums: each row's sum (``+ b_hh`` with
    biases), then the cell's own rule; None when the graph does not follow it."""
    n = cell.hidden_size
    total: dict[int, Value] = {}
    for k, s in gate.items():
        if cell.bias_hh is None:
            total[k] = s
            continue
        added = _only(consumers.get(s, []), "add", cell.bias_hh[k])
        if added is None:
            return None
        total[k] = added
    h: list[Value] = []
    c: list[Value] | None = None
    if isinstance(cell, RNNCell):
        for j in range(n):
            out = _only(consumers.get(total[j], []), cell.nonlinearity)
            if out is None:
                return None
            h.append(out)
    elif isinstance(cell, LSTMCell):
        c = []
        for j in range(n):
            o = _only(consumers.get(total[3 * n + j], []), "sigmoid")
            out = None if o is None else _only(consumers.get(o, []), "mul")
            if out is None:
                return None
            squashed = next(x for x in operands(out) if x is not o)
            if not isinstance(squashed, Value) or not _is(squashed, "tanh"):
                return None
            h.append(out)
            c.append(operands(squashed)[0])  # type: ignore[arg-type]
    else:  # GRU: h' = (1 - z) * n + z * h
        for j in range(n):
            z = _only(consumers.get(total[n + j], []), "sigmoid")
            kept = None if z is None else _only(consumers.get(z, []), "mul")
            out = None if kept is None else _only(consumers.get(kept, []), "add")
            if out is None:
                return None
            h.append(out)
    return h, c


def _made_between(outputs: list[Value], stop: set[int]) -> list[Value]:
    """The nodes that made ``outputs``, walking back until a leaf or a node in ``stop``."""
    found: list[Value] = []
    seen: set[int] = set()
    stack = list(outputs)
    while stack:
        v = stack.pop()
        if id(v) in seen or id(v) in stop or not v.parents:
            continue
        seen.add(id(v))
        found.append(v)
        stack.extend(v.parents)
    return found


def node_names_of_steps(unrolled: Unrolled) -> dict[Value, str]:
    """Names for each step's state, ``t3.h[0]`` and ``t3.c[0]``; a node with a label keeps it."""
    found: dict[Value, str] = {}
    for step in unrolled.steps:
        for j, v in enumerate(step.h):
            found[v] = f"{step.name}.h[{j}]"
        for j, v in enumerate(step.c or []):
            found.setdefault(v, f"{step.name}.c[{j}]")
    return {v: name for v, name in found.items() if not v.label}
