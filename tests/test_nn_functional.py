"""softmax, log_softmax and rmsnorm without PyTorch: sums, stability at logits of 1000,
NaN kept, errors, and properties."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd.engine import Value, total
from micrograd.nn import log_softmax, rmsnorm, softmax
from micrograd.tape import record


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: softmax([]), "softmax: needs a non-empty list"),
        (lambda: log_softmax([float("inf"), 0.0]), "log_softmax: needs finite inputs, got inf"),
        (lambda: rmsnorm([1.0], eps=-1), "rmsnorm: eps must be a number >= 0, got -1"),
    ],
)
def test_bad_input_raises_naming_the_class_and_the_value(call, match):
    with pytest.raises((ValueError, IndexError), match=match):
        call()


def test_softmax_sums_to_one_and_log_softmax_is_its_log():
    logits = [Value(v) for v in (0.5, -2.0, 3.0, 1.0)]
    probs = softmax(logits)
    assert sum(p.data for p in probs) == pytest.approx(1.0, abs=1e-15)
    for p, lp in zip(probs, log_softmax(logits)):
        assert lp.data == pytest.approx(math.log(p.data), abs=1e-15)


@pytest.mark.parametrize("fn", [softmax, log_softmax])
def test_softmax_values_and_gradients_stay_finite_at_logits_of_1000(fn):
    logits = [Value(1000.0), Value(-1000.0), Value(999.0)]
    out = fn(logits)
    total([o * (k + 1) for k, o in enumerate(out)]).backward()
    assert all(math.isfinite(v.data) for v in out)
    assert all(math.isfinite(z.grad) for z in logits)


def test_softmax_of_a_nan_is_nan_not_hidden():
    assert all(math.isnan(p.data) for p in softmax([Value(float("nan")), Value(1.0)]))


def test_rmsnorm_gives_unit_root_mean_square_and_zero_stays_zero():
    out = rmsnorm([Value(v) for v in (3.0, -1.0, 2.0, 7.0)], eps=0.0)
    assert math.sqrt(sum(v.data**2 for v in out) / 4) == pytest.approx(1.0, abs=1e-15)
    zeros = rmsnorm([Value(0.0), Value(0.0)])
    total(zeros).backward()
    assert [v.data for v in zeros] == [0.0, 0.0]


logit_lists = st.lists(
    st.floats(min_value=-1000, max_value=1000, allow_nan=False), min_size=1, max_size=8
)


@given(logit_lists, st.floats(min_value=-100, max_value=100))
def test_softmax_is_unchanged_by_adding_a_constant_to_every_logit(logits, shift):
    plain = [p.data for p in softmax(logits)]
    shifted = [p.data for p in softmax([z + shift for z in logits])]
    assert shifted == pytest.approx(plain, abs=1e-12)
    assert sum(plain) == pytest.approx(1.0, abs=1e-12)


@given(logit_lists)
def test_log_softmax_exponentiated_is_softmax_and_its_gradient_is_finite(logits):
    values = [Value(z) for z in logits]
    logs = log_softmax(values)
    assert [math.exp(lp.data) for lp in logs] == pytest.approx(
        [p.data for p in softmax(logits)], abs=1e-12
    )
    total([lp * (k + 1) for k, lp in enumerate(logs)]).backward()
    assert all(math.isfinite(v.grad) for v in values)


def test_softmax_and_log_softmax_replay_on_a_tape_when_the_largest_logit_moves():
    logits = [Value(1.0), Value(3.0), Value(-2.0)]
    for fn in (softmax, log_softmax):
        build = lambda fn=fn: total([p * w for p, w in zip(fn(logits), (0.5, -1.0, 2.0))])
        tape = record(build, check_every=1)
        for z, x in zip(logits, [5.0, -1.0, 0.0]):  # the largest moves from 3 to 5
            z.data = x
        replayed = tape.forward()
        assert replayed == build().data
        for z, x in zip(logits, [1.0, 3.0, -2.0]):
            z.data = x
