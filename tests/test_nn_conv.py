"""Conv2d, MaxPool2d and flatten, checked against the definitions written out by hand.

The PyTorch comparison is in test_nn_conv_vs_torch.py (it needs the torch extra).
"""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd.engine import OPS, Value, total
from micrograd.nn import Conv2d, MaxPool2d, Module, flatten
from micrograd.tape import record


def image(channels, height, width, rng, values=True):
    make = (lambda: Value(rng.uniform(-1, 1))) if values else (lambda: rng.uniform(-1, 1))
    return [[[make() for _ in range(width)] for _ in range(height)] for _ in range(channels)]


def data(x):
    return x.data if isinstance(x, Value) else x


def convolve_by_hand(conv, x):
    """The definition on floats: out[o][i][j] = b[o] + sum w[o][c][a][b] * x'[c][i*s+a][j*s+b],
    x' being x with zeros around it."""
    (kh, kw), (sh, sw), (ph, pw) = conv.kernel_size, conv.stride, conv.padding
    height, width = len(x[0]), len(x[0][0])

    def pixel(c, r, s):
        inside = 0 <= r - ph < height and 0 <= s - pw < width
        return data(x[c][r - ph][s - pw]) if inside else 0.0

    rows = (height + 2 * ph - kh) // sh + 1
    cols = (width + 2 * pw - kw) // sw + 1
    return [
        [
            [
                (conv.bias[o].data if conv.bias else 0.0)
                + sum(
                    conv.weight[o][c][a][b].data * pixel(c, i * sh + a, j * sw + b)
                    for c in range(conv.in_channels)
                    for a in range(kh)
                    for b in range(kw)
                )
                for j in range(cols)
            ]
            for i in range(rows)
        ]
        for o in range(conv.out_channels)
    ]


@given(
    channels=st.integers(1, 3),
    filters=st.integers(1, 3),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    extra=st.tuples(st.integers(0, 4), st.integers(0, 4)),
    bias=st.booleans(),
    numbers=st.booleans(),
    seed=st.integers(0, 10**6),
)
def test_each_output_is_the_weighted_sum_under_the_filter(
    channels, filters, kernel, stride, padding, extra, bias, numbers, seed
):
    rng = random.Random(seed)
    conv = Conv2d(channels, filters, kernel, stride, padding, bias=bias, rng=rng)
    x = image(channels, kernel[0] + extra[0], kernel[1] + extra[1], rng, values=not numbers)
    out = flatten(conv(x))
    expected = flatten(convolve_by_hand(conv, x))
    assert len(out) == len(expected)
    assert [v.data for v in out] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_output_size_follows_pytorchs_formula():
    rng = random.Random(0)
    conv = Conv2d(2, 5, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), rng=rng)
    out = conv(image(2, 7, 6, rng))
    # H' = (7 + 2 - 3) // 2 + 1 = 4,  W' = (6 + 0 - 2) // 1 + 1 = 5
    assert (len(out), len(out[0]), len(out[0][0])) == (5, 4, 5)


def test_each_output_is_one_fused_node_whose_parents_are_weights_pixels_and_bias():
    rng = random.Random(1)
    conv = Conv2d(2, 3, kernel_size=2, rng=rng)
    x = image(2, 3, 3, rng)
    node = conv(x)[1][0][1]
    weights = [w for plane in conv.weight[1] for row in plane for w in row]
    pixels = [x[c][r][s] for c in range(2) for r in (0, 1) for s in (1, 2)]
    assert node.op == "linear"
    assert node.parents == (*weights, *pixels, conv.bias[1])


def test_a_mix_of_values_and_numbers_makes_each_number_one_leaf():
    rng = random.Random(12)
    conv = Conv2d(1, 2, kernel_size=2, rng=rng)
    x = [[[Value(1.0), 2.0, 3.0], [4.0, Value(5.0), 6.0]]]
    out = conv(x)
    assert out[0][0][0].parents[4] is x[0][0][0]  # after the 4 weights
    assert out[0][0][0].parents[4:8] == out[1][0][0].parents[4:8]  # the same leaves
    assert [v.data for v in out[1][0]] == pytest.approx(flatten(convolve_by_hand(conv, x))[2:])


def test_padding_zeros_are_not_parents():
    rng = random.Random(2)
    conv = Conv2d(1, 1, kernel_size=3, padding=1, rng=rng)
    x = image(1, 3, 3, rng)
    corner = conv(x)[0][0][0]  # the filter's top row and left column sit on padding
    w = conv.weight[0][0]
    under = [w[1][1], w[1][2], w[2][1], w[2][2]]
    assert corner.parents == (*under, x[0][0][0], x[0][0][1], x[0][1][0], x[0][1][1], conv.bias[0])


def test_a_filter_on_padding_only_gives_its_bias_and_no_weight_gradient():
    rng = random.Random(3)
    conv = Conv2d(1, 1, kernel_size=1, padding=1, rng=rng)
    out = conv([[[Value(2.0)]]])  # 3x3 out; only the centre sees the pixel
    assert out[0][0][0].data == conv.bias[0].data
    out[0][0][0].backward()
    assert conv.weight[0][0][0][0].grad == 0.0 and conv.bias[0].grad == 1.0


def test_weight_gradient_is_the_sum_of_the_pixels_it_touched():
    rng = random.Random(4)
    conv = Conv2d(1, 1, kernel_size=2, rng=rng)
    x = [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
    total(flatten(conv(x))).backward()
    w = conv.weight[0][0]
    # w[a][b] touches x[i+a][j+b] for i, j in {0, 1}
    assert [[w[a][b].grad for b in range(2)] for a in range(2)] == [[12.0, 16.0], [24.0, 28.0]]
    assert conv.bias[0].grad == 4.0


def test_input_gradient_is_the_sum_of_the_weights_that_saw_it():
    rng = random.Random(5)
    conv = Conv2d(1, 1, kernel_size=2, rng=rng)
    x = image(1, 3, 3, rng)
    total(flatten(conv(x))).backward()
    w = [[v.data for v in row] for row in conv.weight[0][0]]
    assert x[0][1][1].grad == pytest.approx(w[0][0] + w[0][1] + w[1][0] + w[1][1], abs=1e-15)
    assert x[0][0][0].grad == pytest.approx(w[0][0], abs=1e-15)


def test_initial_weights_are_pytorchs_uniform_and_reproducible():
    conv = Conv2d(2, 4, kernel_size=3, rng=random.Random(6))
    bound = 1 / math.sqrt(2 * 3 * 3)
    values = [p.data for p in conv.parameters()]
    assert len(values) == 4 * 2 * 3 * 3 + 4
    assert all(-bound <= v <= bound for v in values)
    assert max(values) > 0.8 * bound and min(values) < -0.8 * bound  # spread, not all near 0
    assert values == [p.data for p in Conv2d(2, 4, 3, rng=random.Random(6)).parameters()]


def test_without_bias():
    conv = Conv2d(1, 2, kernel_size=1, bias=False, rng=random.Random(7))
    assert conv.bias is None and len(conv.parameters()) == 2
    assert list(conv.state_dict()) == ["weight"]
    out = conv([[[3.0]]])
    assert out[1][0][0].data == pytest.approx(3.0 * conv.weight[1][0][0][0].data)


def test_conv2d_is_a_module():
    assert isinstance(Conv2d(1, 1, 1), Module) and isinstance(MaxPool2d(2), Module)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Conv2d(0, 1, 3), "Conv2d: in_channels must be a positive int, got 0"),
        (lambda: Conv2d(1, 2.5, 3), "Conv2d: out_channels must be a positive int, got 2.5"),
        (lambda: Conv2d(1, 1, (3,)), "Conv2d: kernel_size must be an int >= 1 or a pair"),
        (lambda: Conv2d(1, 1, 3, stride=0), "Conv2d: stride must be an int >= 1"),
        (lambda: Conv2d(1, 1, 3, padding=-1), "Conv2d: padding must be an int >= 0"),
        (lambda: Conv2d(1, 1, True), "Conv2d: kernel_size must be an int >= 1"),
        (lambda: Conv2d(1, 1, 3, bias=None), "Conv2d: bias must be True or False"),
        (lambda: MaxPool2d(0), "MaxPool2d: kernel_size must be an int >= 1"),
        (lambda: MaxPool2d(2, stride=(1, 0)), "MaxPool2d: stride must be an int >= 1"),
    ],
)
def test_bad_arguments_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


@pytest.mark.parametrize(
    "x, message",
    [
        ([[1.0, 2.0], [3.0, 4.0]], "expected an image as nested lists"),
        ([], "expected an image as nested lists"),
        ([[[1.0, 2.0, 3.0]] * 3, [[1.0, 2.0, 3.0]] * 3], "expected 1 input channels, got 2"),
        ([[[1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0, 3.0]]], "channel 0 row 1 does not have 3"),
        ([[[1.0, 2.0]] * 2], "the input height 2 .* is smaller than the kernel height 3"),
    ],
)
def test_bad_images_are_refused_with_what_is_wrong(x, message):
    with pytest.raises(ValueError, match=f"Conv2d: {message}"):
        Conv2d(1, 1, 3)(x)


@pytest.mark.parametrize("pixel", ["a", True, None, [1.0]])
def test_conv2d_refuses_pixels_that_are_not_numbers(pixel):
    with pytest.raises(TypeError, match="Conv2d: pixels must be Values or numbers"):
        Conv2d(1, 1, 1)([[[1.0, pixel]]])


def test_repr_is_pytorchs():
    assert repr(Conv2d(1, 4, 3)) == "Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))"
    assert (
        repr(Conv2d(2, 3, (3, 1), stride=2, padding=1, bias=False))
        == "Conv2d(2, 3, kernel_size=(3, 1), stride=(2, 2), padding=(1, 1), bias=False)"
    )


# --- MaxPool2d -----------------------------------------------------------------------


def test_max_pool_returns_the_largest_input_of_each_window():
    x = [[[Value(float(v)) for v in row] for row in [[1, 5, 2, 0], [3, 4, 8, 1], [0, 9, 6, 7]]]]
    out = MaxPool2d(2)(x)  # 3x4 -> 1x2: the last row has no full window
    assert [v.data for v in out[0][0]] == [5.0, 8.0]
    # Each output is one max node over its whole window, in row-major order.
    assert out[0][0][0].op_entry is OPS["max"]
    assert out[0][0][0].parents == (x[0][0][0], x[0][0][1], x[0][1][0], x[0][1][1])
    assert out[0][0][1].parents == (x[0][0][2], x[0][0][3], x[0][1][2], x[0][1][3])


def test_max_pool_sends_the_gradient_to_the_maximum_only():
    x = [[[Value(float(v)) for v in row] for row in [[1, 5], [3, 4]]]]
    (MaxPool2d(2)(x)[0][0][0] * 3).backward()
    assert [[v.grad for v in row] for row in x[0]] == [[0.0, 3.0], [0.0, 0.0]]


def test_overlapping_windows_add_up_the_gradient():
    x = [[[Value(float(v)) for v in [0, 9, 1]]]]
    out = MaxPool2d((1, 2), stride=1)(x)  # windows [0, 9] and [9, 1]: both pick 9
    total(flatten(out)).backward()
    assert [v.grad for v in x[0][0]] == [0.0, 2.0, 0.0]


def test_on_a_tie_the_first_maximum_in_row_major_order_wins():
    x = [[[Value(1.0), Value(2.0)], [Value(2.0), Value(2.0)]]]
    MaxPool2d(2)(x)[0][0][0].backward()
    assert [v.grad for row in x[0] for v in row] == [0.0, 1.0, 0.0, 0.0]


def test_the_graph_keeps_every_input_so_a_moved_maximum_replays_right():
    # The shape is the same whichever input is largest: a tape records it once.
    x = [[[Value(1.0), Value(5.0)], [Value(3.0), Value(2.0)]]]
    tape = record(lambda: MaxPool2d(2)(x)[0][0][0] * 2, check_every=1)
    x[0][1][0].data = 7.0  # the maximum moves from 5 to 7
    assert tape.forward() == 14.0
    tape.backward()
    assert [v.grad for row in x[0] for v in row] == [0.0, 0.0, 2.0, 0.0]


def test_nan_is_never_hidden_by_max_pool():
    nan = float("nan")
    for position in range(4):
        flat = [Value(1.0), Value(2.0), Value(3.0), Value(4.0)]
        flat[position] = Value(nan)
        out = MaxPool2d(2)([[flat[:2], flat[2:]]])
        assert math.isnan(out[0][0][0].data)
        out[0][0][0].backward()
        assert all(math.isnan(v.grad) for v in flat)  # and NaN gradients, not a silent 0


def test_max_pool_of_numbers_gives_numbers_and_each_channel_pools_alone():
    x = [[[1.0, 2.0], [3.0, 0.5]], [[-1.0, -2.0], [-3.0, -0.5]]]
    assert MaxPool2d(2)(x) == [[[3.0]], [[-0.5]]]


def test_max_pool_default_stride_is_the_kernel_size():
    pool = MaxPool2d((2, 3))
    assert pool.stride == (2, 3)
    assert repr(pool) == "MaxPool2d(kernel_size=(2, 3), stride=(2, 3))"
    assert pool.state_dict() == {} and pool.parameters() == []
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2)"  # as given, as PyTorch


def test_max_pool_refuses_pixels_that_are_not_numbers():
    with pytest.raises(TypeError, match="MaxPool2d: pixels must be Values or numbers, got 'a'"):
        MaxPool2d(2)([[[1.0, "a"], [2.0, 3.0]]])


def test_max_pool_refuses_a_window_larger_than_the_image():
    with pytest.raises(ValueError, match=r"MaxPool2d: the input width 1 .* kernel width 2"):
        MaxPool2d(2)([[[1.0], [2.0]]])


# --- flatten -------------------------------------------------------------------------


def test_flatten_is_row_major():
    assert flatten([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert flatten([1, [2, [3, [4, []]]], (5,)]) == [1, 2, 3, 4, 5]


def test_flatten_keeps_the_same_values():
    v = Value(1.0)
    assert flatten([[v]])[0] is v
    assert flatten(v) == [v]


def test_flatten_handles_deep_nesting_without_recursion():
    deep = [1.0]
    for _ in range(5000):
        deep = [deep]
    assert flatten(deep) == [1.0]
