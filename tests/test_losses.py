import math

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
from micrograd.tape import record
from micrograd.testing import gradcheck


def test_mse_single_and_lists_and_sum():
    assert mse(Value(3.0), 1.0).data == 4.0
    assert mse([1.0, 2.0], [0.0, 0.0]).data == 2.5
    assert mse([1.0, 2.0], [0.0, 0.0], reduction="sum").data == 5.0
    with pytest.raises(ValueError, match="reduction"):
        mse([1.0], [1.0], reduction="max")


def test_mismatched_lengths_are_value_errors():
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        mse([1.0, 2.0], [1.0])


def test_hinge_is_the_mean_margin_violation():
    assert hinge([Value(0.3), Value(-2.0)], [1, -1]).data == pytest.approx(0.35)
    assert hinge(Value(5.0), 1).data == 0.0


def test_l2_is_the_sum_of_squares():
    assert l2([Value(1.0), Value(-2.0)]).data == 5.0


def test_binary_cross_entropy_at_certainty_is_finite_like_torch():
    assert binary_cross_entropy(Value(0.0), 1.0).data == 100.0
    with pytest.raises(ValueError, match=r"probabilities must be in \[0, 1\], got 1.5"):
        binary_cross_entropy(Value(1.5), 1.0)


@pytest.mark.parametrize("z", [-1000.0, -30.0, 0.0, 2.0, 1000.0])
def test_bce_with_logits_is_stable_and_equals_bce_of_sigmoid(z):
    for t in (0.0, 1.0):
        v = Value(z)
        loss = binary_cross_entropy_with_logits(v, t)
        loss.backward()
        assert math.isfinite(loss.data)
        s = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        assert v.grad == pytest.approx(s - t, abs=1e-15)
        if abs(z) < 30:
            assert loss.data == pytest.approx(binary_cross_entropy(Value(s), t).data, rel=1e-12)


def test_cross_entropy_is_exact_at_huge_logits():
    logits = [Value(1000.0), Value(-1000.0), Value(0.0)]
    loss = cross_entropy(logits, 2)
    loss.backward()
    assert loss.data == 1000.0
    assert [v.grad for v in logits] == [1.0, 0.0, -1.0]


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], 1), [0.5, -1.0, 2.0])


def test_cross_entropy_of_a_batch_is_the_mean():
    batch = cross_entropy([[1.0, 2.0], [0.0, 0.0]], [0, 1]).data
    expected = (cross_entropy([1.0, 2.0], 0).data + math.log(2)) / 2
    assert batch == pytest.approx(expected)


def test_cross_entropy_checks_the_target():
    with pytest.raises(
        ValueError,
        match=r"target_index must be in 0\.\.1 or a list of 2 class probabilities, got 2",
    ):
        cross_entropy([1.0, 2.0], 2)


@pytest.mark.parametrize("target", [True, False, [True]])
def test_cross_entropy_refuses_a_bool_for_a_class_index(target):
    logits = [[1.0, 2.0]] if isinstance(target, list) else [1.0, 2.0]
    with pytest.raises(
        ValueError, match=r"target_index must be in 0\.\.1 or a list .*, got (True|False)"
    ):
        cross_entropy(logits, target)


@pytest.mark.parametrize("label", [0, 0.5, True, 2, "1"])
def test_hinge_takes_labels_of_minus_one_and_one_only(label):
    with pytest.raises(ValueError, match=rf"^hinge: labels must be -1 or \+1, got {label!r} at 1"):
        hinge([Value(0.3), Value(-2.0)], [1, label])
    assert hinge([0.5, -0.5], [1.0, -1.0]).data == 0.5  # floats equal to 1 and -1 are labels


def test_every_loss_has_correct_gradients():
    assert gradcheck(lambda a, b: mse([a, b], [1.0, -1.0]), [0.3, 0.2])
    assert gradcheck(lambda a, b: hinge([a, b], [1, -1]), [0.3, 0.2])
    assert gradcheck(lambda a: binary_cross_entropy(a, 0.3), [0.6])
    assert gradcheck(lambda a: binary_cross_entropy_with_logits(a, 0.3), [0.6])
    assert gradcheck(lambda a, b: l2([a, b]), [0.3, -0.2])


def test_cross_entropy_takes_class_probabilities_as_torch_does():
    # A one-hot target gives the index form's loss and gradients, to the bit.
    logits = [Value(0.5), Value(-1.0), Value(2.0)]
    by_index = cross_entropy(logits, 1)
    by_index.backward()
    expected = [z.grad for z in logits]
    for z in logits:
        z.grad = 0.0
    one_hot = cross_entropy(logits, [0.0, 1.0, 0.0])
    one_hot.backward()
    assert one_hot.data == by_index.data and [z.grad for z in logits] == expected
    soft = [Value(0.2), Value(0.5), Value(0.3)]  # and the targets get gradients too
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], soft), [0.5, -1.0, 2.0])
    assert gradcheck(lambda a, b, c: cross_entropy(logits, [a, b, c]), [0.2, 0.5, 0.3])
    with pytest.raises(ValueError, match="cross_entropy: 3 logits but 2 target probabilities"):
        cross_entropy(logits, [0.5, 0.5])
    with pytest.raises(ValueError, match="cross_entropy: 2 rows but 1 targets"):
        cross_entropy([[1.0, 2.0], [0.0, 1.0]], 1)


def test_a_one_hot_target_of_values_replays_on_a_tape_for_a_new_label():
    logits, target = [Value(0.5), Value(-1.0), Value(2.0)], [Value(1.0), Value(0.0), Value(0.0)]
    tape = record(lambda: cross_entropy(logits, target), check_every=1)
    target[0].data, target[2].data = 0.0, 1.0  # the label is now class 2
    assert tape.forward() == cross_entropy(logits, 2).data


def test_cross_entropy_replays_on_a_tape_when_the_largest_logit_moves():
    # The shift is a max node, not a number read from the data: a tape recorded at one
    # set of logits gives, at another, what building the graph again gives, to the bit.
    logits = [Value(2.0), Value(-1.0), Value(0.5)]
    build = lambda: cross_entropy(logits, 1)
    tape = record(build, check_every=1)
    for new in ([0.1, 3.0, -2.0], [-1.0, -1.0, 40.0]):
        for z, x in zip(logits, new):
            z.data, z.grad = x, 0.0
        replayed = tape.forward()
        tape.backward()
        replayed_grads = [z.grad for z in logits]
        for z in logits:
            z.grad = 0.0
        rebuilt = build()
        rebuilt.backward()
        assert replayed == rebuilt.data
        assert replayed_grads == [z.grad for z in logits]
