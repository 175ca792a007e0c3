"""micrograd.viz.training: the TrainingRecorder's records and its page, from Python.

The page itself (its numbers against Python's, the explorer it opens, the controls) is
tested in Chromium in test_viz_training_browser.py."""

import base64
import json
import math
import random
import re
import struct

import pytest

from micrograd import Value
from micrograd.datasets import make_moons
from micrograd.losses import cross_entropy, hinge, l2, mse
from micrograd.nn import MLP, Linear, Module
from micrograd.optim import SGD, LinearDecay
from micrograd.tape import record
from micrograd.viz import TrainingRecorder
from micrograd.viz.training import PAGE_NUMBERS


def moons(n=20, seed=1):
    X, labels = make_moons(n, noise=0.1, seed=seed)
    return X, [2 * t - 1 for t in labels]


def train(steps, recorder=None, tape=False, seed=0):
    """A small moons run, as the demo trains: hinge plus L2, SGD with a decaying rate."""
    X, y = moons()
    model = MLP(2, [6, 6, 1], rng=random.Random(seed))
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, steps=steps)
    if recorder is not None:
        recorder = recorder(model, X, y)

    def loss_of_model():
        return hinge([model(x) for x in X], y) + 1e-4 * l2(model.parameters())

    replay = record(loss_of_model) if tape else None
    losses, before = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        if replay is not None:
            loss = replay.forward()
            replay.backward()
        else:
            graph = loss_of_model()
            graph.backward()
            loss = graph.data
        before.append([(p.data, p.grad) for p in model.parameters()])
        if recorder is not None:
            recorder.record(loss, optimizer)
        optimizer.step()
        schedule.step()
        losses.append(loss)
    return model, recorder, losses, before


def page_data(recorder) -> dict:
    text = recorder.page()
    found = re.search(
        r'<script type="application/json" id="micrograd-training">(.*?)</script>', text
    )
    assert found
    return json.loads(found.group(1))


@pytest.mark.parametrize("tape", [False, True])
def test_recording_does_not_change_the_numbers(tmp_path, tape):
    _, _, plain, _ = train(6, tape=tape)
    _model, recorder, recorded, _ = train(6, lambda *a: TrainingRecorder(*a, loss="hinge"), tape)
    recorder.save(tmp_path / "run.html")  # saving puts each step's numbers in and out again
    assert recorded == plain  # bit for bit
    _, _, again, _ = train(6, tape=tape)
    assert again == plain
    assert [s.loss for s in recorder.steps] == plain


def test_each_step_keeps_the_parameters_and_gradients_of_its_loss_and_the_learning_rate():
    model, recorder, _losses, before = train(5, lambda *a: TrainingRecorder(*a, loss="hinge"))
    assert [s.iteration for s in recorder.steps] == [0, 1, 2, 3, 4]
    assert recorder.steps[0].names == tuple(name for name, _ in model.named_parameters())
    for step, pairs in zip(recorder.steps, before):
        assert step.params == tuple(d for d, _ in pairs)
        assert step.grads == tuple(g for _, g in pairs)
    assert [s.lr for s in recorder.steps] == [1.0 - 0.9 * k / 5 for k in range(5)]
    assert recorder.steps[0].params != tuple(p.data for p in model.parameters())  # as they were


def test_accuracies_are_the_models_own_at_each_steps_parameters():
    model, recorder, _, _ = train(4, lambda *a: TrainingRecorder(*a, loss="hinge"))
    X, y = moons()
    final = [p.data for p in model.parameters()]
    expected = []
    for step in recorder.steps:
        twin = MLP(2, [6, 6, 1])
        for p, v in zip(twin.parameters(), step.params):
            p.data = v
        expected.append(sum((twin(x).data > 0) == (t > 0) for x, t in zip(X, y)) / len(y))
    assert recorder.accuracies() == expected
    assert len(set(expected)) > 1  # the run learns something: the test can tell steps apart
    assert [p.data for p in model.parameters()] == final  # put back


def test_grad_norms_are_each_layers_over_its_weights_and_biases():
    _model, recorder, _, _ = train(3, lambda *a: TrainingRecorder(*a, loss="hinge"))
    for step, norms in zip(recorder.steps, recorder.grad_norms()):
        assert list(norms) == ["layers.0", "layers.1", "layers.2"]
        for layer, norm in norms.items():
            own = [g for n, g in zip(step.names, step.grads) if n.startswith(layer + ".")]
            assert norm == math.sqrt(sum(g * g for g in own))


def test_every_and_max_steps_keep_every_kth_step():
    X, y = moons()
    model = MLP(2, [3, 1], rng=random.Random(0))
    recorder = TrainingRecorder(model, X, y, loss="hinge", every=3)
    for _ in range(10):
        recorder.record(1.0)
    assert [s.iteration for s in recorder.steps] == [0, 3, 6, 9]
    recorder = TrainingRecorder(model, X, y, loss="hinge", max_steps=4)
    for _ in range(20):
        recorder.record(1.0)
    assert recorder.stride == 8 and [s.iteration for s in recorder.steps] == [0, 8, 16]
    data = page_data(recorder)
    assert (data["stride"], data["calls"], data["limit"]) == (8, 20, 4)
    assert "1 training step in {stride} kept: {kept} of {total}" in data["text"]["sampled"]
    default = TrainingRecorder(model, X, y, loss="hinge")
    assert default.max_steps == PAGE_NUMBERS // len(model.parameters())


def test_the_page_sends_each_steps_numbers_and_the_network():
    model, recorder, losses, _ = train(3, lambda *a: TrainingRecorder(*a, loss="hinge"))
    data = page_data(recorder)
    assert data["names"] == [n for n, _ in model.named_parameters()]
    assert data["steps"]["loss"] == losses
    sent = base64.b64decode(data["steps"]["params"])  # float64s, little-endian, step by step
    assert struct.unpack(f"<{len(sent) // 8}d", sent) == sum((s.params for s in recorder.steps), ())
    assert data["steps"]["accuracy"] == recorder.accuracies()
    layers = data["layers"]
    assert [layer["name"] for layer in layers] == ["layers.0", "layers.1", "layers.2"]
    first = layers[0]["neurons"][1]
    assert data["names"][first["weights"][0]] == "layers.0.weight[1][0]"
    assert data["names"][first["bias"]] == "layers.0.bias[1]"
    assert [n["activation"] for n in layers[2]["neurons"]] == ["linear"]
    assert data["task"] == {"loss": "hinge", "rule": "sign", "classes": [-1, 1]}


def test_nan_is_sent_as_nan_never_hidden():
    X, y = moons()
    recorder = TrainingRecorder(MLP(2, [2, 1], rng=random.Random(0)), X, y, loss="hinge")
    model = recorder.model
    model.parameters()[0].data = float("nan")
    recorder.record(float("nan"))
    data = page_data(recorder)
    assert data["steps"]["loss"] == ["nan"]
    assert math.isnan(struct.unpack("<d", base64.b64decode(data["steps"]["params"])[:8])[0])


def test_a_point_opens_in_one_explorer_page_a_class_where_the_class_is_in_the_graph():
    X, y = moons()
    model = MLP(2, [3, 1], rng=random.Random(0))
    hinged = TrainingRecorder(model, X, y, loss="hinge")
    hinged.record(0.5)
    explorer = page_data(hinged)["explorer"]
    assert sorted(explorer["templates"]) == ["-1", "1"] and explorer["byClass"]
    assert explorer["inputs"] == ["x[0]", "x[1]"] and explorer["target"] == []
    assert explorer["params"] == [n for n, _ in model.named_parameters()]
    squared = TrainingRecorder(model, X, [float(t > 0) for t in y], loss="mse")
    squared.record(0.5)
    explorer = page_data(squared)["explorer"]
    assert list(explorer["templates"]) == [""] and explorer["target"] == ["y"]
    assert explorer["unavailable"] is None
    three = MLP(2, [3, 3], rng=random.Random(0))
    classes = TrainingRecorder(three, X, [k % 3 for k in range(20)], loss="cross_entropy")
    classes.record(0.5)
    explorer = page_data(classes)["explorer"]  # the class as one-hot leaves: one page
    assert list(explorer["templates"]) == [""] and explorer["oneHot"]
    assert explorer["target"] == ["y[0]", "y[1]", "y[2]"]


def test_a_loss_with_a_custom_op_says_the_explorer_cannot_open_its_points():
    X, y = moons()
    targets = [float(t > 0) for t in y]
    model = MLP(2, [3, 1], rng=random.Random(0))
    recorder = TrainingRecorder(model, X, targets, loss="binary_cross_entropy_with_logits")
    recorder.record(0.5)
    explorer = page_data(recorder)["explorer"]
    assert explorer["templates"] == {}
    assert "softplus, a custom op" in explorer["unavailable"]
    assert recorder.accuracies() == [
        sum((model(x).data > 0) == (t == 1) for x, t in zip(X, targets)) / len(X)
    ]


def test_the_task_follows_the_loss_and_the_targets():
    X, _ = moons()
    model = MLP(2, [3, 1], rng=random.Random(0))
    cases = [
        ("mse", [0.0, 1.0] * 10, "half"),
        ("mse", [-1.0, 1.0] * 10, "sign"),
        ("mse", [0.3] * 20, None),
    ]
    for loss, targets, rule in cases:
        assert TrainingRecorder(model, X, targets, loss=loss).task.rule == rule
    three = MLP(2, [3, 3], rng=random.Random(0))
    recorder = TrainingRecorder(three, X, [k % 3 for k in range(20)], loss="cross_entropy")
    assert recorder.task.rule == "argmax" and recorder.task.classes == (0, 1, 2)
    recorder.record(cross_entropy([three(x) for x in X], [k % 3 for k in range(20)]))
    scores = [[v.data for v in three(x)] for x in X]
    right = sum(s.index(max(s)) == k % 3 for k, s in enumerate(scores))
    assert recorder.accuracies() == [right / 20]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"loss": "l1"}, ValueError, "loss must be one of"),
        ({"every": 0}, ValueError, "every must be a whole number >= 1, got 0"),
        ({"max_steps": True}, ValueError, "max_steps must be a whole number >= 1, got True"),
        ({"targets": [0.5] * 20, "loss": "hinge"}, ValueError, "hinge needs labels -1 or +1"),
        ({"targets": [3] * 20, "loss": "cross_entropy"}, ValueError, "class indices 0..0"),
        ({"targets": [1.0] * 19}, ValueError, "20 inputs but 19 targets"),
        ({"targets": ["a"] * 20}, TypeError, "targets[0] must be a number, got 'a'"),
        ({"inputs": [[0.0, 1.0]] * 19 + [[1.0]]}, ValueError, "the same length"),
    ],
)
def test_bad_arguments_get_clear_errors(kwargs, error, message):
    X, y = moons()
    args = {"inputs": X, "targets": [float(t) for t in y], **kwargs}
    model = MLP(2, [3, 1], rng=random.Random(0))
    with pytest.raises(error, match=re.escape(message)):
        TrainingRecorder(model, args.pop("inputs"), args.pop("targets"), **args)


def test_a_model_the_page_cannot_compute_is_refused():
    class Scaled(Module):
        def __init__(self):
            self.mlp = MLP(2, [3, 1], rng=random.Random(0))

        def __call__(self, x):
            return 2 * self.mlp(x)

    X, y = moons()
    with pytest.raises(ValueError, match="the model's output is not its last layer's"):
        TrainingRecorder(Scaled(), X, y, loss="hinge")
    with pytest.raises(TypeError, match="must be a micrograd Module"):
        TrainingRecorder(object(), X, y, loss="hinge")


def test_a_linear_layer_model_of_several_outputs_with_mse_targets_as_lists():
    class Net(Module):
        def __init__(self):
            self.first = Linear(2, 3, rng=random.Random(0))
            self.second = Linear(3, 2, rng=random.Random(1))

        def __call__(self, x):
            return self.second([h.tanh() for h in self.first(x)])

    X, _ = moons()
    targets = [[x[0], x[1] * 2] for x in X]
    net = Net()
    recorder = TrainingRecorder(net, X, targets, loss="mse")
    recorder.record(mse(net(X[0]), targets[0]))
    data = page_data(recorder)
    assert [len(layer["neurons"]) for layer in data["layers"]] == [3, 2]
    assert data["explorer"]["target"] == ["y[0]", "y[1]"]
    assert recorder.accuracies() == [None]
    with pytest.raises(ValueError, match="each target is a list of 2 numbers"):
        TrainingRecorder(net, X, [1.0] * 20, loss="mse")


def test_record_wants_an_optimizer_with_a_learning_rate():
    X, y = moons()
    recorder = TrainingRecorder(MLP(2, [3, 1], rng=random.Random(0)), X, y, loss="hinge")
    with pytest.raises(TypeError, match="record: optimizer has no lr: object"):
        recorder.record(0.5, object())
    with pytest.raises(TypeError, match="record: loss must be a number, got 'x'"):
        recorder.record("x")


def test_save_before_recording_says_what_to_do():
    X, y = moons()
    recorder = TrainingRecorder(MLP(2, [3, 1], rng=random.Random(0)), X, y, loss="hinge")
    with pytest.raises(ValueError, match=r"nothing recorded yet: call record\(\)"):
        recorder.save("never.html")


def test_the_page_is_one_offline_file_with_names_escaped(tmp_path):
    hostile = "</script><script>window.pwned=1</script><img src=x onerror=alert(1)>&\"'"

    class Net(Module):
        def __init__(self):
            setattr(self, hostile, MLP(2, [3, 1], rng=random.Random(0)))

        def __call__(self, x):
            return getattr(self, hostile)(x)

    X, y = moons()
    net = Net()
    recorder = TrainingRecorder(net, X, y, loss="hinge", title=hostile)
    recorder.record(0.25)
    text = recorder.save(tmp_path / "run.html").read_text(encoding="utf-8")
    assert text.count("<script") == 2  # the data and the page's own script
    assert hostile not in text  # every name escaped where it lands
    assert "<title>&lt;/script&gt;" in text
    assert page_data(recorder)["names"][0] == f"{hostile}.layers.0.weight[0][0]"
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert len(re.findall(r"'sha256-", csp)) == 4  # this page's script and style, the explorer's
    assert not re.search(r"(src|href)=\"(http|//)", text)


def test_jupyter_shows_the_page_in_an_iframe():
    X, y = moons()
    recorder = TrainingRecorder(MLP(2, [3, 1], rng=random.Random(0)), X, y, loss="hinge")
    recorder.record(Value(0.5))
    shown = recorder._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "sandbox=" in shown
    assert "&lt;!DOCTYPE html&gt;" in shown
