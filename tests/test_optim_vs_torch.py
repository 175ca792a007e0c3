"""Optimizers and schedules against torch.optim in float64, over several steps."""

import math

import pytest

from micrograd.engine import Value
from micrograd.optim import SGD, Adam, LinearDecay, RMSprop, StepDecay

torch = pytest.importorskip("torch")

START = [0.5, -1.5, 2.0]


def loss_of(p0, p1, p2, exp, sin):
    # Something with curvature, so the steps differ from one another.
    return (p0 * p1 - 1) ** 2 + exp(p2 * 0.3) + sin(p0) * p2


def run_ours(make, steps=6):
    params = [Value(x) for x in START]
    opt = make(params)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(*params, lambda v: v.exp(), lambda v: v.sin()).backward()
        opt.step()
    return [p.data for p in params]


def run_torch(make, steps=6):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt = make(params)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(*params, torch.exp, torch.sin).backward()
        opt.step()
    return [p.item() for p in params]


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda p: SGD(p, lr=0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
        (
            lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
        ),
        (lambda p: RMSprop(p, lr=0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
        (
            lambda p: RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1),
            lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1),
        ),
        (lambda p: Adam(p), lambda p: torch.optim.Adam(p)),
        (
            lambda p: Adam(p, lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
            lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
        ),
    ],
    ids=["sgd", "sgd-momentum-wd", "rmsprop", "rmsprop-options", "adam", "adam-options"],
)
def test_optimizer_matches_torch(ours, theirs):
    assert run_ours(ours) == pytest.approx(run_torch(theirs), rel=1e-12, abs=1e-14)


def test_linear_decay_matches_torch_linear_lr():
    p = torch.tensor(0.0, requires_grad=True)
    t_opt = torch.optim.SGD([p], lr=1.0)
    t_schedule = torch.optim.lr_scheduler.LinearLR(
        t_opt, start_factor=1.0, end_factor=0.1, total_iters=100
    )
    opt = SGD([Value(0.0)], lr=1.0)
    schedule = LinearDecay(opt, 1.0, 0.1, 100)
    for _ in range(120):
        assert opt.lr == pytest.approx(t_opt.param_groups[0]["lr"], rel=1e-12)
        t_opt.step()
        t_schedule.step()
        schedule.step()


def test_step_decay_matches_torch_step_lr():
    p = torch.tensor(0.0, requires_grad=True)
    t_opt = torch.optim.SGD([p], lr=0.3)
    t_schedule = torch.optim.lr_scheduler.StepLR(t_opt, step_size=3, gamma=0.7)
    opt = SGD([Value(0.0)], lr=0.3)
    schedule = StepDecay(opt, step_size=3, gamma=0.7)
    for _ in range(12):
        assert opt.lr == pytest.approx(t_opt.param_groups[0]["lr"], rel=1e-12)
        t_opt.step()
        t_schedule.step()
        schedule.step()
    assert math.isfinite(opt.lr)
