"""Every loss against torch.nn.functional, in float64."""

import pytest

from micrograd.engine import Value
from micrograd.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2,
    mse,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional


def both(values):
    ours = [Value(v) for v in values]
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    return ours, theirs


def check(ours_loss, ours_inputs, torch_loss, torch_inputs):
    ours_loss.backward()
    torch_loss.backward()
    assert ours_loss.data == pytest.approx(torch_loss.item(), rel=1e-12)
    expected = torch_inputs.grad.tolist()
    assert [v.grad for v in ours_inputs] == pytest.approx(expected, rel=1e-10, abs=1e-15)


PREDICTIONS = [0.3, -1.2, 2.5, 0.05]
TARGETS = [0.0, -1.0, 3.0, 0.5]


def test_mse():
    ours, theirs = both(PREDICTIONS)
    target = torch.tensor(TARGETS, dtype=torch.float64)
    check(mse(ours, TARGETS), ours, F.mse_loss(theirs, target), theirs)


def test_mse_sum():
    ours, theirs = both(PREDICTIONS)
    target = torch.tensor(TARGETS, dtype=torch.float64)
    check(mse(ours, TARGETS, "sum"), ours, F.mse_loss(theirs, target, reduction="sum"), theirs)


def test_binary_cross_entropy():
    probabilities, targets = [0.1, 0.7, 0.999, 0.5], [0.0, 1.0, 1.0, 0.3]
    ours, theirs = both(probabilities)
    target = torch.tensor(targets, dtype=torch.float64)
    check(binary_cross_entropy(ours, targets), ours, F.binary_cross_entropy(theirs, target), theirs)


def test_binary_cross_entropy_with_logits_far_out():
    logits, targets = [-1000.0, -3.0, 0.0, 4.0, 1000.0], [1.0, 0.0, 1.0, 0.2, 0.0]
    ours, theirs = both(logits)
    target = torch.tensor(targets, dtype=torch.float64)
    check(
        binary_cross_entropy_with_logits(ours, targets),
        ours,
        F.binary_cross_entropy_with_logits(theirs, target),
        theirs,
    )


@pytest.mark.parametrize(
    "logits, target", [([0.5, -1.0, 2.0], 0), ([1000.0, -1000.0, 0.0], 2), ([3.0, 3.0], 1)]
)
def test_cross_entropy(logits, target):
    ours, theirs = both(logits)
    torch_loss = F.cross_entropy(theirs.unsqueeze(0), torch.tensor([target]))
    check(cross_entropy(ours, target), ours, torch_loss, theirs)


def test_cross_entropy_with_class_probabilities():
    ours, theirs = both([0.5, -1.0, 2.0])
    probabilities = [0.2, 0.5, 0.3]
    torch_loss = F.cross_entropy(
        theirs.unsqueeze(0), torch.tensor([probabilities], dtype=torch.float64)
    )
    check(cross_entropy(ours, probabilities), ours, torch_loss, theirs)


def test_hinge_matches_multi_margin_loss_style_formula():
    scores, labels = [0.3, -2.0, 0.9, -0.1], [1.0, -1.0, -1.0, 1.0]
    ours, theirs = both(scores)
    y = torch.tensor(labels, dtype=torch.float64)
    check(hinge(ours, labels), ours, torch.relu(1 - y * theirs).mean(), theirs)


def test_l2():
    ours, theirs = both(PREDICTIONS)
    check(l2(ours), ours, (theirs**2).sum(), theirs)
