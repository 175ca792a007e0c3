import pytest

from micrograd.engine import Value
from micrograd.optim import SGD, Adam, LinearDecay, RMSprop, StepDecay


def test_sgd_is_the_delta_rule():
    w = Value(2.0)
    w.grad = 0.5
    SGD([w], lr=0.1).step()
    assert w.data == 2.0 - 0.1 * 0.5


def test_lr_is_settable():
    w = Value(1.0)
    opt = Adam([w])
    opt.lr = 0.5
    w.grad = 1.0
    opt.step()
    assert w.data == pytest.approx(0.5)  # Adam's first step moves by lr


def test_zero_grad():
    params = [Value(1.0), Value(2.0)]
    for p in params:
        p.grad = 3.0
    RMSprop(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="no parameters"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="must be Values"):
        SGD([1.0], lr=0.1)
    with pytest.raises(ValueError, match="SGD: lr must be a finite number >= 0, got -1"):
        SGD([Value(1.0)], lr=-1)


def test_linear_decay_is_micrograds_schedule():
    opt = SGD([Value(0.0)], lr=123.0)
    schedule = LinearDecay(opt, start=1.0, end=0.1, steps=100)
    for k in range(100):
        assert opt.lr == 1.0 - 0.9 * k / 100
        schedule.step()
    schedule.step()
    assert opt.lr == pytest.approx(0.1)


def test_step_decay():
    opt = SGD([Value(0.0)], lr=1.0)
    schedule = StepDecay(opt, step_size=2, gamma=0.5)
    seen = []
    for _ in range(5):
        seen.append(opt.lr)
        schedule.step()
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25]
