"""RNNCell, LSTMCell and GRUCell against PyTorch in float64: the same weights give the
same outputs and the same gradients through time."""

import random

import pytest

torch = pytest.importorskip("torch")

from micrograd.engine import Value, total  # noqa: E402
from micrograd.nn import GRUCell, LSTMCell, RNNCell, unroll  # noqa: E402
from tests.reference import TOL, close, data, grads, sequence, with_our_weights  # noqa: E402

CELLS = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}


def torch_twin(ours):
    """The PyTorch module with our weights, copied by the names of ``_tensors()``."""
    if isinstance(ours, RNNCell):
        theirs = torch.nn.RNNCell(
            ours.input_size, ours.hidden_size, bias=ours.bias, nonlinearity=ours.nonlinearity
        )
    elif isinstance(ours, LSTMCell):
        theirs = torch.nn.LSTMCell(ours.input_size, ours.hidden_size, bias=ours.bias)
    else:
        theirs = torch.nn.GRUCell(ours.input_size, ours.hidden_size, bias=ours.bias)
    return with_our_weights(theirs, ours)


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
