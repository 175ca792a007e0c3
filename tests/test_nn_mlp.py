"""Neuron, Layer and MLP: micrograd 0.1.0's defaults and numbers, fused and op-by-op
graphs, activations and inits, training, and the MLP's state_dict layout."""

import gc
import math
import random

import pytest

from micrograd.datasets import make_moons, xor
from micrograd.engine import Value
from micrograd.losses import hinge, l2, mse
from micrograd.nn import MLP, Layer, Neuron
from micrograd.optim import SGD, Adam, LinearDecay


def test_repr_is_microgrands():
    random.seed(0)
    assert repr(MLP(2, [2, 1])) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    )


def test_default_weights_come_from_random_uniform_in_micrograd_order():
    random.seed(1337)
    expected = []
    for nin, nout in [(2, 3), (3, 1)]:
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    random.seed(1337)
    model = MLP(2, [3, 1])
    assert [p.data for p in model.parameters()] == expected


def test_micrograd_keyword_nonlin_still_works():
    assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(Neuron(3, False)) == "LinearNeuron(3)"
    assert repr(Layer(2, 1, nonlin=True)) == "Layer of [ReLUNeuron(2)]"


def test_one_neuron_layer_returns_a_value_and_works_as_a_hidden_layer():
    model = MLP(3, [1, 4, 1], rng=random.Random(1))
    assert isinstance(model.layers[0]([1.0, 2.0, 3.0]), Value)
    out = model([1.0, 2.0, 3.0])
    assert isinstance(out, Value)
    out.backward()


def test_model_accepts_floats_or_values():
    model = MLP(2, [3, 1], rng=random.Random(2))
    xs = [Value(0.5), Value(-1.0)]
    out = model(xs)
    out.backward()
    assert model([0.5, -1.0]).data == out.data
    assert any(x.grad != 0 for x in xs)


def test_wrong_number_of_inputs_is_a_value_error():
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        MLP(2, [1])([1.0, 2.0, 3.0])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_fused_and_op_by_op_neurons_give_the_same_numbers(activation):
    fused = MLP(3, [4, 2], activation=activation, rng=random.Random(5))
    unfused = MLP(3, [4, 2], activation=activation, rng=random.Random(5), fused=False)
    x = [0.3, -1.2, 2.0]
    outs = [fused(x), unfused(x)]
    for out in outs:
        (out[0] * out[1]).backward()
    assert [o.data for o in outs[0]] == [o.data for o in outs[1]]
    assert [p.grad for p in fused.parameters()] == [p.grad for p in unfused.parameters()]


@pytest.mark.parametrize("activation", ["relu", "linear", "tanh"])
def test_a_layer_of_fused_neurons_builds_the_nodes_each_neuron_builds(activation):
    # Layer reads its inputs once for all its neurons; the nodes must be the same
    # as each neuron's own, operand for operand and slope for slope.
    layer = Layer(3, 5, activation=activation, rng=random.Random(7))
    inputs = [Value(0.4), Value(-2.0), Value(1.5)]
    together = layer(inputs)
    one_by_one = [n(inputs) for n in layer.neurons]

    def shape(node):  # leaves by identity; nodes by op, data, slopes and operands
        if not node.parents:
            return id(node)
        return node.op, node.data, node._da, tuple(shape(p) for p in node.parents)

    assert [shape(a) for a in together] == [shape(b) for b in one_by_one]
    assert str([shape(a) for a in together]) == str([shape(b) for b in one_by_one])  # -0.0
    if activation == "relu":
        assert 0.0 < sum(out.data == 0.0 for out in together) < 5  # both sides of the kink


def test_a_layer_with_an_op_by_op_neuron_or_number_inputs_builds_each_neuron_on_its_own():
    layer = Layer(2, 3, rng=random.Random(3))
    layer.neurons[1].fused = False
    outs = layer([Value(0.5), Value(-1.0)])
    assert [o.op for o in outs] == ["linear+relu", "relu", "linear+relu"]
    mixed_layer = Layer(2, 2, rng=random.Random(3))
    mixed = mixed_layer([-5.0, Value(2.0)])  # numbers become leaves
    assert [len(o.parents) for o in mixed] == [5, 5]
    assert [o.op for o in mixed] == ["linear+relu", "linear+relu"]  # the ReLU is kept
    for neuron, out in zip(mixed_layer.neurons, mixed, strict=True):
        z = neuron.w[0].data * -5.0 + neuron.w[1].data * 2.0
        assert out.data == max(z, 0.0)
    with pytest.raises(ValueError, match="expected 2 inputs, got 1"):
        Layer(2, 2)([Value(1.0)])


def test_a_layer_whose_neurons_differ_builds_each_neuron_on_its_own():
    wider = Layer(2, 2, rng=random.Random(3))
    wider.neurons[1] = Neuron(3)  # each neuron checks its own width
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        wider([Value(1.0), Value(2.0)])

    class Doubled(Neuron):  # a subclass's own __call__ is used
        def __call__(self, x):
            return super().__call__(x) * 2

    layer = Layer(2, 2, rng=random.Random(3))
    plain = layer([Value(1.0), Value(0.5)])
    layer.neurons = [Doubled(2, rng=random.Random(3)) for _ in range(2)]
    for doubled, neuron in zip(layer.neurons, Layer(2, 2, rng=random.Random(3)).neurons):
        doubled.w, doubled.b = neuron.w, neuron.b
    assert [o.data for o in layer([Value(1.0), Value(0.5)])] == [2 * o.data for o in plain]
    layer.neurons = [lambda x: x[0], lambda x: x[1]]  # any callable, as before
    first, second = Value(1.0), Value(0.5)
    assert layer([first, second]) == [first, second]


@pytest.mark.parametrize("fused", [True, False])
def test_training_steps_leave_nothing_for_the_garbage_collector(fused):
    # The README's tip (gc.disable() around a training loop) holds only if reference
    # counting alone frees every graph: model, losses, backward and optimizer included.
    model = MLP(2, [8, 8, 1], rng=random.Random(0), fused=fused)
    optimizer = Adam(model.parameters(), lr=0.01)
    X, labels = make_moons(20, noise=0.1, seed=1)
    y = [2 * label - 1 for label in labels]
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            loss = hinge([model(x) for x in X], y) + 1e-4 * l2(model.parameters())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        del loss
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_activation_names_are_checked():
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(2, [2], activation="swish")
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid")
    assert repr(model.layers[1].neurons[0]) == "SigmoidNeuron(3)"
    assert 0 < model([1.0, 1.0]).data < 1


@pytest.mark.parametrize(
    "init, limit",
    [("uniform", 1.0), ("xavier", math.sqrt(6 / (50 + 20))), ("he", math.sqrt(6 / 50))],
)
def test_init_schemes_stay_in_their_ranges(init, limit):
    layer = Layer(50, 20, init=init, rng=random.Random(0))
    weights = [w.data for n in layer.neurons for w in n.w]
    assert max(abs(w) for w in weights) <= limit
    assert max(abs(w) for w in weights) > 0.9 * limit


def test_init_is_reproducible_with_seed_or_rng():
    random.seed(7)
    a = [p.data for p in MLP(2, [4, 1], init="he").parameters()]
    random.seed(7)
    b = [p.data for p in MLP(2, [4, 1], init="he").parameters()]
    c = [p.data for p in MLP(2, [4, 1], init="he", rng=random.Random(7)).parameters()]
    assert a == b == c


def test_unknown_init_is_a_value_error():
    with pytest.raises(ValueError, match="init must be one of"):
        MLP(2, [2], init="zeros")


def test_one_sgd_step_equals_the_textbook_delta_rule():
    x, y, lr = [0.5, 0.1], 0.6, 0.5
    w_hidden = [[0.1, 0.2], [0.3, 0.4]]
    b_hidden = [0.25, -0.15]
    w_out, b_out = [0.5, -0.6], 0.05

    model = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid")
    for neuron, ws, b in zip(model.layers[0].neurons, w_hidden, b_hidden):
        for w, value in zip(neuron.w, ws):
            w.data = value
        neuron.b.data = b
    out_neuron = model.layers[1].neurons[0]
    for w, value in zip(out_neuron.w, w_out):
        w.data = value
    out_neuron.b.data = b_out

    # Textbook, in plain floats.
    sig = lambda z: 1 / (1 + math.exp(-z))
    h = [sig(b + ws[0] * x[0] + ws[1] * x[1]) for ws, b in zip(w_hidden, b_hidden)]
    o = sig(b_out + w_out[0] * h[0] + w_out[1] * h[1])
    loss = 0.5 * (o - y) ** 2
    delta_out = (o - y) * o * (1 - o)
    delta_hidden = [w_out[j] * delta_out * h[j] * (1 - h[j]) for j in range(2)]
    grad_w_out = [delta_out * h[j] for j in range(2)]
    grad_w_hidden = [[delta_hidden[j] * x[i] for i in range(2)] for j in range(2)]
    new_w_out = [w - lr * g for w, g in zip(w_out, grad_w_out)]
    new_w_hidden = [[w - lr * g for w, g in zip(ws, gs)] for ws, gs in zip(w_hidden, grad_w_hidden)]

    # micrograd.
    hidden = model.layers[0](x)
    output = model.layers[1](hidden)
    L = 0.5 * mse(output, y, reduction="sum")
    optimizer = SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    L.backward()

    close = lambda a, b: a == pytest.approx(b, rel=1e-12, abs=1e-15)
    assert all(close(v.data, e) for v, e in zip(hidden, h))
    assert close(output.data, o) and close(L.data, loss)
    assert close(out_neuron.b.grad, delta_out)  # a bias's gradient is its neuron's delta
    for neuron, delta in zip(model.layers[0].neurons, delta_hidden):
        assert close(neuron.b.grad, delta)
    assert all(close(w.grad, g) for w, g in zip(out_neuron.w, grad_w_out))
    for neuron, gs in zip(model.layers[0].neurons, grad_w_hidden):
        assert all(close(w.grad, g) for w, g in zip(neuron.w, gs))
    optimizer.step()
    assert all(close(w.data, e) for w, e in zip(out_neuron.w, new_w_out))
    for neuron, ws in zip(model.layers[0].neurons, new_w_hidden):
        assert all(close(w.data, e) for w, e in zip(neuron.w, ws))


def test_xor_is_learned_to_100_percent():
    X, y = xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", rng=random.Random(3))
    optimizer = SGD(model.parameters(), lr=1.0, momentum=0.9)
    for _ in range(300):
        loss = mse([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    predictions = [int(model(x).data > 0.5) for x in X]
    assert predictions == y


def test_microgrands_moons_recipe_reaches_100_percent():
    random.seed(1337)
    X, labels = make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [16, 16, 1])
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, steps=100)
    for _ in range(100):
        scores = [model(list(map(Value, x))) for x in X]
        loss = hinge(scores, y) + 1e-4 * l2(model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    scores = [model(x) for x in X]
    accuracy = sum((t > 0) == (s.data > 0) for t, s in zip(y, scores)) / len(y)
    assert accuracy == 1.0


def shape(nested):
    dims = []
    while isinstance(nested, list):
        dims.append(len(nested))
        nested = nested[0]
    return tuple(dims)


def test_mlp_layers_are_matrices_with_a_row_per_neuron():
    model = MLP(2, [3, 1], rng=random.Random(2))
    state = model.state_dict()
    assert state["layers.0.weight"][1] == [w.data for w in model.layers[0].neurons[1].w]
    assert state["layers.1.bias"] == [model.layers[1].neurons[0].b.data]


def test_neuron_and_layer_have_state_dicts_too():
    neuron = Neuron(2, rng=random.Random(3))
    assert neuron.state_dict() == {"weight": [w.data for w in neuron.w], "bias": neuron.b.data}
    layer = Layer(2, 3, rng=random.Random(3))
    assert shape(layer.state_dict()["weight"]) == (3, 2)


def test_a_bad_key_deep_in_an_mlp_leaves_every_layer_as_it_was():
    model = MLP(2, [3, 3, 1], rng=random.Random(11))
    before = model.state_dict()
    state = {k: [[0.0] * len(r) for r in v] if "weight" in k else [0.0] * len(v)
             for k, v in before.items()}  # fmt: skip
    state["layers.2.bias"] = [math.nan]
    with pytest.raises(ValueError, match=r"MLP.load_state_dict: 'layers.2.bias'\[0\] is nan"):
        model.load_state_dict(state)
    assert model.state_dict() == before


# --- Hostile inputs (issue 15's probe) ----------------------------------------
@pytest.mark.parametrize("widths", [[True], [2, True], [False]])
def test_bools_are_not_layer_widths(widths):
    with pytest.raises(ValueError, match=r"nout must be a positive int, got (True|False)"):
        MLP(2, widths)


def test_a_bool_is_not_an_input_count():
    with pytest.raises(ValueError, match="nin must be a positive int, got True"):
        MLP(True, [2])


def test_summary_and_repr_of_a_model():
    model = MLP(2, [16, 16, 1], rng=random.Random(0))
    assert model.summary() == "MLP(2 -> 16 relu -> 16 relu -> 1 linear), 337 parameters"
    assert repr(model).startswith("MLP of [Layer of [ReLUNeuron(2)")
