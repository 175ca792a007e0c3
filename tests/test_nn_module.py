"""Module: parameters() and state_dict() from one walk over a module's own weights and the
modules it holds, load_state_dict's checks (nothing half-loaded), and nn's layering."""

import ast
import json
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
    Linear,
    LSTMCell,
    MaxPool2d,
    Module,
    RNNCell,
)
from micrograd.nn.module import check_size


def test_module_parameters_and_zero_grad():
    model = MLP(3, [4, 2], rng=random.Random(0))
    assert len(model.parameters()) == 4 * 4 + 2 * 5
    out = model([1.0, 2.0, 3.0])
    (out[0] + out[1]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert Module().parameters() == []


def flatten(nested):
    if isinstance(nested, Value):
        return [nested]
    return [v for item in nested for v in flatten(item)]


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: Linear(3, 2), {"weight": (2, 3), "bias": (2,)}),
        (lambda: Linear(3, 2, bias=False), {"weight": (2, 3)}),
        (lambda: Embedding(5, 4), {"weight": (5, 4)}),
        (
            lambda: RNNCell(3, 2),
            {"weight_ih": (2, 3), "weight_hh": (2, 2), "bias_ih": (2,), "bias_hh": (2,)},
        ),
        (
            lambda: LSTMCell(3, 2),
            {"weight_ih": (8, 3), "weight_hh": (8, 2), "bias_ih": (8,), "bias_hh": (8,)},
        ),
        (
            lambda: GRUCell(3, 2),
            {"weight_ih": (6, 3), "weight_hh": (6, 2), "bias_ih": (6,), "bias_hh": (6,)},
        ),
        (lambda: GRUCell(3, 2, bias=False), {"weight_ih": (6, 3), "weight_hh": (6, 2)}),
    ],
)
def test_tensors_have_pytorchs_names_and_shapes_and_parameters_follow_them(make, expected):
    module = make()
    assert isinstance(module, Module)
    tensors = module._tensors()
    shapes = {}
    for name, rows in tensors.items():
        if isinstance(rows[0], Value):
            shapes[name] = (len(rows),)
        else:
            assert len({len(row) for row in rows}) == 1
            shapes[name] = (len(rows), len(rows[0]))
    assert shapes == expected
    params = module.parameters()
    assert [id(p) for p in params] == [id(p) for p in flatten(list(tensors.values()))]
    assert len(set(map(id, params))) == len(params)  # no Value twice


def test_constructor_arguments_are_attributes_with_pytorchs_names():
    assert (Linear(3, 2).in_features, Linear(3, 2).out_features) == (3, 2)
    assert Linear(3, 2, bias=False).bias is None
    emb = Embedding(5, 4)
    assert (emb.num_embeddings, emb.embedding_dim) == (5, 4)
    rnn = RNNCell(3, 2, nonlinearity="relu", bias=False)
    assert (rnn.input_size, rnn.hidden_size, rnn.nonlinearity, rnn.bias) == (3, 2, "relu", False)
    lstm = LSTMCell(3, 2, forget_bias=1.0)
    assert (lstm.input_size, lstm.hidden_size, lstm.bias, lstm.forget_bias) == (3, 2, True, 1.0)


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
ENDLESS: list = []
ENDLESS.append(ENDLESS)  # a list that holds itself: endlessly deep


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
        (changed(bias=[7.0, 10**400]), r"'bias'\[1\] is an int of 1329 bits, too large for a"),
        (changed(bias=ENDLESS), r"'bias' has shape \(1, 1\), expected \(2,\)"),
        (changed(weight=[ENDLESS, ENDLESS]), r"'weight' has shape \(2, 1, 1\), expected \(2, 3\)"),
    ],
)
def test_bad_state_dicts_are_refused_by_key_and_nothing_is_half_loaded(state, message):
    model = Linear(3, 2, rng=random.Random(10))
    before = model.state_dict()
    with pytest.raises(ValueError, match=f"^Linear.load_state_dict: {message}"):
        model.load_state_dict(state)
    assert model.state_dict() == before  # the good 'weight' was not written either


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


def test_parameters_come_from_module_alone():
    """No nn class lists its parameters itself: Module walks its weights and its modules."""
    import micrograd.nn as nn

    for name in nn.__all__:
        cls = getattr(nn, name)
        if isinstance(cls, type) and issubclass(cls, Module):
            assert cls.parameters is Module.parameters, name


def test_parameters_keep_micrograds_order_and_the_state_dicts_order():
    model = MLP(2, [3, 1], rng=random.Random(0))
    expected = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]
    conv = Conv2d(2, 2, kernel_size=2, rng=random.Random(0))
    weights = [w for f in conv.weight for plane in f for row in plane for w in row]
    assert [id(p) for p in conv.parameters()] == [id(p) for p in weights + conv.bias]
    plain = Conv2d(1, 1, 1, bias=False)
    assert plain.parameters() == plain.weight[0][0][0]
    model = TwoLayers()  # lists its own parameters; ours come in the same order
    assert [id(p) for p in model.parameters()] == [id(p) for p in Module.parameters(model)]


def test_check_size_takes_positive_ints_only():
    assert check_size(2, "in_features", "Linear") == 2
    for bad in (0, -1, True, 2.0, "2", None):
        with pytest.raises(
            ValueError, match=f"^Linear: in_features must be a positive int, got {bad!r}$"
        ):
            check_size(bad, "in_features", "Linear")


# --- Layering: each nn module imports only the ones below it -----------------------------

LAYERS = ["pytorch", "files", "module", "functional", "mlp", "layers", "conv", "recurrent"]


def imports_of(path):
    """The micrograd.nn modules ``path`` imports, and whether any import sits in a function."""
    tree = ast.parse(path.read_text())
    names, nested = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("micrograd.nn"):
            if node.module == "micrograd.nn":
                names.update(alias.name for alias in node.names)
            else:
                names.add(node.module.rsplit(".", 1)[1])
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                    if module and module.startswith("micrograd"):
                        nested.append(module)
    return names, nested


@pytest.mark.parametrize("name", LAYERS)
def test_each_nn_module_imports_only_those_below_it_and_only_at_the_top(name):
    folder = Path(__file__).resolve().parent.parent / "micrograd" / "nn"
    assert sorted(p.stem for p in folder.glob("*.py")) == sorted([*LAYERS, "__init__"])
    names, nested = imports_of(folder / f"{name}.py")
    below = set(LAYERS[: LAYERS.index(name)])
    assert names <= below, f"{name} imports {sorted(names - below)}, which are not below it"
    assert nested == [], f"{name} imports {nested} inside a function"


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLP(3, [4, 2], rng=random.Random(0)),
        lambda: Linear(3, 2, rng=random.Random(0)),
        lambda: Conv2d(2, 3, kernel_size=2, rng=random.Random(0)),
        lambda: LSTMCell(2, 3, rng=random.Random(0)),
        lambda: Embedding(5, 2, rng=random.Random(0)),
    ],
)
def test_named_parameters_name_each_parameter_by_its_state_dict_entry(make):
    model = make()
    named = model.named_parameters()
    assert [p for _, p in named] == model.parameters()
    assert len({name for name, _ in named}) == len(named)
    state = model.state_dict()
    for name, p in named:
        key, _, index = name.partition("[")
        entry = state[key]
        for i in index.rstrip("]").split("][") if index else []:
            entry = entry[int(i)]
        assert entry == p.data, name
