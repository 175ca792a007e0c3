"""Conv2d and MaxPool2d against PyTorch in float64: the same outputs, and the same
gradients with respect to the weights, the bias and the input (within 1e-10), for
several kernel sizes, strides and paddings."""

import random

import pytest

torch = pytest.importorskip("torch")

from micrograd.engine import Value, total  # noqa: E402
from micrograd.nn import Conv2d, MaxPool2d, flatten  # noqa: E402

TOL = 1e-10


def values(nested):
    if isinstance(nested, Value):
        return nested
    return [values(v) for v in nested]


def data(nested):
    if isinstance(nested, Value):
        return nested.data
    if isinstance(nested, float):
        return nested
    return [data(v) for v in nested]


def grads(nested):
    if isinstance(nested, Value):
        return nested.grad
    return [grads(v) for v in nested]


def close(ours, theirs):
    theirs = theirs.detach().reshape(-1).tolist()
    ours = [data(v) for v in flatten(ours)]
    assert len(ours) == len(theirs)
    worst = max(abs(a - b) for a, b in zip(ours, theirs))
    assert worst <= TOL, worst


CASES = [
    # in, out, kernel, stride, padding, (height, width), bias
    (1, 4, 3, 1, 0, (8, 8), True),
    (2, 3, 3, 2, 1, (7, 6), True),
    (3, 2, (2, 3), (1, 2), (0, 1), (5, 7), True),
    (2, 2, 1, 3, 2, (4, 4), False),
    (1, 2, (3, 1), (2, 1), (2, 0), (5, 3), True),
    (2, 1, 4, 1, 3, (2, 2), True),  # padding wider than the image: some outputs see only zeros
]


@pytest.mark.parametrize("case", CASES)
def test_conv2d_matches_pytorch_in_values_and_gradients(case):
    cin, cout, kernel, stride, padding, (height, width), bias = case
    rng = random.Random(hash(case) % 1000)
    conv = Conv2d(cin, cout, kernel, stride, padding, bias=bias, rng=rng)
    x = [[[Value(rng.uniform(-2, 2)) for _ in range(width)] for _ in range(height)]
         for _ in range(cin)]  # fmt: skip
    out = conv(x)
    # A loss that weighs every output differently, so a misplaced gradient shows.
    weights = [rng.uniform(-1, 1) for _ in flatten(out)]
    total([w * v for w, v in zip(weights, flatten(out))]).backward()

    theirs = torch.nn.Conv2d(cin, cout, kernel, stride, padding, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(data(conv.weight), dtype=torch.float64))
        if bias:
            theirs.bias.copy_(torch.tensor(data(conv.bias), dtype=torch.float64))
    tx = torch.tensor([data(x)], dtype=torch.float64, requires_grad=True)
    tout = theirs(tx)
    (tout.reshape(-1) * torch.tensor(weights, dtype=torch.float64)).sum().backward()

    close(out, tout[0])
    close(grads(conv.weight), theirs.weight.grad)
    if bias:
        close(grads(conv.bias), theirs.bias.grad)
    close(grads(x), tx.grad[0])


@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 1), ((2, 3), (1, 2)), (3, 2)])
def test_max_pool_matches_pytorch_in_values_and_gradients(kernel, stride):
    rng = random.Random(7)
    x = [[[Value(rng.uniform(-1, 1)) for _ in range(7)] for _ in range(6)] for _ in range(2)]
    out = MaxPool2d(kernel, stride)(x)
    weights = [rng.uniform(-1, 1) for _ in flatten(out)]
    total([w * v for w, v in zip(weights, flatten(out))]).backward()

    tx = torch.tensor(data(x), dtype=torch.float64, requires_grad=True)
    tout = torch.nn.MaxPool2d(kernel, stride)(tx[None])[0]
    (tout.reshape(-1) * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    close(out, tout)
    close(grads(x), tx.grad)


def test_max_pool_breaks_ties_as_pytorch_does():
    pattern = [[1.0, 2.0, 2.0, 0.0], [2.0, 2.0, 0.0, 2.0], [3.0, 3.0, 3.0, 3.0]]
    x = [[[Value(v) for v in row] for row in pattern]]
    out = MaxPool2d(2, stride=1)(x)
    total(flatten(out)).backward()
    tx = torch.tensor([pattern], dtype=torch.float64, requires_grad=True)
    torch.nn.MaxPool2d(2, stride=1)(tx[None]).sum().backward()
    close(grads(x), tx.grad)


def test_the_cnn_demos_network_matches_pytorch():
    """Conv 1->4 3x3, ReLU, MaxPool 2, flatten: the demo's features, end to end."""
    rng = random.Random(3)
    conv, pool = Conv2d(1, 4, 3, rng=rng), MaxPool2d(2)
    image = [[[Value(rng.random()) for _ in range(8)] for _ in range(8)]]
    features = flatten(pool([[[v.relu() for v in row] for row in m] for m in conv(image)]))
    total(features).backward()

    theirs = conv.to_torch()
    tx = torch.tensor([data(image)], dtype=torch.float64, requires_grad=True)
    tfeatures = torch.nn.MaxPool2d(2)(torch.relu(theirs(tx))).flatten()
    tfeatures.sum().backward()
    close(features, tfeatures)
    close(grads(conv.weight), theirs.weight.grad)
    close(grads(image), tx.grad[0])
