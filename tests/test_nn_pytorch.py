"""to_torch() and from_torch(): every module crosses to its torch.nn twin in float64 with
the same weights, computes the same outputs (1e-12), and comes back exactly."""

import random
import re
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from micrograd.engine import Value  # noqa: E402
from micrograd.nn import (  # noqa: E402
    MLP,
    Conv2d,
    Embedding,
    GRUCell,
    Linear,
    LSTMCell,
    MaxPool2d,
    Module,
    RNNCell,
    flatten,
)

TOL = 1e-12


def data(nested):
    if isinstance(nested, Value):
        return nested.data
    if isinstance(nested, (int, float)):
        return nested
    return [data(v) for v in nested]


def close(ours, theirs):
    ours = [data(v) for v in flatten(ours)]
    theirs = [t.detach().reshape(-1).tolist() for t in theirs]
    theirs = [x for t in theirs for x in t]
    assert len(ours) == len(theirs)
    worst = max(abs(a - b) for a, b in zip(ours, theirs))
    assert worst <= TOL, worst


def t64(x):
    return torch.tensor(x, dtype=torch.float64)


def vector(rng, n):
    return [rng.uniform(-1, 1) for _ in range(n)]


# Each case: a model, and how to run ours and the torch twin on the same input.
def cases():
    rng = random.Random(0)
    x2, x3, h3 = vector(rng, 2), vector(rng, 3), vector(rng, 3)
    image = [[vector(rng, 6) for _ in range(5)] for _ in range(2)]
    return {
        "Linear": (Linear(3, 2, rng=rng), lambda m: m(x3), lambda t: [t(t64(x3))]),
        "Linear without bias": (
            Linear(3, 2, bias=False, rng=rng),
            lambda m: m(x3),
            lambda t: [t(t64(x3))],
        ),
        "Embedding": (
            Embedding(5, 3, rng=rng),
            lambda m: m(4),
            lambda t: [t(torch.tensor(4))],
        ),
        "RNNCell tanh": (
            RNNCell(2, 3, rng=rng),
            lambda m: m(x2, h3),
            lambda t: [t(t64([x2]), t64([h3]))],
        ),
        "RNNCell relu": (
            RNNCell(2, 3, nonlinearity="relu", rng=rng),
            lambda m: m(x2, h3),
            lambda t: [t(t64([x2]), t64([h3]))],
        ),
        "LSTMCell": (
            LSTMCell(2, 3, rng=rng),
            lambda m: m(x2, (h3, x3)),
            lambda t: list(t(t64([x2]), (t64([h3]), t64([x3])))),
        ),
        "LSTMCell without bias": (
            LSTMCell(2, 3, bias=False, rng=rng),
            lambda m: m(x2, (h3, x3)),
            lambda t: list(t(t64([x2]), (t64([h3]), t64([x3])))),
        ),
        "GRUCell": (
            GRUCell(2, 3, rng=rng),
            lambda m: m(x2, h3),
            lambda t: [t(t64([x2]), t64([h3]))],
        ),
        "Conv2d": (
            Conv2d(2, 3, kernel_size=(3, 2), stride=2, padding=1, rng=rng),
            lambda m: m(image),
            lambda t: [t(t64([image]))],
        ),
        "Conv2d without bias": (
            Conv2d(2, 1, kernel_size=2, bias=False, rng=rng),
            lambda m: m(image),
            lambda t: [t(t64([image]))],
        ),
        "MaxPool2d": (
            MaxPool2d((2, 3), stride=1),
            lambda m: m(image),
            lambda t: [t(t64([image]))],
        ),
        "MLP relu": (MLP(3, [4, 4, 1], rng=rng), lambda m: m(x3), lambda t: [t(t64(x3))]),
        "MLP tanh -> sigmoid": (
            MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", rng=rng),
            lambda m: m(x3),
            lambda t: [t(t64(x3))],
        ),
        "MLP sigmoid, linear hidden": (
            MLP(2, [3, 3, 2], activation="linear", output_activation="sigmoid", rng=rng),
            lambda m: m(x2),
            lambda t: [t(t64(x2))],
        ),
    }


CASES = cases()
TORCH_CLASS = {
    "Linear": "Linear",
    "Embedding": "Embedding",
    "RNNCell": "RNNCell",
    "LSTMCell": "LSTMCell",
    "GRUCell": "GRUCell",
    "Conv2d": "Conv2d",
    "MaxPool2d": "MaxPool2d",
    "MLP": "Sequential",
}


@pytest.mark.parametrize("name", CASES)
def test_to_torch_gives_the_same_module_type_in_float64_with_the_same_outputs(name):
    model, ours, theirs = CASES[name]
    twin = model.to_torch()
    assert type(twin) is getattr(torch.nn, TORCH_CLASS[type(model).__name__])
    assert all(p.dtype == torch.float64 for p in twin.parameters())
    twin_state = {k: v.tolist() for k, v in twin.state_dict().items()}
    if isinstance(model, MLP):  # the Sequential numbers its activations too: 0, 2, 4...
        linears = [m for m in twin if isinstance(m, torch.nn.Linear)]
        twin_state = {
            f"layers.{i}.{name}": getattr(linear, name).tolist()
            for i, linear in enumerate(linears)
            for name in ("weight", "bias")
        }
    assert twin_state == model.state_dict()
    close(ours(model), theirs(twin))


@pytest.mark.parametrize("name", CASES)
def test_from_torch_of_to_torch_is_exact(name):
    model = CASES[name][0]
    back = type(model).from_torch(model.to_torch())
    assert type(back) is type(model)
    assert back.state_dict() == model.state_dict()
    assert repr(back) == repr(model)


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.nn.Linear(4, 3),
        lambda: torch.nn.Linear(4, 3, bias=False),
        lambda: torch.nn.Embedding(6, 2),
        lambda: torch.nn.RNNCell(3, 2, nonlinearity="relu"),
        lambda: torch.nn.LSTMCell(3, 2),
        lambda: torch.nn.GRUCell(3, 2, bias=False),
        lambda: torch.nn.Conv2d(2, 3, (2, 3), stride=(2, 1), padding=(0, 1)),
        lambda: torch.nn.MaxPool2d(3, stride=2),
        lambda: torch.nn.Sequential(
            torch.nn.Linear(3, 5),
            torch.nn.ReLU(),
            torch.nn.Linear(5, 5),
            torch.nn.ReLU(),
            torch.nn.Linear(5, 2),
            torch.nn.Tanh(),
        ),
    ],
)
def test_a_torch_module_comes_back_exactly_through_ours(make):
    torch.manual_seed(0)
    theirs = make().to(torch.float64)
    ours_class = {"Sequential": MLP}.get(type(theirs).__name__)
    if ours_class is None:
        import micrograd.nn

        ours_class = getattr(micrograd.nn, type(theirs).__name__)
    ours = ours_class.from_torch(theirs)
    again = ours.to_torch()
    assert type(again) is type(theirs)
    assert repr(again) == repr(theirs)
    mine, original = again.state_dict(), theirs.state_dict()
    assert list(mine) == list(original)
    assert all(torch.equal(mine[k], original[k]) for k in original)


def test_float32_torch_weights_load_as_their_exact_values():
    torch.manual_seed(1)
    theirs = torch.nn.Linear(3, 2)  # float32, PyTorch's default
    ours = Linear.from_torch(theirs)
    assert ours.state_dict()["weight"] == theirs.weight.double().tolist()


def test_load_state_dict_takes_a_torch_state_dict():
    torch.manual_seed(2)
    theirs = torch.nn.Conv2d(1, 2, 3, dtype=torch.float64)
    ours = Conv2d(1, 2, 3)
    ours.load_state_dict(theirs.state_dict())
    assert ours.state_dict() == {k: v.tolist() for k, v in theirs.state_dict().items()}


def test_a_bad_torch_state_dict_is_refused_and_nothing_is_loaded():
    ours = Conv2d(1, 2, 3, rng=random.Random(3))
    before = ours.state_dict()
    state = torch.nn.Conv2d(1, 2, 3, dtype=torch.float64).state_dict()
    state["bias"][1] = float("nan")
    with pytest.raises(ValueError, match=r"'bias'\[1\] is nan"):
        ours.load_state_dict(state)
    state = torch.nn.Conv2d(1, 2, 2, dtype=torch.float64).state_dict()
    with pytest.raises(ValueError, match=r"'weight' has shape \(2, 1, 2, 2\), expected"):
        ours.load_state_dict(state)
    assert ours.state_dict() == before


def test_a_meta_tensor_is_refused_by_key_and_nothing_is_loaded():
    ours = Linear(2, 1, rng=random.Random(3))
    before = ours.state_dict()
    state = {"weight": torch.empty(1, 2, device="meta"), "bias": torch.zeros(1)}
    with pytest.raises(
        ValueError, match=r"^Linear\.load_state_dict: 'weight' cannot be read as numbers"
    ):
        ours.load_state_dict(state)
    assert ours.state_dict() == before


class Doubled(torch.nn.Linear):
    """A Linear whose forward doubles its output: not a plain Linear."""

    def forward(self, x):
        return 2 * super().forward(x)


def parametrized():
    linear = torch.nn.Linear(2, 2)
    torch.nn.utils.parametrize.register_parametrization(linear, "weight", torch.nn.Identity())
    return linear


def hooked():
    linear = torch.nn.Linear(2, 2)
    linear.register_forward_hook(lambda module, inputs, output: 2 * output)
    return linear


@pytest.mark.parametrize(
    "cls, module, error, message",
    [
        (Linear, lambda: Doubled(2, 2), TypeError, "expected a torch.nn.Linear, got <class"),
        (MLP, lambda: torch.nn.Sequential(Doubled(2, 1)), TypeError, "expected a torch.nn.Linear"),
        (Linear, parametrized, ValueError, "the module has parametrizations (weight)"),
        (MLP, lambda: torch.nn.Sequential(parametrized()), ValueError, "the Linear at 0 has param"),
        (Linear, hooked, ValueError, "the module has forward hooks"),
        (MLP, lambda: torch.nn.Sequential(hooked()), ValueError, "the Linear at 0 has forward"),
    ],
)
def test_from_torch_takes_only_plain_modules_of_the_exact_type(cls, module, error, message):
    with pytest.raises(error) as raised:
        cls.from_torch(module())
    assert str(raised.value).startswith(f"{cls.__name__}.from_torch: ")
    assert message in str(raised.value)


def test_mlp_to_torch_is_linear_layers_and_activations():
    model = MLP(2, [3, 3, 1], activation="tanh", rng=random.Random(4))
    assert [type(m).__name__ for m in model.to_torch()] == [
        "Linear", "Tanh", "Linear", "Tanh", "Linear",
    ]  # fmt: skip
    model = MLP(2, [3, 1], output_activation="sigmoid", rng=random.Random(4))
    assert [type(m).__name__ for m in model.to_torch()] == ["Linear", "ReLU", "Linear", "Sigmoid"]


def test_training_either_side_keeps_them_in_step():
    """Train the twin in PyTorch, bring the weights back, and the outputs still agree."""
    model = MLP(2, [4, 1], activation="tanh", rng=random.Random(5))
    twin = model.to_torch()
    optimizer = torch.optim.SGD(twin.parameters(), lr=0.1)
    for _ in range(5):
        optimizer.zero_grad()
        twin(t64([[0.5, -1.0], [1.0, 2.0]])).pow(2).sum().backward()
        optimizer.step()
    before = model([1.0, 2.0]).data
    model.load_state_dict(MLP.from_torch(twin).state_dict())
    assert model([1.0, 2.0]).data != before
    assert abs(model([1.0, 2.0]).data - twin(t64([1.0, 2.0])).item()) <= TOL


@pytest.mark.parametrize(
    "cls, module, error, message",
    [
        (Conv2d, lambda: torch.nn.Linear(2, 2), TypeError, "expected a torch.nn.Conv2d"),
        (Linear, lambda: torch.nn.Sequential(), TypeError, "expected a torch.nn.Linear"),
        (Conv2d, lambda: torch.nn.Conv2d(1, 1, 3, dilation=2), ValueError, "dilation=(2, 2)"),
        (Conv2d, lambda: torch.nn.Conv2d(2, 2, 3, groups=2), ValueError, "groups=2"),
        (
            Conv2d,
            lambda: torch.nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"),
            ValueError,
            "padding_mode='reflect'",
        ),
        (Conv2d, lambda: torch.nn.Conv2d(1, 1, 3, padding="same"), ValueError, "padding='same'"),
        (Embedding, lambda: torch.nn.Embedding(3, 2, padding_idx=0), ValueError, "padding_idx=0"),
        (MaxPool2d, lambda: torch.nn.MaxPool2d(2, ceil_mode=True), ValueError, "ceil_mode=True"),
        (MaxPool2d, lambda: torch.nn.MaxPool2d(2, padding=1), ValueError, "padding=1"),
        (MLP, lambda: torch.nn.Linear(2, 2), TypeError, "expected a torch.nn.Sequential"),
        (MLP, lambda: torch.nn.Sequential(), ValueError, "has no Linear layer"),
        (
            MLP,
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout()),
            ValueError,
            "module 1 is Dropout",
        ),
        (
            MLP,
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)),
            ValueError,
            "the Linear at 0 has no bias",
        ),
        (
            MLP,
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)),
            ValueError,
            "the Linear at 1 takes 4 inputs, but the layer before it gives 3",
        ),
        (
            MLP,
            lambda: torch.nn.Sequential(
                torch.nn.Linear(2, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 1),
            ),
            ValueError,
            "the hidden layers' activations differ",
        ),
        (
            MLP,
            lambda: torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1)),
            ValueError,
            "module 0 is ReLU",
        ),
        (
            MLP,
            lambda: torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.ReLU(), torch.nn.Tanh()),
            ValueError,
            "two activations in a row at 2",
        ),
    ],
)
def test_from_torch_refuses_what_it_cannot_represent(cls, module, error, message):
    with pytest.raises(error) as raised:
        cls.from_torch(module())
    assert str(raised.value).startswith(f"{cls.__name__}.from_torch: ")
    assert message in str(raised.value)


def test_a_class_without_a_twin_says_so():
    from micrograd.nn import Layer

    with pytest.raises(TypeError, match=r"Layer\.to_torch: Layer has no twin in torch\.nn"):
        Layer(2, 2).to_torch()


def test_the_docs_round_trip_runs(tmp_path):
    """The docs' PyTorch example is a plain script (their doctests run without torch)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    docs = "".join(p.read_text() for p in [root / "README.md", *sorted(root.glob("docs/*.md"))])
    (block,) = [
        b
        for b in re.findall(r"```python\n(.*?)```", docs, flags=re.S)
        if b.startswith("# The round trip: micrograd -> PyTorch -> micrograd")
    ]
    (tmp_path / "round_trip.py").write_text(block)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "round_trip.py")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_model_of_modules_loads_into_the_same_model_written_with_torch_nn():
    class Ours(Module):
        def __init__(self):
            self.conv = Conv2d(1, 2, kernel_size=2, rng=random.Random(14))
            self.pool = MaxPool2d(2)
            self.heads = [Linear(2, 1, rng=random.Random(15)), Linear(2, 3, bias=False)]

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 2, kernel_size=2, dtype=torch.float64)
            self.pool = torch.nn.MaxPool2d(2)
            self.heads = torch.nn.ModuleList(
                [torch.nn.Linear(2, 1, dtype=torch.float64),
                 torch.nn.Linear(2, 3, bias=False, dtype=torch.float64)]
            )  # fmt: skip

    ours, theirs = Ours(), Theirs()
    theirs.load_state_dict({k: t64(v) for k, v in ours.state_dict().items()})
    back = Ours()
    back.load_state_dict(theirs.state_dict())
    assert back.state_dict() == ours.state_dict()
