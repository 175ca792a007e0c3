"""A worked example: one step of backpropagation, every number printed.

A 2-2-1 network of sigmoid neurons with fixed weights sees the input
x = [0.5, 0.1] with target y = 0.6.  The loss is half the squared error,
L = 1/2 (o - y)^2.  We run forward, backward and one gradient-descent step with
micrograd, print each stage as a table, and check every number against the
textbook delta rule, computed separately by hand:

    delta_out      = (o - y) * o * (1 - o)
    delta_hidden_j = w_j * delta_out * h_j * (1 - h_j)
    dL/dw          = delta (of the neuron the weight feeds) * activation (feeding it)
    w             -= lr * dL/dw

Run it:  micrograd demo worked-example --out demo-out
(--out also writes demo-out/worked-example.html: open it in a browser to step
through the same forward pass, backward pass and update, and change any number.
--explore also writes demo-out/worked-example-training.html: the same network trained
on its one example for 30 steps, each to scrub through and open.)
"""

from __future__ import annotations

import math

from micrograd.demos import common

from micrograd import Value
from micrograd.losses import mse
from micrograd.nn import MLP
from micrograd.optim import SGD
from micrograd.viz import Explorer, RendererNotFound, explore, render

X = [0.5, 0.1]
TARGET = 0.6
LR = 0.5
# Fixed weights: hidden neuron j has weights W_HIDDEN[j] and bias B_HIDDEN[j].
W_HIDDEN = [[0.15, 0.20], [0.25, 0.30]]
B_HIDDEN = [0.35, 0.35]
W_OUT = [0.40, 0.45]
B_OUT = 0.60


def table(title: str, rows: list[tuple[str, float, float]]) -> None:
    """Print rows of (name, micrograd's number, the formula's number), checking they agree."""
    print(f"\n{title}")
    print(f"  {'':<16}{'micrograd':>14}{'by the formula':>16}")
    for name, ours, expected in rows:
        if not math.isclose(ours, expected, rel_tol=1e-12, abs_tol=1e-15):
            raise AssertionError(f"{name}: micrograd says {ours}, the formula says {expected}")
        print(f"  {name:<16}{ours:>14.8f}{expected:>16.8f}  ok")


def network(w_out: list[float] = W_OUT) -> tuple[Value, tuple[list[Value], list[Value]], tuple]:
    """The 2-2-1 network on X, op by op, every Value labelled (``w_out``: other output weights).

    Returns the loss, the parameters (weights, biases) and the inner Values
    (the two hidden sums, the two hidden activations, the output sum, the output).
    """
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(X)]
    w = [Value(v, label=f"w{i + 1}") for i, v in enumerate([*W_HIDDEN[0], *W_HIDDEN[1], *w_out])]
    b = [Value(v, label=f"b{i + 1}") for i, v in enumerate([*B_HIDDEN, B_OUT])]
    net_h = [x[0] * w[0] + x[1] * w[1] + b[0], x[0] * w[2] + x[1] * w[3] + b[1]]
    h = [net_h[0].sigmoid(), net_h[1].sigmoid()]
    net_o = h[0] * w[4] + h[1] * w[5] + b[2]
    o = net_o.sigmoid()
    loss = 0.5 * mse(o, TARGET, reduction="sum")
    names = ["net_h1", "net_h2", "h1", "h2", "net_o", "o", "L"]
    for v, name in zip([*net_h, *h, net_o, o, loss], names):
        v.label = name  # so the drawing and the page name them
    return loss, (w, b), (net_h, h, net_o, o)


def explore_page() -> Explorer:
    """The explorer page of the same 2-2-1 network, as an MLP: the network view, its
    parameters named as in the tables above (w1..w6, b1..b3)."""
    model = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid", fused=False)
    model.load_state_dict({
        "layers.0.weight": W_HIDDEN, "layers.0.bias": B_HIDDEN,
        "layers.1.weight": [W_OUT], "layers.1.bias": [B_OUT],
    })  # fmt: skip
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(X)]
    loss = 0.5 * mse(model(x), TARGET, reduction="sum")
    loss.label = "L"
    neurons = [n for layer in model.layers for n in layer.neurons]
    names = {w: f"w{k + 1}" for k, w in enumerate(w for n in neurons for w in n.w)}
    names.update({n.b: f"b{k + 1}" for k, n in enumerate(neurons)})
    return explore(loss, model=model, names=names, lr=LR, title="worked example: a 2-2-1 network")


TRAINING_STEPS = 30


def training_run(steps: int = TRAINING_STEPS) -> common.TrainingRecorder:
    """The same network trained on its one example, every step recorded for the training
    explorer.  The page's loss is one example's mean squared error, L = (o - y)^2: twice the
    tables' L, so its gradients are twice theirs."""
    model = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid", fused=False)
    model.load_state_dict({
        "layers.0.weight": W_HIDDEN, "layers.0.bias": B_HIDDEN,
        "layers.1.weight": [W_OUT], "layers.1.bias": [B_OUT],
    })  # fmt: skip
    optimizer = SGD(model.parameters(), lr=LR)
    title = "worked example: the 2-2-1 network trained on its one example"
    recorder = common.TrainingRecorder(model, [X], [TARGET], loss="mse", title=title)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = mse(model(X), TARGET)
        loss.backward()
        recorder.record(loss, optimizer)
        optimizer.step()
    return recorder


def main(argv: list[str] | None = None) -> int:
    args = common.parse(
        common.parser("worked-example", __doc__.splitlines()[0], explore=True), argv
    )

    print("weights:")
    print(f"  hidden 1: w1 = {W_HIDDEN[0][0]}, w2 = {W_HIDDEN[0][1]}, b1 = {B_HIDDEN[0]}")
    print(f"  hidden 2: w3 = {W_HIDDEN[1][0]}, w4 = {W_HIDDEN[1][1]}, b2 = {B_HIDDEN[1]}")
    print(f"  output:   w5 = {W_OUT[0]}, w6 = {W_OUT[1]}, b3 = {B_OUT}")
    print(f"input x = {X}, target y = {TARGET}, learning rate {LR}")

    # --- micrograd: the network op by op, every Value labelled -------------------
    loss, (w, b), (net_h, h, net_o, o) = network()
    optimizer = SGD([*w, *b], lr=LR)
    optimizer.zero_grad()
    loss.backward()

    # --- The textbook, in plain floats ------------------------------------------
    sig = lambda z: 1 / (1 + math.exp(-z))
    t_net_h = [X[0] * W_HIDDEN[j][0] + X[1] * W_HIDDEN[j][1] + B_HIDDEN[j] for j in (0, 1)]
    t_h = [sig(z) for z in t_net_h]
    t_net_o = t_h[0] * W_OUT[0] + t_h[1] * W_OUT[1] + B_OUT
    t_o = sig(t_net_o)
    t_loss = 0.5 * (t_o - TARGET) ** 2
    delta_out = (t_o - TARGET) * t_o * (1 - t_o)
    delta_hidden = [W_OUT[j] * delta_out * t_h[j] * (1 - t_h[j]) for j in (0, 1)]
    t_grads = [delta_hidden[j] * X[i] for j in (0, 1) for i in (0, 1)]  # w1..w4
    t_grads += [delta_out * t_h[0], delta_out * t_h[1]]  # w5, w6
    t_bias_grads = [*delta_hidden, delta_out]  # a bias's input is 1

    table("forward", [
        ("net_h1", net_h[0].data, t_net_h[0]), ("h1 = s(net_h1)", h[0].data, t_h[0]),
        ("net_h2", net_h[1].data, t_net_h[1]), ("h2 = s(net_h2)", h[1].data, t_h[1]),
        ("net_o", net_o.data, t_net_o), ("o = s(net_o)", o.data, t_o),
    ])  # fmt: skip
    table("loss", [("L = (o - y)^2/2", loss.data, t_loss)])
    table("deltas (dL/dnet of each neuron)", [
        ("delta_o", net_o.grad, delta_out),
        ("delta_h1", net_h[0].grad, delta_hidden[0]),
        ("delta_h2", net_h[1].grad, delta_hidden[1]),
    ])  # fmt: skip
    table(
        "gradients",
        [(f"dL/d{p.label}", p.grad, g) for p, g in zip([*w, *b], t_grads + t_bias_grads)],
    )

    # The explorer page replays all of this, so it is made before the update changes w and b.
    # It shows the same network as an MLP, so that it opens on layers and neurons.
    page = explore_page()
    old = [p.data for p in [*w, *b]]
    optimizer.step()
    expected = [v - LR * g for v, g in zip(old, t_grads + t_bias_grads)]
    table(
        f"updated weights (w - {LR} * dL/dw)",
        [(p.label, p.data, e) for p, e in zip([*w, *b], expected)],
    )
    print("\nevery number agrees with the delta rule")

    if args.out is not None:
        try:
            print(f"wrote {render(loss, args.out / 'worked-example.svg')}")
            print(f"wrote {page.save(args.out / 'worked-example.html')}")
        except RendererNotFound as error:
            raise common.DemoError(str(error)) from None
    if args.explore:
        path = common.save_training_page(training_run(), args.out, "worked-example")
        print(f"wrote {path}: {TRAINING_STEPS} steps of gradient descent on the one example, "
              "L = (o - y)^2 (twice the tables' L)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(common.run(main, None))
