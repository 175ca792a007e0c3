"""Linear and Embedding against PyTorch in float64: the same weights give the same
outputs and the same gradients."""

import random

import pytest

torch = pytest.importorskip("torch")

from micrograd.engine import Value, total  # noqa: E402
from micrograd.nn import Embedding, Linear  # noqa: E402
from tests.reference import close, data, grads, sequence, with_our_weights  # noqa: E402


def torch_twin(ours):
    """The PyTorch module with our weights, copied by the names of ``_tensors()``."""
    if isinstance(ours, Linear):
        theirs = torch.nn.Linear(ours.in_features, ours.out_features, bias=ours.bias is not None)
    else:
        theirs = torch.nn.Embedding(ours.num_embeddings, ours.embedding_dim)
    return with_our_weights(theirs, ours)


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
