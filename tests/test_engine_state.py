"""No pass leaves state behind that could poison the next one; no_grad is per thread."""

import asyncio
import random
import sys
import threading

import pytest

from micrograd.backprop import grad
from micrograd.engine import Value, is_grad_enabled, no_grad


class Interrupting(float):
    """A gradient that raises KeyboardInterrupt (as Ctrl-C would) when added to."""

    def __add__(self, other):
        raise KeyboardInterrupt


def shared_graph():
    x = Value(1.0)
    h = x * 2
    return x, h * h + h  # h is used twice: the general route


def chain(n):
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0 + 1.0
    return x, y


@pytest.mark.parametrize("build", [shared_graph, lambda: chain(100_000)])
def test_an_interrupted_backward_leaves_nothing_behind(build):
    x, y = build()
    x.grad = Interrupting(0.0)
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    x.grad = 0.0
    y.backward()
    expected = grad(y, [x])[0]
    assert x.grad == expected


def test_an_interrupted_backward_steps_leaves_nothing_behind():
    x, y = chain(100_000)
    steps = y.backward_steps()
    for _ in range(500):
        next(steps)
    steps.close()  # abandoned half-way, as a Ctrl-C in a loop would
    x.grad = 0.0
    y.backward()
    assert x.grad == 1.0


def test_an_interrupted_grad_leaves_nothing_behind():
    from micrograd import custom_op

    def exploding_rule(x, out):
        if isinstance(x, Value):
            raise KeyboardInterrupt
        return (2.0,)

    double = custom_op("double", lambda x: 2 * x, exploding_rule)
    x = Value(1.0)
    h = double(x)
    y = h * h + h
    with pytest.raises(KeyboardInterrupt):
        grad(y, [x], create_graph=True)
    y.backward()
    assert x.grad == (2 * 2.0 + 1) * 2


@pytest.mark.parametrize("stop_at", range(1, 5900, 131))  # the pass runs ~5,900 lines here
def test_a_ctrl_c_anywhere_in_the_ordering_pass_leaves_nothing_behind(stop_at):
    # Ctrl-C can land between any two lines of the pass that orders a shared graph:
    # raise it there (through a tracer), then backpropagate again.
    from micrograd.nn import MLP

    model = MLP(2, [4, 4, 1], rng=random.Random(0), fused=False)

    def loss():
        return sum((model([Value(0.3 * i), Value(-0.2 * i)]) - 1) ** 2 for i in range(5))

    expected = loss()
    expected.backward()
    want = [p.grad for p in model.parameters()]
    interrupted = loss()
    lines = 0

    def tracer(frame, event, arg):
        if frame.f_code.co_name != "_postorder":
            return None

        def each_line(frame, event, arg):
            nonlocal lines
            lines += 1
            if lines == stop_at:
                raise KeyboardInterrupt
            return each_line

        return each_line

    sys.settrace(tracer)
    try:
        with pytest.raises(KeyboardInterrupt):
            interrupted.backward()
    finally:
        sys.settrace(None)
    model.zero_grad()
    interrupted.backward()
    assert [p.grad for p in model.parameters()] == want


def test_no_grad_in_one_thread_leaves_the_others_recording():
    entered, release = threading.Event(), threading.Event()
    results = {}

    def pausing():
        with no_grad():
            entered.set()
            release.wait(5)
            results["inside"] = (Value(2.0) * Value(3.0)).parents

    def recording():
        entered.wait(5)
        a = Value(2.0)
        b = a * a
        b.backward()
        results["grad"] = a.grad
        results["enabled"] = is_grad_enabled()
        release.set()

    threads = [threading.Thread(target=pausing), threading.Thread(target=recording)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {"inside": (), "grad": 4.0, "enabled": True}
    assert is_grad_enabled()


def test_no_grad_is_per_async_task():
    async def main():
        paused = asyncio.Event()
        done = asyncio.Event()

        async def pausing():
            with no_grad():
                paused.set()
                await done.wait()

        async def recording():
            await paused.wait()
            a = Value(2.0)
            out = (a * a).parents
            done.set()
            return out

        _, parents = await asyncio.gather(pausing(), recording())
        return parents

    assert len(asyncio.run(main())) == 2
