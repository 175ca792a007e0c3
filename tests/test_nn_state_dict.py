"""state_dict and load_state_dict: PyTorch's names and layouts, round trips, and bad
dicts refused with nothing half-loaded.  Crossing to PyTorch itself is tested in
test_nn_state_dict_vs_torch.py (it needs the torch extra)."""

import json
import math
import random
import re
import sys
from pathlib import Path

import pytest

from micrograd.engine import Value
from micrograd.nn import (
    MLP,
    Conv2d,
    Embedding,
    GRUCell,
    Layer,
    Linear,
    LSTMCell,
    MaxPool2d,
    Module,
    Neuron,
    RNNCell,
)


def shape(nested):
    dims = []
    while isinstance(nested, list):
        dims.append(len(nested))
        nested = nested[0]
    return tuple(dims)


def models(seed):
    rng = random.Random(seed)
    return {
        "Linear": Linear(3, 2, rng=rng),
        "Linear without bias": Linear(3, 2, bias=False, rng=rng),
        "Embedding": Embedding(5, 3, rng=rng),
        "RNNCell": RNNCell(2, 3, rng=rng),
        "LSTMCell": LSTMCell(2, 3, rng=rng),
        "GRUCell without bias": GRUCell(2, 3, bias=False, rng=rng),
        "Conv2d": Conv2d(2, 3, kernel_size=(3, 2), stride=2, padding=1, rng=rng),
        "MLP": MLP(3, [4, 4, 2], activation="tanh", rng=rng),
    }


EXPECTED_SHAPES = {
    "Linear": {"weight": (2, 3), "bias": (2,)},
    "Linear without bias": {"weight": (2, 3)},
    "Embedding": {"weight": (5, 3)},
    "RNNCell": {"weight_ih": (3, 2), "weight_hh": (3, 3), "bias_ih": (3,), "bias_hh": (3,)},
    "LSTMCell": {"weight_ih": (12, 2), "weight_hh": (12, 3), "bias_ih": (12,), "bias_hh": (12,)},
    "GRUCell without bias": {"weight_ih": (9, 2), "weight_hh": (9, 3)},
    "Conv2d": {"weight": (3, 2, 3, 2), "bias": (3,)},
    "MLP": {
        "layers.0.weight": (4, 3),
        "layers.0.bias": (4,),
        "layers.1.weight": (4, 4),
        "layers.1.bias": (4,),
        "layers.2.weight": (2, 4),
        "layers.2.bias": (2,),
    },
}


@pytest.mark.parametrize("name", EXPECTED_SHAPES)
def test_state_dict_has_pytorchs_names_and_shapes_in_order(name):
    state = models(0)[name].state_dict()
    assert list(state) == list(EXPECTED_SHAPES[name])
    assert {key: shape(value) for key, value in state.items()} == EXPECTED_SHAPES[name]


@pytest.mark.parametrize("name", EXPECTED_SHAPES)
def test_state_dict_is_plain_floats_and_holds_every_parameter_once(name):
    model = models(1)[name]
    state = model.state_dict()
    flat = json.loads(json.dumps(state))  # plain data: JSON carries it unchanged
    assert flat == state
    numbers = [x for value in state.values() for x in _leaves(value)]
    assert all(type(x) is float for x in numbers)
    assert sorted(numbers) == sorted(p.data for p in model.parameters())


def _leaves(nested):
    if isinstance(nested, list):
        for item in nested:
            yield from _leaves(item)
    else:
        yield nested


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


@pytest.mark.parametrize("name", EXPECTED_SHAPES)
def test_load_state_dict_round_trips_exactly(name):
    source, target = models(4)[name], models(5)[name]
    assert source.state_dict() != target.state_dict()
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]


def test_a_loaded_model_computes_the_same_numbers():
    source, target = models(6)["Conv2d"], models(7)["Conv2d"]
    target.load_state_dict(source.state_dict())
    image = [[[0.1 * (r - c) for c in range(4)] for r in range(5)] for _ in range(2)]
    assert [[[v.data for v in row] for row in m] for m in target(image)] == [
        [[v.data for v in row] for row in m] for m in source(image)
    ]


def test_the_state_dict_is_a_copy():
    model = Linear(2, 1, rng=random.Random(8))
    state = model.state_dict()
    state["weight"][0][0] = 123.0
    assert model.weight[0][0].data != 123.0


class Tensorish:
    """Anything with .tolist(), as a PyTorch tensor or a numpy array has."""

    def __init__(self, data):
        self.data = data

    def tolist(self):
        return self.data


def test_load_accepts_tuples_ints_and_anything_with_tolist():
    model = Linear(2, 2, rng=random.Random(9))
    model.load_state_dict({"weight": Tensorish([(1, 2), [3, Tensorish(4.5)]]), "bias": (0, -1)})
    assert model.state_dict() == {"weight": [[1.0, 2.0], [3.0, 4.5]], "bias": [0.0, -1.0]}
    assert all(type(x) is float for x in model.state_dict()["weight"][0])


GOOD = {"weight": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "bias": [7.0, 8.0]}


def changed(**changes):
    state = {k: v for k, v in GOOD.items() if k not in changes or changes[k] is not None}
    for key, value in changes.items():
        if value is not None:
            state[key] = value
    return state


@pytest.mark.parametrize(
    "state, message",
    [
        (changed(bias=None), "missing key 'bias'"),
        ({**GOOD, "running_mean": [0.0]}, "unexpected key 'running_mean'"),
        (changed(bias=[7.0, 8.0, 9.0]), r"'bias' has shape \(3,\), expected \(2,\)"),
        (changed(bias=[[7.0], [8.0]]), r"'bias' has shape \(2, 1\), expected \(2,\)"),
        (changed(bias=7.0), r"'bias' has shape \(\), expected \(2,\)"),
        (changed(weight=[[1.0, 2.0, 3.0]]), r"'weight' has shape \(1, 3\), expected \(2, 3\)"),
        (changed(weight=[[1.0, 2.0, 3.0], [4.0, 5.0]]), r"'weight'\[1\] has length 2, expected 3"),
        (changed(weight=[[1.0, 2.0, 3.0], 4.0]), r"'weight'\[1\] has length none"),
        (changed(bias=[7.0, float("nan")]), r"'bias'\[1\] is nan, not a finite number"),
        (changed(bias=[7.0, float("inf")]), r"'bias'\[1\] is inf, not a finite number"),
        (changed(bias=[7.0, True]), r"'bias'\[1\] is True, not a finite number"),
        (changed(bias=[7.0, "8"]), r"'bias'\[1\] is '8', not a finite number"),
        (changed(bias=[7.0, None]), r"'bias'\[1\] is None, not a finite number"),
        (changed(bias=[7.0, [8.0]]), r"'bias'\[1\] is \[8.0\], not a finite number"),
    ],
)
def test_bad_state_dicts_are_refused_by_key_and_nothing_is_half_loaded(state, message):
    model = Linear(3, 2, rng=random.Random(10))
    before = model.state_dict()
    with pytest.raises(ValueError, match=f"^Linear.load_state_dict: {message}"):
        model.load_state_dict(state)
    assert model.state_dict() == before  # the good 'weight' was not written either


def test_a_bad_key_deep_in_an_mlp_leaves_every_layer_as_it_was():
    model = MLP(2, [3, 3, 1], rng=random.Random(11))
    before = model.state_dict()
    state = {k: [[0.0] * len(r) for r in v] if "weight" in k else [0.0] * len(v)
             for k, v in before.items()}  # fmt: skip
    state["layers.2.bias"] = [math.nan]
    with pytest.raises(ValueError, match=r"MLP.load_state_dict: 'layers.2.bias'\[0\] is nan"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_wants_a_dict():
    with pytest.raises(TypeError, match=r"Linear\.load_state_dict: expected a dict, got list"):
        Linear(1, 1).load_state_dict([("weight", [[1.0]])])


def test_a_module_with_values_it_does_not_name_says_so():
    class Custom(Module):
        def __init__(self):
            self.w = [Value(1.0)]

        def parameters(self):
            return self.w

    with pytest.raises(NotImplementedError, match="Custom does not name its tensors"):
        Custom().state_dict()


class TwoLayers(Module):
    """A model of one's own, made of layers held in attributes, as in PyTorch."""

    def __init__(self):
        rng = random.Random(13)
        self.conv = Conv2d(1, 2, kernel_size=2, rng=rng)
        self.pool = MaxPool2d(2)
        self.heads = [Linear(2, 1, rng=rng), Linear(2, 3, bias=False, rng=rng)]
        self.note = "not a module"

    def parameters(self):
        return self.conv.parameters() + [p for h in self.heads for p in h.parameters()]


def test_a_model_of_modules_gets_pytorchs_nested_names():
    model = TwoLayers()
    state = model.state_dict()
    assert list(state) == ["conv.weight", "conv.bias", "heads.0.weight", "heads.0.bias",
                           "heads.1.weight"]  # fmt: skip
    assert state["heads.1.weight"] == Linear.state_dict(model.heads[1])["weight"]
    other = TwoLayers()
    for p in other.parameters():
        p.data = 0.0
    other.load_state_dict(state)
    assert other.state_dict() == state


def test_a_module_with_nothing_to_learn_has_an_empty_state_dict():
    class Nothing(Module):
        pass

    assert Nothing().state_dict() == {}


def test_max_pool_has_an_empty_state_dict():
    pool = MaxPool2d(2)
    assert pool.state_dict() == {}
    pool.load_state_dict({})
    with pytest.raises(ValueError, match="unexpected key 'weight'"):
        pool.load_state_dict({"weight": []})


@pytest.mark.parametrize("call", ["to_torch", "from_torch"])
def test_without_pytorch_the_error_names_the_extra(monkeypatch, call):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    model = Linear(2, 1)
    with pytest.raises(ImportError) as error:
        model.to_torch() if call == "to_torch" else Linear.from_torch(object())
    # The name pip knows this project by, as pyproject.toml says it.
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    distribution = re.search(r'^name = "(.+)"$', pyproject, flags=re.M)[1]
    assert str(error.value) == f"Linear.{call} needs PyTorch: pip install '{distribution}[torch]'"
