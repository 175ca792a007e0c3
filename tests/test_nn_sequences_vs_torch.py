"""Sequence models against PyTorch in float64: the same weights give the same outputs
over a whole sequence, and the same gradients through time with respect to every
weight, every input and the starting state (within 1e-10)."""

import random

import pytest

torch = pytest.importorskip("torch")

from micrograd.engine import Value, total  # noqa: E402
from micrograd.nn import (  # noqa: E402
    Embedding,
    GRUCell,
    Linear,
    LSTMCell,
    RNNCell,
    log_softmax,
    rmsnorm,
    softmax,
    unroll,
)

TOL = 1e-10
CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}


def close(ours, theirs, tol=TOL):
    theirs = theirs.detach().reshape(-1).tolist()
    ours = list(ours)
    assert len(ours) == len(theirs)
    worst = max(abs(a - b) for a, b in zip(ours, theirs))
    assert worst <= tol, worst


def data(nested):
    if isinstance(nested, Value):
        return nested.data
    return [data(v) for v in nested]


def grads(nested):
    if isinstance(nested, Value):
        return [nested.grad]
    return [g for v in nested for g in grads(v)]


def torch_twin(ours):
    """The PyTorch module with our weights, copied by the names of ``_tensors()``."""
    if isinstance(ours, RNNCell):
        theirs = torch.nn.RNNCell(
            ours.input_size, ours.hidden_size, bias=ours.bias, nonlinearity=ours.nonlinearity
        )
    elif isinstance(ours, LSTMCell):
        theirs = torch.nn.LSTMCell(ours.input_size, ours.hidden_size, bias=ours.bias)
    elif isinstance(ours, GRUCell):
        theirs = torch.nn.GRUCell(ours.input_size, ours.hidden_size, bias=ours.bias)
    elif isinstance(ours, Linear):
        theirs = torch.nn.Linear(ours.in_features, ours.out_features, bias=ours.bias is not None)
    else:
        theirs = torch.nn.Embedding(ours.num_embeddings, ours.embedding_dim)
    theirs = theirs.double()
    tensors = ours._tensors()
    assert sorted(tensors) == sorted(name for name, _ in theirs.named_parameters())
    with torch.no_grad():
        for name, param in theirs.named_parameters():
            param.copy_(torch.tensor(data(tensors[name]), dtype=torch.float64))
    return theirs


def sequence(rng, steps, size):
    return [[rng.uniform(-2, 2) for _ in range(size)] for _ in range(steps)]


@pytest.mark.parametrize(
    "kind, options",
    [
        ("rnn", {}),
        ("rnn", {"nonlinearity": "relu"}),
        ("rnn", {"bias": False}),
        ("lstm", {}),
        ("lstm", {"forget_bias": 1.0}),
        ("lstm", {"bias": False}),
        ("gru", {}),
        ("gru", {"bias": False}),
    ],
)
@pytest.mark.parametrize("start_from_zero", [True, False])
def test_cell_over_a_sequence_matches_torch_in_outputs_and_gradients_through_time(
    kind, options, start_from_zero
):
    rng = random.Random(f"{kind}{options}{start_from_zero}")
    input_size, hidden_size, steps = 3, 4, 6
    cell = CELLS[kind](input_size, hidden_size, rng=rng, **options)
    twin = torch_twin(cell)

    xs = [[Value(v) for v in row] for row in sequence(rng, steps, input_size)]
    x_torch = torch.tensor(data(xs), dtype=torch.float64, requires_grad=True)
    # A loss that reads every time step's output, with weights so no two are alike.
    coefficients = sequence(rng, steps, hidden_size)

    if start_from_zero:
        state, state_torch, leaves, leaves_torch = None, None, [], []
    else:
        h0 = [Value(rng.uniform(-1, 1)) for _ in range(hidden_size)]
        h0_torch = torch.tensor(data(h0), dtype=torch.float64, requires_grad=True)
        if kind == "lstm":
            c0 = [Value(rng.uniform(-1, 1)) for _ in range(hidden_size)]
            c0_torch = torch.tensor(data(c0), dtype=torch.float64, requires_grad=True)
            state, state_torch = (h0, c0), (h0_torch, c0_torch)
            leaves, leaves_torch = [h0, c0], [h0_torch, c0_torch]
        else:
            state, state_torch, leaves, leaves_torch = h0, h0_torch, [h0], [h0_torch]

    outputs, _ = unroll(cell, xs, state)
    loss = total(o * a for h, row in zip(outputs, coefficients) for o, a in zip(h, row))
    loss.backward()

    outputs_torch = []
    for t in range(steps):
        state_torch = twin(x_torch[t], state_torch)
        outputs_torch.append(state_torch[0] if kind == "lstm" else state_torch)
    outputs_torch = torch.stack(outputs_torch)
    loss_torch = (outputs_torch * torch.tensor(coefficients, dtype=torch.float64)).sum()
    loss_torch.backward()

    close([v for h in outputs for v in data(h)], outputs_torch)
    assert abs(loss.data - loss_torch.item()) <= TOL
    tensors = cell._tensors()
    for name, param in twin.named_parameters():
        close(grads(tensors[name]), param.grad)
    close(grads(xs), x_torch.grad)
    for ours, theirs in zip(leaves, leaves_torch):
        close(grads(ours), theirs.grad)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_default_initialisation_has_torchs_bound(kind):
    hidden = 9
    cell = CELLS[kind](2, hidden, rng=random.Random(0))
    bound = 1 / hidden**0.5
    values = [p.data for p in cell.parameters()]
    assert all(-bound <= v <= bound for v in values)
    assert max(map(abs, values)) > 0.9 * bound  # spread over the whole interval


@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    rng = random.Random(1)
    layer = Linear(5, 3, bias=bias, rng=rng)
    twin = torch_twin(layer)
    x = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    x_torch = torch.tensor(data(x), dtype=torch.float64, requires_grad=True)
    out = layer(x)
    out_torch = twin(x_torch)
    close(data(out), out_torch)
    coefficients = [1.0, -2.0, 0.5]
    total(o * a for o, a in zip(out, coefficients)).backward()
    (out_torch * torch.tensor(coefficients, dtype=torch.float64)).sum().backward()
    for name, param in twin.named_parameters():
        close(grads(layer._tensors()[name]), param.grad)
    close(grads(x), x_torch.grad)


def test_embedding_matches_torch_and_sums_gradients_of_a_repeated_index():
    emb = Embedding(6, 3, rng=random.Random(2))
    twin = torch_twin(emb)
    indices = [1, 4, 1, 0]
    rows = [emb(i) for i in indices]
    rows_torch = twin(torch.tensor(indices))
    close([v for row in rows for v in data(row)], rows_torch)
    weights = sequence(random.Random(3), len(indices), 3)
    total(v * a for row, w in zip(rows, weights) for v, a in zip(row, w)).backward()
    (rows_torch * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    close(grads(emb.weight), twin.weight.grad)


LOGITS = {
    "small": [0.3, -1.2, 2.5, 0.0],
    "large": [1000.0, -1000.0, 999.0, 0.0],
    "equal": [7.0, 7.0, 7.0],
}


@pytest.mark.parametrize("name", LOGITS)
@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_match_torch_even_at_logits_of_1000(name, which):
    ours_fn = {"softmax": softmax, "log_softmax": log_softmax}[which]
    theirs_fn = {"softmax": torch.softmax, "log_softmax": torch.log_softmax}[which]
    logits = [Value(v) for v in LOGITS[name]]
    logits_torch = torch.tensor(LOGITS[name], dtype=torch.float64, requires_grad=True)
    out = ours_fn(logits)
    out_torch = theirs_fn(logits_torch, dim=0)
    close(data(out), out_torch)
    coefficients = [0.5 * (k + 1) * (-1) ** k for k in range(len(logits))]
    total(o * a for o, a in zip(out, coefficients)).backward()
    (out_torch * torch.tensor(coefficients, dtype=torch.float64)).sum().backward()
    close(grads(logits), logits_torch.grad)
    assert all(abs(v) < float("inf") for v in data(out) + grads(logits))


@pytest.mark.parametrize("eps", [1e-5, 0.0, 0.1])
@pytest.mark.parametrize(
    "vector", [[0.3, -1.2, 2.5, 0.0], [1e-3, 2e-3, -1e-3], [1000.0, -1000.0, 5.0]]
)
def test_rmsnorm_matches_torch(vector, eps):
    x = [Value(v) for v in vector]
    x_torch = torch.tensor(vector, dtype=torch.float64, requires_grad=True)
    out = rmsnorm(x, eps=eps)
    out_torch = torch.nn.functional.rms_norm(x_torch, (len(vector),), eps=eps)
    close(data(out), out_torch)
    coefficients = [1.0 + k for k in range(len(vector))]
    total(o * a for o, a in zip(out, coefficients)).backward()
    (out_torch * torch.tensor(coefficients, dtype=torch.float64)).sum().backward()
    close(grads(x), x_torch.grad)
