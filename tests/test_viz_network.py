"""micrograd.viz.network: a model's graph found as layers of neurons, and diagnose().

The page's network view is tested in Chromium in test_viz_explorer_browser.py; here the
Python side alone, against numbers computed independently with micrograd.grad."""

import random

import pytest

from micrograd import grad
from micrograd.engine import OPS, Value
from micrograd.nn import MLP, GRUCell, Linear, LSTMCell, Module, RNNCell, unroll
from micrograd.viz.network import (
    diagnose,
    find_network,
    find_unrolled,
    flags,
    node_names_of_steps,
    slope,
)


def two_layer(fused, activation="relu", seed=0):
    model = MLP(2, [3, 1], activation=activation, fused=fused, rng=random.Random(seed))
    loss = (model([Value(0.4, label="x1"), Value(-0.7, label="x2")]) - 1) ** 2
    return model, loss


@pytest.mark.parametrize("fused", [True, False])
def test_the_network_has_the_models_layers_and_neurons(fused):
    model, loss = two_layer(fused)
    network = find_network(loss, model)
    assert network is not None
    assert [name for name, _ in network.layers] == ["layers.0", "layers.1"]
    assert [len(neurons) for _, neurons in network.layers] == [3, 1]


def test_a_graph_that_is_not_the_models_layers_has_no_network():
    model, _ = two_layer(True)
    x = Value(2.0)
    assert find_network(x * x + 1, model) is None
    with pytest.raises(ValueError, match="diagnose: the graph is not"):
        diagnose(x * x + 1, model)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_delta_is_dloss_dnet_and_no_grad_is_touched(fused, activation):
    model, loss = two_layer(fused, activation, seed=3)
    before = [p.grad for p in model.parameters()]
    report = diagnose(loss, model)
    assert [p.grad for p in model.parameters()] == before
    network = find_network(loss, model)
    for _, neurons in network.layers:
        for neuron in neurons:
            (expected,) = grad(loss, [neuron.net])
            if neuron.net_fused:  # one linear+relu node: dL/dnet = relu'(net) * dL/dout
                expected *= 1.0 if neuron.net_data() > 0 else 0.0
            assert report.neurons[neuron.name].delta == pytest.approx(expected, abs=1e-15)


def test_a_forced_dead_relu_and_a_flat_tanh_are_flagged():
    model, _ = two_layer(True)
    model.layers[0].neurons[1].b.data = -100.0
    loss = (model([Value(0.4), Value(-0.7)]) - 1) ** 2
    assert diagnose(loss, model).neurons["layers.0.1"].flags == ("dead",)
    tanh = MLP(2, [2, 1], activation="tanh", fused=False, rng=random.Random(0))
    tanh.layers[0].neurons[0].b.data = 8.0
    loss = tanh([Value(1.0), Value(0.5)]) ** 2
    assert diagnose(loss, tanh).neurons["layers.0.0"].flags == ("saturated",)


def test_each_layers_norm_is_that_of_its_parameters_gradients():
    model, loss = two_layer(False, "tanh", seed=5)
    report = diagnose(loss, model)
    named = model.named_parameters()
    grads = grad(loss, [p for _, p in named])
    for layer in ("layers.0", "layers.1"):
        mine = [g for (name, _), g in zip(named, grads) if name.startswith(layer + ".")]
        assert report.layers[layer] == pytest.approx(sum(g * g for g in mine) ** 0.5)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("out", [-0.5, 0.0, 0.3, 0.999])
def test_the_slope_is_the_engines_own_rule(activation, out):
    assert slope(activation, out) == OPS[activation].derivative(out, out)
    assert flags("relu", 0.0, 0.0) == ("dead",) and flags("tanh", 0.0, 0.0) == ()


# --- Recurrent cells unrolled over a sequence ------------------------------------------


class Reader(Module):
    """A cell and a linear readout of its last state, as the bptt demo's model."""

    def __init__(self, cell, rng):
        self.cell = cell
        self.readout = Linear(cell.hidden_size, 1, rng=rng)


def unrolled(cell_class, bias=True, values=True, steps=4, **options):
    rng = random.Random(7)
    model = Reader(cell_class(2, 3, bias=bias, rng=rng, **options), rng)
    xs = [[Value(0.5 * t, label=f"x{t}") if values else 0.5 * t, -1.0] for t in range(steps)]
    outputs, state = unroll(model.cell, xs)
    loss = (model.readout(outputs[-1])[0] - 0.25) ** 2
    return model, outputs, state, loss


@pytest.mark.parametrize("cell_class", [RNNCell, LSTMCell, GRUCell])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("values", [True, False])
def test_each_call_of_the_cell_is_a_time_step_in_order(cell_class, bias, values):
    model, outputs, state, loss = unrolled(cell_class, bias, values)
    found = find_unrolled(loss, model)
    assert found is not None and found.cell == cell_class.__name__ and found.name == "cell"
    assert [s.name for s in found.steps] == ["t1", "t2", "t3", "t4"]
    assert all(s.h == h for s, h in zip(found.steps, outputs))  # the very Values
    if cell_class is LSTMCell:
        assert found.steps[-1].c == state[1]
    # each step's nodes: its own, none shared, and together every node the cell made
    owned = [id(v) for s in found.steps for v in s.nodes]
    assert len(owned) == len(set(owned))
    assert all(id(v) in set(owned) for s in found.steps for v in [*s.h, *(s.c or [])])
    assert set(map(id, found.params)) == set(map(id, model.cell.parameters()))
    names = node_names_of_steps(found)
    assert names[found.steps[2].h[1]] == "t3.h[1]"


def test_a_cell_run_on_two_sequences_or_a_model_without_one_is_not_unrolled():
    rng = random.Random(0)
    cell = RNNCell(1, 2, rng=rng)
    first, _ = unroll(cell, [[1.0], [0.0]])
    second, _ = unroll(cell, [[1.0], [1.0]])
    assert find_unrolled(first[-1][0] + second[-1][0], cell) is None  # a batch
    model, loss = two_layer(True)
    assert find_unrolled(loss, model) is None
    two = Module()
    two.a, two.b = RNNCell(1, 2, rng=rng), RNNCell(1, 2, rng=rng)
    outputs, _ = unroll(two.a, [[1.0]])
    assert find_unrolled(outputs[-1][0], two) is None  # which cell?
