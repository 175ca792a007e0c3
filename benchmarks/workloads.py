"""Benchmark workloads, run one implementation per process.

    python workloads.py IMPLEMENTATION WORKLOAD

IMPLEMENTATION is ``micrograd`` (whatever ``import micrograd`` finds: 0.1.0 in
its own virtualenv, or this project), ``ours-unfused`` (this project, op-by-op
neurons) or ``tape`` (benchmarks/tape.py).  Prints one JSON object.
``run.py`` calls this; it is not meant to be run by hand.
"""

import gc
import json
import math
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # for tape.py
sys.setrecursionlimit(1000)  # Python's default, whatever the caller set

IMPLEMENTATION, WORKLOAD = sys.argv[1], sys.argv[2]
CHAIN_STEPS = 10_000  # 3 ops each: 30,000 nodes
ROUNDS = 15


def moons_data(n=100, seed=1337):
    """The same 100 noisy moons for every implementation (pure Python, no sklearn)."""
    rng = random.Random(seed)
    half = n // 2
    points = [
        [math.cos(math.pi * i / (half - 1)), math.sin(math.pi * i / (half - 1))]
        for i in range(half)
    ]
    points += [
        [1 - math.cos(math.pi * i / (half - 1)), 0.5 - math.sin(math.pi * i / (half - 1))]
        for i in range(half)
    ]
    labels = [-1] * half + [1] * half
    order = list(range(n))
    rng.shuffle(order)
    X = [[points[i][0] + rng.gauss(0, 0.1), points[i][1] + rng.gauss(0, 0.1)] for i in order]
    return X, [labels[i] for i in order]


# --- Implementations: the same recipe in each one's own words ---------------------------


OURS = False
if IMPLEMENTATION == "tape":
    import tape

    Value = tape.Var

    def backward(root):
        tape.backward(root)

    class MLP:
        """Unfused neurons on the tape: micrograd's architecture and init order."""

        def __init__(self, nin, nouts):
            sizes = [nin, *nouts]
            self.layers = []
            for i in range(len(nouts)):
                layer = [
                    ([Value(random.uniform(-1, 1)) for _ in range(sizes[i])], Value(0.0))
                    for _ in range(sizes[i + 1])
                ]
                self.layers.append((layer, i != len(nouts) - 1))

        def __call__(self, x):
            for layer, nonlin in self.layers:
                out = []
                for ws, b in layer:
                    act = b
                    for w, xi in zip(ws, x):
                        act = act + w * xi
                    out.append(act.relu() if nonlin else act)
                x = out
            return x[0]

        def parameters(self):
            return [p for layer, _ in self.layers for ws, b in layer for p in (*ws, b)]

    def mlp_step(model, X, y, lr):
        scores = [model([Value(a), Value(b)]) for a, b in X]
        losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg = 1e-4 * sum(p * p for p in model.parameters())
        loss = data_loss + reg
        for p in model.parameters():
            p.grad = 0.0
        backward(loss)
        for p in model.parameters():
            p.data -= lr * p.grad
        return loss.data

    def evaluate(model, X):
        raise NotImplementedError

else:
    import micrograd
    from micrograd.engine import Value
    from micrograd.nn import MLP

    OURS = hasattr(micrograd, "__version__")  # 0.1.0 has none

    def backward(root):
        root.backward()

    if OURS:
        from micrograd.engine import no_grad
        from micrograd.losses import hinge, l2

        FUSED = IMPLEMENTATION != "ours-unfused"
        _MLP = MLP
        MLP = lambda nin, nouts: _MLP(nin, nouts, fused=FUSED)

        def mlp_step(model, X, y, lr):
            scores = [model([Value(a), Value(b)]) for a, b in X]
            loss = hinge(scores, y) + 1e-4 * l2(model.parameters())
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= lr * p.grad
            return loss.data

        def evaluate(model, X):
            with no_grad():
                return [model(x).data for x in X]

    else:  # micrograd 0.1.0, exactly its demo's code

        def _tanh(self):
            # 0.1.0 has no tanh; this adds one in its own style (a closure over
            # the output, as its other ops do) for the chain workload.
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():
                self.grad += (1 - t * t) * out.grad

            out._backward = _backward
            return out

        Value.tanh = _tanh

        def mlp_step(model, X, y, lr):
            inputs = [list(map(Value, xrow)) for xrow in X]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = 1e-4 * sum(p * p for p in model.parameters())
            total_loss = data_loss + reg_loss
            model.zero_grad()
            total_loss.backward()
            for p in model.parameters():
                p.data -= lr * p.grad
            return total_loss.data


def chain(n):
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = (y * 1.0001 + 0.001).tanh()
    return x, y


def best_of(fn, rounds=ROUNDS):
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# --- Workloads -----------------------------------------------------------------------


def workload_chain():
    nodes = 3 * CHAIN_STEPS
    if IMPLEMENTATION == "micrograd" and not hasattr(micrograd, "__version__"):
        sys.setrecursionlimit(10 * nodes)  # 0.1.0's recursive sort needs it, for timing only
    forward, back = [], []
    for _ in range(ROUNDS):
        gc.collect()
        start = time.perf_counter()
        _, y = chain(CHAIN_STEPS)
        middle = time.perf_counter()
        backward(y)
        end = time.perf_counter()
        forward.append(middle - start)
        back.append(end - middle)
        del y
    return {
        "forward_ns_per_node": min(forward) / nodes * 1e9,
        "backward_ns_per_node": min(back) / nodes * 1e9,
    }


def workload_mlp():
    """Consecutive training steps in a plain loop, so that each step also pays
    for collecting the graph of the one before (no gc.collect() in between)."""
    random.seed(1337)
    X, y = moons_data()
    model = MLP(2, [16, 16, 1])
    steps = 3 if IMPLEMENTATION == "micrograd" and not OURS else 10
    for _ in range(2):  # warm up
        mlp_step(model, X, y, 0.01)
    start = time.perf_counter()
    for _ in range(steps):
        mlp_step(model, X, y, 0.01)
    return {"mlp_step_ms": (time.perf_counter() - start) / steps * 1e3}


def workload_memory():
    steps = 100_000 // 3
    gc.collect()
    tracemalloc.start()
    graph = chain(steps)  # kept alive while measured
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del graph
    if IMPLEMENTATION == "tape":
        tape.TAPE.clear()
    return {"bytes_per_node": size / (3 * steps)}


def workload_depth():
    """The deepest chain of y * 1.0 that backward handles, up to 1e6 (bisected)."""

    def works(depth):
        y = Value(0.5)
        for _ in range(depth):
            y = y * 1.0
        try:
            backward(y)
            return True
        except RecursionError:
            return False

    good, bad = 0, None
    for depth in (10, 100, 1_000, 10_000, 100_000, 1_000_000):
        if not works(depth):
            bad = depth
            break
        good = depth
    while bad is not None and bad - good > 1:
        middle = (good + bad) // 2
        good, bad = (middle, bad) if works(middle) else (good, middle)
    return {"deepest_chain": good}


def workload_no_grad():
    random.seed(1337)
    X, _ = moons_data()
    model = MLP(2, [16, 16, 1])
    inputs = [[Value(a), Value(b)] for a, b in X]
    build = best_of(lambda: [model(x) for x in inputs])
    evaluate_time = best_of(lambda: evaluate(model, X))
    return {"graph_forward_ms": build * 1e3, "no_grad_forward_ms": evaluate_time * 1e3}


def workload_losses():
    """micrograd's moons recipe for STEPS steps, with its learning-rate decay: every loss."""
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    random.seed(1337)
    X, y = moons_data()
    model = MLP(2, [16, 16, 1])
    losses = [mlp_step(model, X, y, 1.0 - 0.9 * k / 100) for k in range(steps)]
    return {"losses": losses}


def workload_moons_demo():
    """The whole moons recipe, 100 steps, as the demo runs it (no pictures)."""
    random.seed(1337)
    X, y = moons_data()
    model = MLP(2, [16, 16, 1])
    start = time.perf_counter()
    for k in range(100):
        mlp_step(model, X, y, 1.0 - 0.9 * k / 100)
    return {"seconds": time.perf_counter() - start}


print(json.dumps(globals()[f"workload_{WORKLOAD}"]()))
