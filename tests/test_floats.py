"""micrograd.floats: real numbers as floats, and float arithmetic whose errors name the op."""

import math

import pytest

from micrograd.engine import Value
from micrograd.floats import (
    as_float,
    describe,
    divide,
    finite,
    first_largest,
    pow_or_inf,
    power,
    sigmoid,
    sign,
    sum_left_to_right,
)

# --- as_float: what converts, what is refused ------------------------------------------------


def test_numpy_scalars_become_python_floats():
    np = pytest.importorskip("numpy")
    v = Value(np.float64(10))
    assert type(v.data) is float
    assert (v**400).data == math.inf  # past the float range: inf, as for * and +
    assert Value(np.True_).data == 1.0
    assert type((Value(1.0) * np.float32(2)).data) is float


def test_as_float_turns_numpy_scalars_into_python_floats():
    np = pytest.importorskip("numpy")
    for x, want in [(np.float64(2.5), 2.5), (np.float32(0.5), 0.5), (np.int64(7), 7.0)]:
        got = as_float(x, "+")
        assert type(got) is float and got == want
    assert as_float(np.bool_(True), "+") == 1.0 and as_float(np.False_, "+") == 0.0


@pytest.mark.parametrize("x, want", [(3, 3.0), (-(2**53), -(2.0**53)), (True, 1.0), (False, 0.0)])
def test_as_float_converts_ints_and_bools_exactly(x, want):
    got = as_float(x, "*")
    assert type(got) is float and got == want


def test_as_float_returns_a_float_itself():
    x = 0.1
    assert as_float(x, "*") is x


def test_a_huge_int_names_value():
    with pytest.raises(OverflowError, match=r"Value: an int of .* too large for a float"):
        Value(10**400)


def test_as_float_of_a_huge_int_names_the_op_and_the_size_not_the_digits():
    with pytest.raises(OverflowError, match=r"^\*: an int of 1329 bits is too large") as info:
        as_float(10**400, "*")
    assert len(str(info.value)) < 100


@pytest.mark.parametrize(
    "bad",
    ["2", b"2", 1j, None, [1.0], object()],
    ids=["str", "bytes", "complex", "None", "list", "object"],
)
def test_as_float_refuses_strings_and_non_numbers_naming_the_op(bad):
    with pytest.raises(TypeError, match=r"^\+: expected a real number, got .* \(\w+\)$"):
        as_float(bad, "+")


def test_describe_keeps_error_messages_short():
    assert describe(2**1000) == "an int of 1001 bits"
    assert describe(1.5) == "1.5"
    long = describe("x" * 1000)
    assert len(long) == 60 and long.endswith("...")


# --- divide, power, pow_or_inf, finite: errors that name the op --------------------------------


def test_divide_divides_or_names_the_op_and_both_numbers():
    assert divide(1.0, 4.0) == 0.25
    with pytest.raises(ZeroDivisionError, match=r"^/: division by zero \(1.0 / 0.0\)$"):
        divide(1.0, 0.0)
    with pytest.raises(ZeroDivisionError, match=r"^log: division by zero"):
        divide(1.0, -0.0, "log")


def test_power_raises_or_names_the_op():
    assert power(2.0, 3.0) == 8.0 and power(-2.0, 3.0) == -8.0
    with pytest.raises(ValueError, match=r"^\*\*: a negative base needs a whole exponent"):
        power(-8.0, 0.5)
    with pytest.raises(ZeroDivisionError, match=r"^\*\*: 0 cannot be raised to a negative power"):
        power(0.0, -1.0)
    assert power(10.0, 400.0) == math.inf and power(-10.0, 401.0) == -math.inf
    assert power(-10.0, 400.0) == math.inf and power(0.1, -400.0) == math.inf


@pytest.mark.parametrize("exponent", [math.nan, math.inf, -math.inf])
def test_power_of_a_negative_base_and_a_nan_or_inf_exponent_is_no_error(exponent):
    out = power(-2.0, exponent)
    assert out == (-2.0) ** exponent or math.isnan(out)


def test_pow_or_inf_is_inf_past_the_float_range_and_at_a_pole():
    assert pow_or_inf(2.0, 3.0) == 8.0
    assert pow_or_inf(10.0, 400.0) == math.inf
    assert pow_or_inf(0.0, -1.5) == math.inf
    assert pow_or_inf(1e-200, -2.5) == math.inf


def test_pow_or_inf_is_nan_for_a_negative_base_and_a_fractional_exponent():
    assert math.isnan(pow_or_inf(-8.0, 0.5))
    assert pow_or_inf(-2.0, 3) == -8.0


def test_finite_passes_finite_numbers_and_names_the_op_for_infinity():
    assert finite(2.5, "sin") == 2.5
    assert math.isnan(finite(math.nan, "sin"))
    with pytest.raises(ValueError, match=r"^cos: needs a finite input, got -inf$"):
        finite(-math.inf, "cos")


# --- sign, sigmoid -------------------------------------------------------------------------------


def test_sign_is_the_slope_of_abs_and_keeps_nan():
    assert [sign(x) for x in (-2.0, -0.0, 0.0, 3.0, -math.inf, math.inf)] == [
        -1.0,
        0.0,
        0.0,
        1.0,
        -1.0,
        1.0,
    ]
    assert math.isnan(sign(math.nan))


def test_sigmoid_is_accurate_on_both_sides():
    assert Value(-40.0).sigmoid().data == pytest.approx(math.exp(-40.0), rel=1e-12)
    assert Value(40.0).sigmoid().data == 1.0


@pytest.mark.parametrize("x", [-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])
def test_sigmoid_is_stable_and_accurate_on_both_sides(x):
    out = sigmoid(x)
    assert 0.0 <= out <= 1.0
    assert out == pytest.approx(1 / (1 + math.exp(-x)) if x > -700 else 0.0, rel=1e-15)
    assert out + sigmoid(-x) == pytest.approx(1.0, rel=1e-15)
    if x < 0:
        assert out == pytest.approx(math.exp(x) / (1 + math.exp(x)), rel=1e-15)


# --- sum_left_to_right -------------------------------------------------------------------------


def test_sum_left_to_right_adds_in_order_as_plain_floats():
    # Builtin sum() of floats is compensated from Python 3.12: 1.0 here, not 0.0.
    assert sum_left_to_right([1e16, 1.0, -1e16]) == 0.0
    assert sum_left_to_right([1e16, 1.0, -1e16, 1.0]) == 1.0
    assert sum_left_to_right([1.0, -1e16], 1e16) == 0.0  # the start comes first
    assert sum_left_to_right([]) == 0.0 and sum_left_to_right([], 2.5) == 2.5


# --- first_largest: the index a max picks ---------------------------------------------------


def test_first_largest_picks_the_first_of_a_tie_and_reports_any_nan():
    assert first_largest([0.0, 5.0, -1.0, 5.0]) == 1
    assert first_largest([-0.0, 0.0]) == 0  # equal: the first
    assert first_largest([math.inf, 1.0]) == 0
    assert first_largest([1.0, 2.0, math.nan]) == -1
    assert first_largest([math.nan, 2.0]) == -1
