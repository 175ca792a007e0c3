"""softmax, log_softmax and rmsnorm against PyTorch in float64: the same values and
gradients, even at logits of 1000."""

import pytest

torch = pytest.importorskip("torch")

from micrograd.engine import Value, total  # noqa: E402
from micrograd.nn import log_softmax, rmsnorm, softmax  # noqa: E402
from tests.reference import close, data, grads  # noqa: E402

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
