"""The training explorer page in a real browser: headless Chromium driven by playwright.

The page computes its predictions itself, and opens points in the network explorer; these
tests check its numbers against Python's at every recorded step, the explorer's against
Python's for the point and step opened, and the controls and escaping.  (How fast it loads
and redraws is a figure in benchmarks/training.py, not a pass or fail here.)  They need
playwright (the dev extra) and Debian's chromium; without either they skip and say why.
"""

import math
import random
import shutil
import tempfile
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

from micrograd import Value  # noqa: E402
from micrograd.datasets import make_moons, make_spirals, xor  # noqa: E402
from micrograd.losses import cross_entropy, hinge, l2, mse  # noqa: E402
from micrograd.nn import MLP, Linear, Module  # noqa: E402
from micrograd.optim import SGD, Adam, LinearDecay  # noqa: E402
from micrograd.viz import TrainingRecorder, diagnose  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "no Chromium: install Debian's chromium (apt-get install -y chromium; .ci/run does)",
        allow_module_level=True,
    )

# Without the background-networking flags Chromium's own connections get refused here.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


class Opened:
    """A page loaded from file://, recording console errors and every request it makes."""

    def __init__(self, browser, recorder, path: Path):
        recorder.save(path)
        self.url = path.as_uri()
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(self.url)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.page.close()
        if exc[0] is None:
            assert self.errors == [], self.errors
            assert self.requests == [self.url], self.requests

    def evaluate(self, script, arg=None):
        return self.page.evaluate(script, arg)


def close(got, expected, tolerance=1e-12) -> bool:
    if isinstance(expected, list):
        return len(got) == len(expected) and all(map(close, got, expected))
    if math.isnan(expected):
        return math.isnan(got)
    return math.isclose(got, expected, rel_tol=tolerance, abs_tol=tolerance)


def with_params(model, params):
    for p, v in zip(model.parameters(), params):
        p.data = v


def output(model, x):
    out = model([Value(v) for v in x])
    return [v.data for v in out] if isinstance(out, list) else out.data


# --- Runs to record ----------------------------------------------------------------------


def moons_run(steps=5, fused=True):
    X, labels = make_moons(30, noise=0.1, seed=4)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [8, 8, 1], rng=random.Random(2), fused=fused)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, start=1.0, end=0.1, steps=steps)
    recorder = TrainingRecorder(model, X, y, loss="hinge", title="moons")
    for _ in range(steps):
        optimizer.zero_grad()
        loss = hinge([model(x) for x in X], y) + 1e-4 * l2(model.parameters())
        loss.backward()
        recorder.record(loss, optimizer)
        optimizer.step()
        schedule.step()
    return model, recorder


def xor_run(steps=5):
    X, y = xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", rng=random.Random(1))
    optimizer = SGD(model.parameters(), lr=1.0, momentum=0.9)
    recorder = TrainingRecorder(model, X, y, loss="mse", title="xor")
    for _ in range(steps):
        optimizer.zero_grad()
        loss = mse([model(x) for x in X], y)
        loss.backward()
        recorder.record(loss, optimizer)
        optimizer.step()
    return model, recorder


def spirals_run(steps=4):
    X, y = make_spirals(10, classes=3, noise=0.2, seed=1)
    model = MLP(2, [6, 3], rng=random.Random(3), init="he")
    optimizer = Adam(model.parameters(), lr=0.05)
    recorder = TrainingRecorder(model, X, y, loss="cross_entropy", title="spirals")
    for _ in range(steps):
        optimizer.zero_grad()
        loss = cross_entropy([model(x) for x in X], y)
        loss.backward()
        recorder.record(loss, optimizer)
        optimizer.step()
    return model, recorder


class TanhNet(Module):
    """Linear layers and tanh, held in a Module of one's own."""

    def __init__(self):
        self.first = Linear(2, 4, rng=random.Random(5))
        self.second = Linear(4, 1, rng=random.Random(6))

    def __call__(self, x):
        return self.second([h.tanh() for h in self.first(x)])[0]


def tanh_net_run(steps=3):
    X, labels = make_moons(12, noise=0.1, seed=5)
    y = [float(t) for t in labels]
    model = TanhNet()
    optimizer = SGD(model.parameters(), lr=0.3)
    recorder = TrainingRecorder(model, X, y, loss="mse", title="tanh net")
    for _ in range(steps):
        optimizer.zero_grad()
        loss = mse([model(x) for x in X], y)
        loss.backward()
        recorder.record(loss, optimizer)
        optimizer.step()
    return model, recorder


RUNS = {
    "moons": moons_run,
    "moons op by op": lambda: moons_run(fused=False),
    "xor": xor_run,
    "spirals": spirals_run,
    "tanh net": tanh_net_run,
}


# --- The numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["moons", "spirals", "tanh net"])
def test_the_state_at_every_recorded_step_is_what_python_recorded(browser, folder, name):
    _model, recorder = RUNS[name]()
    norms, accuracies = recorder.grad_norms(), recorder.accuracies()
    with Opened(browser, recorder, folder / "state.html") as opened:
        assert opened.evaluate("micrograd.training.steps()") == len(recorder.steps)
        states = opened.evaluate(
            "Array.from({length: micrograd.training.steps()},"
            " (_, k) => (micrograd.training.goto(k), micrograd.state()))"
        )
    for k, (state, step) in enumerate(zip(states, recorder.steps)):
        assert state["step"] == k and state["iteration"] == step.iteration
        assert state["loss"] == step.loss and state["lr"] == step.lr
        assert state["accuracy"] == accuracies[k]
        assert state["params"] == dict(zip(step.names, step.params))  # exactly: to 0, not 1e-12
        assert state["grad_norms"] == norms[k]


@pytest.mark.parametrize("name", list(RUNS))
def test_predict_and_boundary_are_the_models_own_output(browser, folder, name):
    model, recorder = RUNS[name]()
    probes = [[0.3, -0.2], [-1.5, 0.75], [2.0, 1.0]]
    with Opened(browser, recorder, folder / "predict.html") as opened:
        square = opened.evaluate("micrograd.training.square()")
        for k, step in enumerate(recorder.steps):
            opened.evaluate("k => micrograd.training.goto(k)", k)
            with_params(model, step.params)
            for x in [*recorder.inputs[:5], *probes]:
                got = opened.evaluate("x => micrograd.training.predict(x)", x)
                assert close(got, output(model, x)), (k, x)
            n = 7
            grid = opened.evaluate("n => micrograd.training.boundary(n)", n)
            (x0, x1), (y0, y1) = square["x"], square["y"]
            expected = [
                [output(model, [x0 + (x1 - x0) * c / (n - 1), y0 + (y1 - y0) * r / (n - 1)])
                 for c in range(n)]
                for r in range(n)
            ]  # fmt: skip
            assert close(grid, expected), k
        for x in recorder.inputs:  # the plotted square holds every point
            assert square["x"][0] < x[0] < square["x"][1] and square["y"][0] < x[1] < square["y"][1]


def python_point(model, recorder, i, x=None):
    """Point i's own loss at the model's current parameters, and diagnose()'s deltas."""
    xs = [Value(v) for v in (x if x is not None else recorder.inputs[i])]
    target = recorder.targets[i]
    if recorder.loss == "hinge":
        loss = hinge(model(xs), target)
    elif recorder.loss == "cross_entropy":
        loss = cross_entropy(model(xs), target)
    else:
        loss = mse(model(xs), target)
    return loss.data, diagnose(loss, model).neurons


@pytest.mark.parametrize(
    "name, points", [("moons", [0, 1, 2]), ("xor", [0, 1]), ("spirals", [0, 10, 20])]
)
def test_an_opened_point_has_pythons_loss_and_deltas_at_that_step(browser, folder, name, points):
    model, recorder = RUNS[name]()
    classes = {recorder.targets[i] for i in points}
    assert len(classes) > 1  # hinge has a page for each label; the others set the target
    tolerance = 1e-12
    with Opened(browser, recorder, folder / "open.html") as opened:
        for k in (0, len(recorder.steps) - 1):
            with_params(model, recorder.steps[k].params)
            for i in points:
                opened.evaluate("k => micrograd.training.goto(k)", k)
                assert opened.evaluate("i => micrograd.training.openPoint(i)", i) == i
                explorer_steps = opened.evaluate("micrograd.explorer().steps()")
                opened.evaluate("n => micrograd.explorer().goto(n)", explorer_steps)
                state = opened.evaluate("micrograd.state()")  # now the explorer's
                assert state["granularity"] == "neuron" and state["phase"] == "loss"
                loss, neurons = python_point(model, recorder, i)
                assert state["nodes"]["loss"]["data"] is not None
                before = opened.evaluate(
                    "micrograd.explorer().goto(micrograd.explorer().steps() - 1),"
                    " micrograd.state().loss"
                )
                assert close(before, loss, tolerance), (k, i)
                assert set(state["neurons"]) == set(neurons)
                for neuron, report in neurons.items():
                    assert close(state["neurons"][neuron]["delta"], report.delta, tolerance), (
                        k, i, neuron)  # fmt: skip
                nodes = opened.evaluate("micrograd.explorer().goto(0), micrograd.state().nodes")
                for p_name, v in zip(recorder.names, recorder.steps[k].params):
                    assert nodes[p_name]["data"] == v
        opened.evaluate("micrograd.training.closePoint()")
        assert "iteration" in opened.evaluate("micrograd.state()")  # the training run's again


def test_a_point_follows_the_scrubber_once_open(browser, folder):
    _model, recorder = moons_run()
    with Opened(browser, recorder, folder / "follow.html") as opened:
        opened.evaluate("micrograd.training.openPoint(5)")
        opened.evaluate("micrograd.training.goto(3)")
        nodes = opened.evaluate("micrograd.state().nodes")
        for p_name, v in zip(recorder.names, recorder.steps[3].params):
            assert nodes[p_name]["data"] == v
        assert opened.page.inner_text("#explorer-head").startswith("step 3 (iteration 3): point 5")
        x = ", ".join(f"{v:.4g}" for v in recorder.inputs[5])
        assert opened.page.inner_text("#explorer-point").startswith(f"point 5, x = [{x}], target")
        lr = recorder.steps[3].lr
        assert f"lr = {lr:.4g}" in opened.page.inner_text("#explorer-note")  # a page's lr is fixed


def test_dead_and_saturated_neurons_are_flagged_over_every_data_point(browser, folder):
    X, labels = make_moons(12, noise=0.1, seed=2)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [4, 3, 1], activation="relu", rng=random.Random(0))
    model.layers[0].neurons[2].b.data = -50.0  # dead on every point
    model.layers[0].neurons[3].b.data = -0.1  # dead on some points only, at most
    recorder = TrainingRecorder(model, X, y, loss="hinge")
    recorder.record(1.0)
    tanh = MLP(2, [3, 1], activation="tanh", rng=random.Random(0))
    tanh.layers[0].neurons[1].b.data = 30.0  # flat everywhere
    flat = TrainingRecorder(tanh, X, y, loss="hinge")
    flat.record(1.0)
    for rec, net in [(recorder, model), (flat, tanh)]:
        expected = {}
        reports = [diagnose(hinge(net(x), t), net).neurons for x, t in zip(X, y)]
        for neuron in reports[0]:
            flags = {f for report in reports for f in report[neuron].flags}
            every = [f for f in flags if all(f in report[neuron].flags for report in reports)]
            expected[neuron] = every
        with Opened(browser, rec, folder / "flags.html") as opened:
            assert opened.evaluate("micrograd.training.flags()") == expected
            text = opened.page.inner_text("#numbers")
    assert (
        expected["layers.0.1"] == ["saturated"]
        and "saturated (|f'(net)| < 0.01): layers.0.1" in text
    )
    assert any(expected.values())


def test_dragging_a_point_recomputes_its_prediction_loss_and_gradients(browser, folder):
    model, recorder = xor_run()
    with Opened(browser, recorder, folder / "drag.html") as opened:
        page = opened.page
        last = len(recorder.steps) - 1
        opened.evaluate("k => micrograd.training.goto(k)", last)
        with_params(model, recorder.steps[last].params)
        circle = page.locator('#points [data-i="1"]')
        box = circle.bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx + 40, cy + 30, steps=4)
        page.mouse.up()
        page.wait_for_function("() => micrograd.explorer() !== null")
        point = opened.evaluate("micrograd.training.points()[1]")
        assert point["moved"] and point["x"] != recorder.inputs[1]
        assert close(point["prediction"], output(model, point["x"]))
        state = opened.evaluate(
            "micrograd.explorer().goto(micrograd.explorer().steps()), micrograd.state()"
        )
        assert [state["nodes"]["x[0]"]["data"], state["nodes"]["x[1]"]["data"]] == point["x"]
        loss, neurons = python_point(model, recorder, 1, point["x"])
        assert close(state["nodes"]["loss"]["data"], loss)
        for neuron, report in neurons.items():
            assert close(state["neurons"][neuron]["delta"], report.delta)
        # a double-click adds a point of the chosen class, and opens it
        page.select_option("#new-class", "0")
        plot = page.locator("#points").bounding_box()
        page.mouse.dblclick(plot["x"] + plot["width"] * 0.5, plot["y"] + plot["height"] * 0.5)
        page.wait_for_function("() => micrograd.training.points().length === 5")
        added = opened.evaluate("micrograd.training.points()[4]")
        assert added["added"] and added["target"] == 0
        assert close(added["prediction"], output(model, added["x"]))
        page.wait_for_function(
            "() => micrograd.explorer() !== null && micrograd.state().open === null"
        )
        assert opened.evaluate("micrograd.state().nodes['y'].data") == 0


def test_keys_buttons_and_the_scrubber_move_through_the_steps(browser, folder):
    _, recorder = moons_run(steps=6)
    with Opened(browser, recorder, folder / "keys.html") as opened:
        page = opened.page
        step = lambda: opened.evaluate("micrograd.training.state().step")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert step() == 2
        page.keyboard.press("ArrowLeft")
        assert step() == 1
        page.keyboard.press("End")
        assert step() == 5 and page.inner_text("#position") == "step 5 of 5 · iteration 5"
        page.keyboard.press("Home")
        assert step() == 0
        page.click("#next")
        assert step() == 1
        page.locator("#scrubber").fill("4")
        page.wait_for_function("() => micrograd.training.state().step === 4")
        page.click("#first")
        page.keyboard.press(" ")  # play
        page.wait_for_function("() => micrograd.training.state().step >= 2")
        page.keyboard.press(" ")  # pause
        page.wait_for_function("() => document.getElementById('play').textContent === '▶ play'")
        with pytest.raises(sync_api.Error, match="goto: step must be a whole number from 0 to 5"):
            opened.evaluate("micrograd.training.goto(6)")
        with pytest.raises(sync_api.Error, match="predict: x must be a list of 2 finite numbers"):
            opened.evaluate("micrograd.training.predict([1])")
        with pytest.raises(sync_api.Error, match="openPoint: point must be a whole number"):
            opened.evaluate("micrograd.training.openPoint(99)")


def test_a_point_of_a_loss_the_explorer_cannot_compute_says_why(browser, folder):
    X, labels = make_moons(10, noise=0.1, seed=1)
    model = MLP(2, [3, 1], rng=random.Random(0))
    recorder = TrainingRecorder(
        model, X, [float(t) for t in labels], loss="binary_cross_entropy_with_logits"
    )
    recorder.record(0.7)
    with Opened(browser, recorder, folder / "bce.html") as opened:
        with pytest.raises(sync_api.Error, match="openPoint: the explorer cannot compute softplus"):
            opened.evaluate("micrograd.training.openPoint(0)")
        assert close(opened.evaluate("micrograd.training.predict([0.5, 0.5])"),
                     output(model, [0.5, 0.5]))  # fmt: skip


def test_hostile_names_show_literally_and_run_nothing(browser, folder):
    hostile = "</script><script>window.pwned=1</script><img src=x onerror='window.pwned=2'>"

    class Net(Module):
        def __init__(self):
            setattr(self, hostile, MLP(2, [3, 1], rng=random.Random(0)))

        def __call__(self, x):
            return getattr(self, hostile)(x)

    X, labels = make_moons(10, noise=0.1, seed=1)
    y = [2 * t - 1 for t in labels]
    net = Net()
    recorder = TrainingRecorder(net, X, y, loss="hinge", title=hostile)
    recorder.record(0.5)
    with Opened(browser, recorder, folder / "hostile.html") as opened:
        page = opened.page
        assert page.evaluate("window.pwned") is None
        assert page.evaluate("document.title") == f"{hostile} · micrograd training explorer"
        assert page.inner_text("h1") == hostile
        assert page.evaluate("document.querySelectorAll('img, script[src]').length") == 0
        names = list(page.evaluate("micrograd.training.state().params"))
        assert names == list(recorder.names) and names[0].startswith(hostile)
        page.evaluate("micrograd.training.openPoint(0)")
        assert page.evaluate("window.pwned") is None
        assert f"{hostile}.layers.0.weight[0][0]" in page.evaluate("micrograd.state().nodes")
        frame = page.frames[1]
        assert frame.evaluate("window.pwned") is None
        assert frame.evaluate("document.querySelectorAll('img, script[src]').length") == 0


def test_the_page_runs_and_opens_points_inside_a_jupyter_style_iframe(browser):
    _, recorder = xor_run(steps=2)
    page = browser.new_page()
    try:
        page.set_content(recorder._repr_html_())
        frame = page.frames[1]
        frame.wait_for_function("() => window.micrograd !== undefined")
        frame.locator("#next").click()
        assert frame.locator("#position").inner_text() == "step 1 of 1 · iteration 1"
        assert frame.evaluate("micrograd.training.openPoint(2)") == 2
        assert frame.evaluate("micrograd.state().nodes['x[0]'].data") == 1.0
    finally:
        page.close()
