"""micrograd.testing: gradcheck and gradgradcheck (the strategies: test_testing_strategies.py)."""

import re

import pytest
from hypothesis import given

from micrograd.engine import Value, custom_op
from micrograd.testing import GradcheckError, gradcheck, gradgradcheck
from micrograd.testing.strategies import values


@pytest.mark.parametrize(
    "fn, inputs",
    [
        (lambda x: x.tanh(), [0.3]),
        (lambda x, y: (x * y).exp() / (1 + y**2), [0.5, -1.2]),
        (lambda x, y, z: (x - y).sigmoid() * z.log(), [0.1, 0.7, 2.0]),
    ],
)
def test_gradcheck_passes_correct_functions(fn, inputs):
    assert gradcheck(fn, inputs) is True


def test_gradcheck_catches_a_wrong_custom_derivative_and_names_each_input():
    wrong = custom_op("cube", lambda x: x**3, lambda x, out: (2 * x,))
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b: wrong(a) + b, [2.0, 1.0])
    message = str(caught.value)
    assert isinstance(caught.value, AssertionError)
    assert message.startswith("gradient mismatch for 1 of 2 inputs:")
    assert "input 0 at 2.0: analytic 4.0, numeric 12.000" in message
    assert "<-- mismatch" in message.splitlines()[1]
    assert re.search(r"input 1 at 1.0: analytic 1.0, numeric (0\.9999|1\.0000)", message)
    assert "<-- mismatch" not in message.splitlines()[2]


def test_gradcheck_needs_a_value():
    with pytest.raises(TypeError, match="fn must return a Value"):
        gradcheck(lambda x: 3.0, [1.0])


@pytest.mark.parametrize(
    "name, fn, point",
    [
        ("tanh", lambda x: x.tanh(), [0.4]),
        ("exp", lambda x: x.exp(), [0.7]),
        ("log", lambda x: x.log(), [1.7]),
        ("sigmoid", lambda x: x.sigmoid(), [-0.6]),
        ("pow with a number", lambda x: x**3.5, [1.3]),
        ("pow with a Value exponent", lambda x, y: x**y, [1.5, 0.8]),
        ("a mix", lambda x, y: (x * y).tanh() * y.exp() + x.log(), [0.9, -0.4]),
    ],
)
def test_gradgradcheck(name, fn, point):
    assert gradgradcheck(fn, point) is True


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # The first derivative is right; the rule used for second order is not
    # (it says d/dx of 3x^2 is constant, because it ignores x).
    square_ish = custom_op(
        "cube", lambda x: x**3, lambda x, out: (3 * (x.data if isinstance(x, Value) else x) ** 2,)
    )
    assert gradcheck(square_ish, [1.5])
    with pytest.raises(
        GradcheckError, match=r"d2f/dx0dx0 at \[1.5\]: analytic 0.0, numeric (8\.9999|9\.0000)"
    ):
        gradgradcheck(square_ish, [1.5])


@given(values(-2.0, 2.0), values(-2.0, 2.0))
def test_gradcheck_takes_the_values_that_values_draws(x, y):
    assert gradcheck(lambda a, b: (a * b).tanh() + a, [x, y])


def test_gradcheck_names_an_input_that_is_not_a_number():
    with pytest.raises(TypeError, match=r"^gradcheck: input 1: expected a real number, got 'a'"):
        gradcheck(lambda a, b: a * b, [1.0, "a"])


# --- Hostile inputs (issue 15's probe) ----------------------------------------

NAN = float("nan")


@pytest.mark.parametrize(
    "fn, inputs, shown",
    [
        (custom_op("nan_rule", lambda x: 2 * x, lambda x, out: (NAN,)), [1.0], "analytic nan"),
        (lambda x: x * NAN, [1.0], "input 0 at 1.0: analytic nan, numeric nan"),
        (lambda x: x.tanh(), [NAN], "input 0 at nan"),
        (lambda x, y: x * y + NAN, [1.0, 2.0], "input 1 at 2.0: analytic 1.0, numeric nan"),
    ],
)
def test_gradcheck_fails_on_nan_and_names_the_input(fn, inputs, shown):
    with pytest.raises(GradcheckError, match="not finite") as caught:
        gradcheck(fn, inputs)
    assert shown in str(caught.value)


def test_gradgradcheck_fails_on_nan_too():
    with pytest.raises(GradcheckError, match="not finite"):
        gradgradcheck(lambda x: x * x * NAN, [1.0])


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
@pytest.mark.parametrize(
    "settings, named",
    [
        ({"eps": NAN}, "eps"),
        ({"eps": 0.0}, "eps"),
        ({"eps": -1e-6}, "eps"),
        ({"eps": float("inf")}, "eps"),
        ({"atol": NAN}, "atol"),
        ({"rtol": -1.0}, "rtol"),
    ],
)
def test_gradcheck_settings_are_checked(check, settings, named):
    with pytest.raises(ValueError, match=f"{check.__name__}: {named} must be"):
        check(lambda x: x.tanh(), [0.3], **settings)
