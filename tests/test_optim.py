import math

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


@pytest.mark.parametrize("make", [SGD, Adam, RMSprop])
def test_a_parameter_given_twice_is_refused_as_it_would_be_stepped_twice(make):
    p, q = Value(1.0), Value(2.0)
    name = make.__name__
    with pytest.raises(ValueError, match=f"^{name}: parameter 2 is parameter 0 again; give"):
        make([p, q, p], lr=0.1)


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


# --- Hostile inputs (issue 15's probe) ----------------------------------------


NAN = float("nan")


def one_parameter():
    return [Value(1.0)]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Adam(one_parameter(), betas=(1.0, 0.999)), "Adam: betas[0] must be"),
        (lambda: Adam(one_parameter(), betas=(0.9, 1.0)), "Adam: betas[1] must be"),
        (lambda: Adam(one_parameter(), betas=(-0.1, 0.999)), "Adam: betas[0] must be"),
        (lambda: Adam(one_parameter(), betas=(0.9,)), "Adam: betas must be a pair"),
        (lambda: Adam(one_parameter(), eps=0.0), "Adam: eps must be a finite number > 0"),
        (lambda: Adam(one_parameter(), lr=NAN), "Adam: lr must be"),
        (lambda: RMSprop(one_parameter(), lr=0.1, alpha=2), "RMSprop: alpha must be"),
        (lambda: RMSprop(one_parameter(), lr=0.1, alpha=NAN), "RMSprop: alpha must be"),
        (lambda: RMSprop(one_parameter(), lr=0.1, eps=-1e-8), "RMSprop: eps must be"),
        (lambda: SGD(one_parameter(), lr=-0.1), "SGD: lr must be a finite number >= 0"),
        (lambda: SGD(one_parameter(), lr=float("inf")), "SGD: lr must be"),
        (lambda: SGD(one_parameter(), lr=10**400), "SGD: lr must be"),
        (
            lambda: SGD(one_parameter(), lr=0.1, momentum=1.0),
            "SGD: momentum must be a finite number in [0, 1)",
        ),
        (lambda: SGD(one_parameter(), lr=0.1, weight_decay=-1), "SGD: weight_decay must be"),
        (lambda: SGD(one_parameter(), lr=0.1, weight_decay=NAN), "SGD: weight_decay must be"),
        (lambda: StepDecay(SGD(one_parameter(), lr=1.0), 10, gamma=10), "StepDecay: gamma must"),
        (lambda: StepDecay(SGD(one_parameter(), lr=1.0), 10, gamma=0.0), "StepDecay: gamma must"),
        (lambda: StepDecay(SGD(one_parameter(), lr=1.0), 0.5), "StepDecay: step_size must"),
        (lambda: LinearDecay(SGD(one_parameter(), lr=1.0), 1.0, -0.1, 10), "LinearDecay: end"),
        (lambda: LinearDecay(SGD(one_parameter(), lr=1.0), NAN, 0.1, 10), "LinearDecay: start"),
        (lambda: LinearDecay(SGD(one_parameter(), lr=1.0), 1.0, 0.1, 0), "LinearDecay: steps"),
    ],
)
def test_hyperparameters_are_checked_when_made(make, message):
    with pytest.raises(ValueError) as caught:
        make()
    assert str(caught.value).startswith(message)


def test_a_hyperparameter_that_is_not_a_number_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"SGD: lr must be a number, got '0\.1'"):
        SGD(one_parameter(), lr="0.1")


def test_setting_a_bad_lr_later_is_refused_too():
    optimizer = SGD(one_parameter(), lr=0.1)
    with pytest.raises(ValueError, match="SGD: lr must be"):
        optimizer.lr = NAN
    assert optimizer.lr == 0.1


def test_step_decay_never_overflows():
    optimizer = SGD(one_parameter(), lr=1.0)
    schedule = StepDecay(optimizer, step_size=1, gamma=0.5)
    for _ in range(2000):
        schedule.step()
    assert optimizer.lr == 0.0


@pytest.mark.parametrize("alpha, betas", [(0.0, (0.0, 0.0)), (0.999999, (0.999999, 0.999999))])
def test_the_edges_of_the_ranges_still_train(alpha, betas):
    for optimizer_type, options in ((RMSprop, {"alpha": alpha}), (Adam, {"betas": betas})):
        w = Value(2.0)
        optimizer = optimizer_type([w], lr=0.01, **options)
        for _ in range(3):
            optimizer.zero_grad()
            (w * w).backward()
            optimizer.step()
        assert math.isfinite(w.data) and w.data < 2.0
