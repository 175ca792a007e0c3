"""The explorer page in a real browser: headless Chromium driven by playwright.

The page computes every number itself; these tests check them against Python
at every position, before and after a leaf changes, and check the controls,
escaping and size (how fast it loads and recomputes is a figure in
benchmarks/viz.py, not a pass or fail here).  They need playwright (the dev extra) and Debian's
chromium (.ci/run installs it); without either they skip and say why.
"""

import math
import random
import re
import shutil
import tempfile
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from micrograd.demos import worked_example  # noqa: E402

from micrograd.engine import Value, custom_op, node_names, total  # noqa: E402
from micrograd.nn import MLP, GRUCell, Linear, LSTMCell, Module, RNNCell, unroll  # noqa: E402
from micrograd.testing.strategies import expressions  # noqa: E402
from micrograd.viz import explore  # noqa: E402
from tests.test_trace import assert_consistent, equations  # noqa: E402  (the one checker)

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
ALL_STATES = (
    "Array.from({length: micrograd.steps() + 1}, (_, k) => (micrograd.goto(k), micrograd.state()))"
)


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

    def __init__(self, browser, explorer, path: Path):
        explorer.save(path)
        self.url = path.as_uri()
        self.page = browser.new_page()
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

    def states(self) -> list[dict]:
        return self.page.evaluate(ALL_STATES)


def close(got, expected) -> bool:
    if expected is None or got is None:
        return got is expected
    if math.isnan(expected):
        return math.isnan(got)
    return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-300)


def python_states(root: Value, params=(), lr=None) -> list[dict[str, dict]]:
    """What state() must say at every position, from the engine's own steps."""
    names = node_names(root)
    saved = {v: v.grad for v in names}
    for v in names:
        v.grad = 0.0
    steps = list(root.backward_steps())
    for v, g in saved.items():
        v.grad = g
    data = {n: (v.data if not v.parents else None) for v, n in names.items()}
    grad = dict.fromkeys(names.values())
    states = [{n: (data[n], grad[n]) for n in data}]
    for step in reversed(steps):
        data[names[step.node]] = step.node.data
        states.append({n: (data[n], grad[n]) for n in data})
    final = {}
    for step in steps:
        grad[names[root]] = 1.0
        for u in step.updates:
            grad[names[u.parent]] = u.grad_after
            final[u.parent] = u.grad_after
        states.append({n: (data[n], grad[n]) for n in data})
    for p in params:
        data[names[p]] = p.data - lr * final.get(p, 0.0)
        states.append({n: (data[n], grad[n]) for n in data})
    if params:  # the new loss's position: the same numbers
        states.append({n: (data[n], grad[n]) for n in data})
    return states


def assert_states_equal(page_states, expected, texts):
    assert len(page_states) == len(expected) == len(texts)
    for k, (state, want) in enumerate(zip(page_states, expected)):
        assert state["step"] == k and state["text"] == texts[k]
        assert state["nodes"].keys() == want.keys()
        for name, (data, grad) in want.items():
            got = state["nodes"][name]
            assert close(got["data"], data), (k, name, "data", got["data"], data)
            assert close(got["grad"], grad), (k, name, "grad", got["grad"], grad)


def labelled(inputs):
    return [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]


@settings(max_examples=12)
@given(case=expressions(), data=st.data())
def test_the_state_at_every_position_and_after_set_leaf_equals_pythons(browser, folder, case, data):
    fn, inputs = case
    root = fn(*labelled(inputs))
    explorer = explore(root)
    with Opened(browser, explorer, folder / "expression.html") as opened:
        assert_states_equal(opened.states(), python_states(root), explorer.texts)
        # A new point for every input, where Python can still evaluate the expression.
        point = [data.draw(st.floats(-3.0, 3.0, allow_nan=False)) for _ in inputs]
        try:
            moved = fn(*labelled(point))
        except (ValueError, ZeroDivisionError, OverflowError):
            moved = None
        assume(moved is not None and all(math.isfinite(v.data) for v in node_names(moved)))
        leaves = {n for v, n in node_names(root).items() if not v.parents}
        for i, x in enumerate(point):
            if f"x{i}" in leaves:
                opened.page.evaluate("([n, x]) => micrograd.setLeaf(n, x)", [f"x{i}", x])
        assert_states_equal(opened.states(), python_states(moved), explore(moved).texts)


def test_the_worked_example_before_and_after_set_leaf(browser, folder):
    loss, (w, b), _ = worked_example.network()
    params = [*w, *b]
    explorer = explore(loss, params=params, lr=worked_example.LR)
    with Opened(browser, explorer, folder / "worked.html") as opened:
        expected = python_states(loss, params, worked_example.LR)
        assert_states_equal(opened.states(), expected, explorer.texts)
        assert [s["phase"] for s in opened.states()[-2:]] == ["update", "loss"]
        opened.page.evaluate("micrograd.setLeaf('w5', -1.25)")
        assert opened.page.evaluate("micrograd.state().step") == explorer.steps  # kept
        loss, (w, b), _ = worked_example.network(w_out=[-1.25, worked_example.W_OUT[1]])
        params = [*w, *b]
        fresh = explore(loss, params=params, lr=worked_example.LR)
        expected = python_states(loss, params, worked_example.LR)
        assert_states_equal(opened.states(), expected, fresh.texts)


def test_set_leaf_refuses_unknown_and_read_only_leaves(browser, folder):
    sign = custom_op("sign", lambda a: 1.0 if a >= 0 else -1.0, lambda a, out: (1.0,))
    x, w = Value(-0.5, label="x"), Value(2.0, label="w")
    y = sign(x) * w
    y.label = "y"
    with Opened(browser, explore(y), folder / "custom.html") as opened:
        page = opened.page
        for call, message in [
            ("micrograd.setLeaf('nobody', 1)", 'no leaf named "nobody"'),
            ("micrograd.setLeaf('y', 1)", 'no leaf named "y"'),
            ("micrograd.setLeaf('x', 1)", "x is read-only: it feeds a custom op"),
            ("micrograd.setLeaf('w', NaN)", "w needs a finite number"),
        ]:
            with pytest.raises(sync_api.Error, match=message):
                page.evaluate(call)
        assert "read-only" in page.inner_text("#leaves")
        page.evaluate("micrograd.setLeaf('w', 3)")
        page.evaluate("micrograd.goto(micrograd.steps())")
        assert page.evaluate("micrograd.state().nodes") == {
            "y": {"data": -3.0, "grad": 1},
            "sign1": {"data": -1.0, "grad": 3.0},
            "x": {"data": -0.5, "grad": 3.0},
            "w": {"data": 3.0, "grad": -1.0},
        }


def test_long_sums_shorten_their_text_as_python_does(browser, folder):
    xs = [Value(i / 7, label=f"v{i}") for i in range(1500)]
    s = total(xs)
    explorer = explore(s)
    with Opened(browser, explorer, folder / "sum.html") as opened:
        states = opened.states()
        assert [state["text"] for state in states] == explorer.texts
        assert explorer.texts[-1].endswith("; ... 1,488 more parents")


def test_hostile_labels_show_literally_and_run_nothing(browser, folder):
    hostile = "</script><script>window.pwned = 1</script><img src=x onerror='window.pwned=2'>"
    x = Value(0.5, label=hostile)
    y = (x * 3).tanh()
    y.label = '"><svg onload="window.pwned=3">'
    with Opened(browser, explore(y, title=hostile), folder / "hostile.html") as opened:
        page = opened.page
        assert page.evaluate("window.pwned") is None
        assert page.evaluate("document.title") == f"{hostile} · micrograd explorer"
        assert page.evaluate("document.querySelectorAll('img, script[src], svg svg').length") == 0
        assert hostile in page.evaluate(
            "Array.from(document.querySelectorAll('#graph text'), t => t.textContent)"
        )
        assert set(page.evaluate("Object.keys(micrograd.state().nodes)")) == {
            hostile,
            y.label,
            "mul1",
        }
        page.evaluate("([n]) => micrograd.setLeaf(n, 1.5)", [hostile])
        assert page.inner_text("h1") == hostile


def test_keys_and_buttons_move_through_the_timeline(browser, folder):
    x = Value(2.0, label="x")
    y = (x * x).exp().log()
    with Opened(browser, explore(y), folder / "keys.html") as opened:
        page = opened.page
        step = lambda: page.evaluate("micrograd.state().step")
        total_steps = page.evaluate("micrograd.steps()")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert step() == 2
        page.keyboard.press("ArrowLeft")
        assert step() == 1
        page.keyboard.press("End")
        assert step() == total_steps
        page.keyboard.press("Home")
        assert step() == 0
        page.click("#next")
        assert step() == 1 and page.inner_text("#text").startswith("mul")
        page.keyboard.press(" ")  # play: a step every half second
        page.wait_for_function("() => micrograd.state().step >= 3")
        page.keyboard.press(" ")  # pause: the timer stops, and the button offers play again
        paused = "() => document.getElementById('play').textContent === '▶ play'"
        page.wait_for_function(paused)
        assert page.locator("#graph g.current").count() > 0  # the current node is lit


def test_finite_differences_sit_beside_the_backprop_gradient(browser, folder):
    x = Value(0.7, label="x")
    y = (x * x).sin()
    y.label = "y"
    y_grad = 2 * 0.7 * math.cos(0.49)
    with Opened(browser, explore(y), folder / "fd.html") as opened:
        opened.page.click("#leaves label")
        lines = opened.page.inner_text("#fd").splitlines()
        backprop = float(lines[0].rsplit("= ", 1)[1])
        estimate = float(lines[1].split("= ", 1)[1].split()[0])
        assert math.isclose(backprop, y_grad, rel_tol=1e-12)
        assert math.isclose(estimate, y_grad, rel_tol=1e-6)


def test_a_thousand_value_mlp_loads_and_recomputes(browser, folder):
    model = MLP(2, [16, 16, 1], fused=False)
    out = model([Value(0.5, label="x1"), Value(-0.3, label="x2")])
    out = out[0] if isinstance(out, list) else out
    explorer = explore(out, params=model.parameters(), lr=0.1)
    assert len(explorer.html.encode()) <= 2.5e6
    path = folder / "mlp.html"
    explorer.save(path)
    page = browser.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        assert page.evaluate("micrograd.steps()") == explorer.steps  # the script has run
        page.evaluate("micrograd.goto(micrograd.steps())")
        page.evaluate("micrograd.setLeaf('x1', 0.6)")
        state = page.evaluate("micrograd.state().nodes")
        moved = model([Value(0.6, label="x1"), Value(-0.3, label="x2")])
        moved = moved[0] if isinstance(moved, list) else moved
        moved.backward()
        x1 = next(v for v in node_names(moved) if v.label == "x1")
        assert state["x1"]["data"] == 0.6
        assert math.isclose(state[node_names(out)[out]]["data"], moved.data, rel_tol=1e-12)
        assert math.isclose(state["x1"]["grad"], x1.grad, rel_tol=1e-12, abs_tol=1e-15)
    finally:
        page.close()


def test_the_page_runs_inside_a_jupyter_style_iframe(browser):
    explorer = explore((Value(2.0, label="a") * 3).tanh())
    page = browser.new_page()
    try:
        page.set_content(explorer._repr_html_())
        frame = page.frame_locator("iframe")
        frame.locator("#next").click()
        assert frame.locator("#position").inner_text() == f"1 / {explorer.steps}"
    finally:
        page.close()


def test_the_loss_is_known_once_computed_and_one_step_later_equals_pythons(browser, folder):
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    loss = (w * x - 3) ** 2
    loss.label = "loss"
    explorer = explore(loss, params=[w], lr=0.05)
    with Opened(browser, explorer, folder / "loss.html") as opened:
        states = opened.states()
        assert states[0]["loss"] is None and states[1]["loss"] is None
        assert states[3]["loss"] == loss.data == 4.0
        loss.backward()
        w.data -= 0.05 * w.grad  # one SGD step, in Python
        again = (w * x - 3) ** 2
        assert states[-1]["phase"] == "loss" and states[-1]["loss"] == again.data
        assert states[-1]["text"] == explorer.texts[-1] == f"one step: loss 4 → {again.data:.4g}"


def test_quiz_mode_hides_each_result_until_typed_and_keeps_a_score(browser, folder):
    x, w = Value(0.5, label="x"), Value(-1.0, label="w")
    y = (x * w).tanh()
    y.label = "y"
    with Opened(browser, explore(y), folder / "quiz.html") as opened:
        page = opened.page
        page.evaluate("micrograd.goto(4)")  # mul1's step: two parents, x then w
        page.evaluate("micrograd.quiz(true)")
        assert "= ?, total ?" in page.inner_text("#text")
        first = page.evaluate("micrograd.answer(-0.79)")  # dy/dx = -0.7864: within 1%
        assert first["correct"] is True
        assert math.isclose(first["expected"], -0.7864477, rel_tol=1e-6)
        second = page.evaluate("micrograd.answer(1)")  # dy/dw = 0.3932
        assert second["correct"] is False
        assert "not quite" in page.inner_text("#score") and "0.3932" in page.inner_text("#score")
        assert page.evaluate("micrograd.state().quiz") == {"on": True, "asked": 2, "right": 1}
        assert "?" not in page.inner_text("#text")
        page.fill("#reply", "3")
        page.evaluate("micrograd.quiz(false)")


def test_nan_and_inf_leaves_give_pythons_numbers_through_every_op(browser, folder):
    # issue 25, item 3: relu(nan), abs'(nan), 1.0 ** nan and (-1.0) ** inf were wrong in the page
    nan, inf = math.nan, math.inf
    cases = []
    for special in (nan, inf, -inf):
        for op in ("tanh", "sigmoid", "relu", "abs", "exp", "log", "neg", "sin", "cos"):
            cases.append((op, special))
    built = []
    for op, special in cases:
        a = Value(special, label="a")
        try:
            out = -a if op == "neg" else getattr(a, op)()
        except (ValueError, OverflowError):
            continue  # Python refuses it (sin(inf)): nothing to compare
        built.append(out)
    pairs = [(1.0, nan), (-1.0, inf), (-1.0, -inf), (nan, 0.0), (2.0, nan), (nan, 2.0)]
    for a_value, b_value in pairs:
        a, b = Value(a_value, label="a"), Value(b_value, label="b")
        built.extend([a**b, a * b, a + b, a - b])
    for root in built:
        explorer = explore(root)
        with Opened(browser, explorer, folder / "special.html") as opened:
            assert_states_equal(opened.states(), python_states(root), explorer.texts)


def test_ties_round_as_python_does_at_any_magnitude(browser, folder):
    # issue 25, item 3: at |x| >= 1e11 the page rounded a tie up where Python rounds to even
    for x in (100000000000.03125, 0.125, 2.5e-8 + 0.0, 1234.5, 1e22 + 2**20):
        root = Value(x, label="a") * 1.0
        explorer = explore(root)
        with Opened(browser, explorer, folder / "ties.html") as opened:
            assert_states_equal(opened.states(), python_states(root), explorer.texts)
        assert all(s.split(" = ")[-1] == format(x, ".4g") for s in explorer.texts[1:2])


def test_a_leaf_named_proto_is_in_the_state(browser, folder):
    # issue 25, item 12
    x = Value(2.0, label="__proto__")
    y = x * 3
    with Opened(browser, explore(y), folder / "proto.html") as opened:
        keys = opened.page.evaluate("Object.keys(micrograd.state().nodes)")
        assert set(keys) == {"__proto__", "mul1"}
        assert opened.page.evaluate("micrograd.state().nodes['__proto__'].data") == 2.0


def test_leaves_feeding_an_op_that_chooses_are_read_only_with_a_note(browser, folder):
    # issue 25, item 4: an op that picks its operand by value (a max) makes the graph's shape
    # depend on the data; the page keeps that node's value and says why its leaves are fixed.
    from micrograd import engine
    from micrograd.op import Op

    pick = Op(
        "max", "max", "call", 0, lambda xs, out: tuple(float(x == out) for x in xs), chooses=True
    )
    a, b = Value(3.0, label="a"), Value(-15.0, label="b")
    biggest = engine._node_of_many((a, b), 3.0, pick, (1.0, 0.0), None)
    y = biggest * 2
    y.label = "y"
    with Opened(browser, explore(y), folder / "chooses.html") as opened:
        page = opened.page
        with pytest.raises(sync_api.Error, match="a is read-only: it feeds an op that picks"):
            page.evaluate("micrograd.setLeaf('a', -20)")
        assert "graph's shape depends on the data" in page.inner_text("#leaves")


def test_the_engines_max_is_recomputed_when_the_largest_moves(browser, folder):
    # max_of is one node over all its operands, so the page follows a change of its inputs
    from micrograd.engine import max_of

    def build(a_value):
        a, b = Value(a_value, label="a"), Value(-1.5, label="b")
        c = Value(0.5, label="c")
        y = (max_of([a * 2, b, c]) * c).tanh()
        y.label = "y"
        return y

    root = build(3.0)
    explorer = explore(root)
    with Opened(browser, explorer, folder / "max.html") as opened:
        assert_states_equal(opened.states(), python_states(root), explorer.texts)
        opened.page.evaluate("micrograd.setLeaf('a', -4)")  # c is the largest now
        moved = build(-4.0)
        assert_states_equal(opened.states(), python_states(moved), explore(moved).texts)


# --- The layout at 1280×800 (issue 22 part 4) ---------------------------------------------

IN_PANE = """(pane) => {
    const box = document.getElementById(pane).getBoundingClientRect();
    const inside = (r) => r.left >= box.left - 1 && r.right <= box.right + 1 &&
        r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    return inside;
}"""
# The current node and the operands it reads or passes to, each inside the pane.
LIT_INSIDE = f"""() => {{
    const inside = ({IN_PANE})('graph');
    const lit = document.querySelectorAll('#graph g.current[data-n], #graph g.source');
    return lit.length > 0 && Array.from(lit).every((g) => inside(g.getBoundingClientRect()));
}}"""
# The whole picture inside the pane, and its text's size on the screen in px.
WHOLE = f"""(pane) => {{
    const inside = ({IN_PANE})(pane);
    const svg = document.querySelector('#' + pane + ' svg');
    const text = svg.querySelector('text');
    const size = (parseFloat(text.getAttribute('font-size')) ||
        parseFloat(getComputedStyle(text).fontSize)) * text.getScreenCTM().a;
    const parts = svg.querySelectorAll('g[data-n], g[data-o], g.edge, circle, rect, line');
    return {{whole: Array.from(parts).every((g) => inside(g.getBoundingClientRect())), size}};
}}"""


def karpathys_neuron():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o, [w1, w2, b]


def small_graphs():
    """Graphs of at most 30 Values a learner meets: the CLI's tanh(x * w + b), Karpathy's
    neuron, the worked example's 2-2-1 network op by op (30 Values), and a chain 30 deep."""
    x, w, b = Value(0.5, label="x"), Value(-2.0, label="w"), Value(2.0, label="b")
    out = (x * w + b).tanh()
    out.label = "out"
    chain = Value(0.3, label="x")
    for k in range(29):
        chain = chain * 1.01 if k % 2 else chain + 0.5
    loss, (ws, bs), _ = worked_example.network()
    return {
        "tanh": (out, [w, b]),
        "neuron": karpathys_neuron(),
        "worked": (loss, [*ws, *bs]),
        "chain": (chain, []),
    }


def at_1280_by_800(browser, explorer, path):
    explorer.save(path)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(path.as_uri())
    return page


def assert_lit_in_view_at_every_position(page, stride=1):
    last = page.evaluate("micrograd.steps()")
    for k in [*range(0, last + 1, stride), last]:
        page.evaluate(f"micrograd.goto({k})")
        if page.evaluate("document.querySelector('#graph g.current[data-n]') !== null"):
            assert page.evaluate(LIT_INSIDE), k


@pytest.mark.parametrize("name", ["tanh", "neuron", "worked", "chain"])
def test_a_small_graph_opens_whole_with_readable_text_and_stepping_keeps_it_in_view(
    browser, folder, name
):
    root, params = small_graphs()[name]
    assert len(node_names(root)) <= 30
    explorer = explore(root, params=params or None, lr=0.1 if params else None)
    page = at_1280_by_800(browser, explorer, folder / f"small-{name}.html")
    try:
        assert page.evaluate("micrograd.granularity()") == "node"
        opened = page.evaluate(WHOLE, "graph")
        assert opened["whole"] and opened["size"] >= 10, opened
        assert_lit_in_view_at_every_position(page)
        page.screenshot(path=str(folder / f"small-{name}.png"))
    finally:
        page.close()


@settings(max_examples=10, deadline=None)
@given(case=expressions())
def test_any_expression_of_at_most_30_values_opens_whole_and_readable(browser, folder, case):
    fn, inputs = case
    root = fn(*labelled(inputs))
    assume(2 <= len(node_names(root)) <= 30)
    page = at_1280_by_800(browser, explore(root), folder / "expression-view.html")
    try:
        opened = page.evaluate(WHOLE, "graph")
        assert opened["whole"] and opened["size"] >= 10, opened
        assert_lit_in_view_at_every_position(page)
    finally:
        page.close()


def test_a_big_graph_opens_readable_around_its_output_and_follows_each_step(browser, folder):
    model = MLP(2, [16, 16, 1], fused=False)
    loss = model([Value(0.5, label="x1"), Value(-0.3, label="x2")]) ** 2
    loss.label = "loss"
    page = at_1280_by_800(browser, explore(loss), folder / "big-view.html")
    try:
        opened = page.evaluate(WHOLE, "graph")
        assert not opened["whole"] and opened["size"] >= 10
        output = """() => { const r = document.querySelector('#graph g[data-n="0"]')
            .getBoundingClientRect(); return ({IN_PANE})('graph')(r); }"""
        assert page.evaluate(output.replace("{IN_PANE}", IN_PANE))
        assert_lit_in_view_at_every_position(page, stride=37)
    finally:
        page.close()


def test_an_opened_neuron_keeps_each_step_in_view(browser, folder):
    model = MLP(2, [16, 16, 1], fused=False)
    loss = model([Value(0.5, label="x1"), Value(-0.3, label="x2")]) ** 2
    page = at_1280_by_800(browser, explore(loss, model=model), folder / "open-view.html")
    try:
        page.evaluate("micrograd.open('layers.1.7')")
        assert_lit_in_view_at_every_position(page)
    finally:
        page.close()


def view_box(page, pane):
    return page.evaluate(
        f"document.querySelector('#{pane} svg').getAttribute('viewBox').split(' ').map(Number)"
    )


def test_the_wheel_zooms_and_dragging_pans_in_both_views_and_a_click_still_opens(browser, folder):
    model = MLP(2, [3, 1], rng=random.Random(0))
    loss = model([Value(0.5, label="x1"), Value(-0.3, label="x2")]) ** 2
    page = at_1280_by_800(browser, explore(loss, model=model), folder / "pan.html")
    try:
        for pane in ("network", "graph"):
            if pane == "graph":
                page.evaluate("micrograd.granularity('node')")
            box = page.locator(f"#{pane}").bounding_box()
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            before = view_box(page, pane)
            page.mouse.move(cx, cy)
            page.mouse.wheel(0, -300)  # zoom in about the pointer
            zoomed = view_box(page, pane)
            assert zoomed[2] < before[2] and zoomed[3] < before[3], (before, zoomed)
            # the picture's point under the pointer stays put
            across = (cx - box["x"]) / box["width"]
            assert zoomed[0] + across * zoomed[2] == pytest.approx(before[0] + across * before[2])
            page.mouse.down()
            page.mouse.move(cx + 100, cy + 40, steps=5)
            page.mouse.up()
            dragged = view_box(page, pane)
            scale = box["width"] / zoomed[2]
            assert dragged[0] == pytest.approx(zoomed[0] - 100 / scale, abs=0.5)
            assert dragged[1] == pytest.approx(zoomed[1] - 40 / scale, abs=0.5)
            assert dragged[2:] == zoomed[2:]
        # back in the network view, a click (no drag) on a neuron still opens it
        page.evaluate("micrograd.granularity('neuron')")
        page.click("svg.network g.neuron >> nth=1 >> circle")
        assert page.evaluate("micrograd.state().open") == "layers.0.1"
    finally:
        page.close()


# --- The network view (issue 22 parts 3 and 6) ---------------------------------------


def reference(loss: Value, model, inputs):
    """net, out, δ per neuron, by recomputing the network in Python and differentiating
    the loss with micrograd.grad with respect to each neuron's net (a node of its own)."""
    xs = list(inputs)
    nets = []
    for k, layer in enumerate(model.layers):
        outs = []
        for j, neuron in enumerate(layer.neurons):
            net = neuron.b
            for w, x in zip(neuron.w, xs):
                net = net + w * x
            act = neuron.activation
            o = net if act == "linear" else getattr(net, act)()
            outs.append(o)
            nets.append((f"layers.{k}.{j}", net, o))
        xs = outs
    return xs, nets


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_net_out_and_delta_of_every_neuron_equal_pythons(browser, folder, fused, activation):
    from micrograd import grad

    model = MLP(3, [4, 3, 1], activation=activation, fused=fused)
    inputs = [Value(0.5, label="x1"), Value(-1.5, label="x2"), Value(2.0, label="x3")]
    loss = (model(inputs) - 0.25) ** 2
    loss.label = "loss"
    # the reference: the same network built op by op, each net a node, then grad()
    (out,), nets = reference(loss, model, inputs)
    again = (out - 0.25) ** 2
    deltas = grad(again, [net for _, net, _ in nets])
    explorer = explore(loss, model=model, lr=0.1)
    with Opened(browser, explorer, folder / f"net-{fused}-{activation}.html") as opened:
        page = opened.page
        assert page.evaluate("micrograd.granularity()") == "neuron"
        network = page.evaluate("micrograd.network()")
        assert network["inputs"] == ["x1", "x2", "x3"] and network["output"] == "loss"
        assert [[n["name"] for n in layer["neurons"]] for layer in network["layers"]] == [
            [f"layers.{k}.{j}" for j in range(width)] for k, width in enumerate([4, 3, 1])
        ]
        states = opened.states()
        assert states[0]["neurons"]["layers.0.0"] == {
            "net": None,
            "out": None,
            "delta": None,
            "flags": None,
        }
        final = states[-1]["neurons"]
        for (name, net, o), delta in zip(nets, deltas):
            got = final[name]
            assert math.isclose(got["net"], net.data, rel_tol=1e-12, abs_tol=1e-15), name
            assert math.isclose(got["out"], o.data, rel_tol=1e-12, abs_tol=1e-15), name
            assert math.isclose(got["delta"], delta, rel_tol=1e-9, abs_tol=1e-15), name
        # forward one neuron at a time, backward from the output back
        phases = [s["phase"] for s in states]
        assert phases.count("forward") == 8 + 1 and phases.count("backward") == 8
        first_back = phases.index("backward")
        assert states[first_back]["neurons"]["layers.2.0"]["delta"] is not None
        assert states[first_back]["neurons"]["layers.1.0"]["delta"] is None
        assert "δ = dloss/dnet = f'(net) × dloss/dout" in states[first_back + 1]["text"]
        assert "Σ_k w_kj δ_k" in states[first_back + 1]["text"]
        # names: the parameters are named_parameters()'
        names = {name for name, _ in model.named_parameters()}
        assert names <= set(states[-1]["nodes"])
        # the new loss after one SGD step
        model_loss = loss.data
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        after = (model(inputs) - 0.25) ** 2
        assert states[-1]["phase"] == "loss" and states[-1]["loss"] == pytest.approx(
            after.data, rel=1e-12
        )
        assert states[first_back]["loss"] == model_loss


def test_a_neuron_opens_into_its_scalar_graph_and_closes(browser, folder):
    model = MLP(2, [2, 1], activation="tanh", fused=False)
    loss = model([Value(1.0, label="x1"), Value(-2.0, label="x2")]) ** 2
    loss.label = "loss"
    explorer = explore(loss, model=model, lr=0.1)
    with Opened(browser, explorer, folder / "open.html") as opened:
        page = opened.page
        neuron_steps = page.evaluate("micrograd.steps()")
        page.evaluate("micrograd.open('layers.0.1')")
        state = page.evaluate("micrograd.state()")
        assert state["open"] == "layers.0.1" and state["granularity"] == "node"
        steps = page.evaluate("micrograd.steps()")
        # its own nodes: 2 muls and 2 adds and tanh forward, the same backward
        assert steps + 1 == 10
        texts = page.evaluate(
            "Array.from({length: micrograd.steps() + 1},"
            " (_, k) => (micrograd.goto(k), micrograd.state().text))"
        )
        assert all("layers.0.1." in t for t in texts), texts
        assert not any("leaf" in t or "add" in t for t in texts)
        page.evaluate("micrograd.close()")
        assert page.evaluate("micrograd.state().open") is None
        assert page.evaluate("micrograd.steps()") == neuron_steps
        page.evaluate("micrograd.granularity('node')")
        assert page.evaluate("micrograd.steps()") == explorer.steps


def test_any_other_graph_keeps_the_node_view(browser, folder):
    explorer = explore((Value(2.0, label="a") * 3).tanh())
    with Opened(browser, explorer, folder / "plain.html") as opened:
        page = opened.page
        assert page.evaluate("micrograd.network()") is None
        assert page.evaluate("micrograd.granularity()") == "node"
        assert "neurons" not in page.evaluate("micrograd.state()")
        with pytest.raises(sync_api.Error, match="not a network"):
            page.evaluate("micrograd.granularity('neuron')")


def test_diagnostics_flag_a_dead_relu_and_a_saturated_tanh_as_python_does(browser, folder):
    from micrograd.viz import diagnose

    relu = MLP(2, [3, 1], fused=True)
    relu.layers[0].neurons[1].b.data = -100.0  # forced dead
    loss = relu([Value(1.0, label="x1"), Value(2.0, label="x2")]) ** 2
    tanh = MLP(2, [2, 1], activation="tanh", fused=False)
    tanh.layers[0].neurons[0].b.data = 8.0  # flat: tanh'(8) ≈ 5e-7
    loss2 = tanh([Value(1.0, label="x1"), Value(0.5, label="x2")]) ** 2
    for model, out, name, flag in [
        (relu, loss, "layers.0.1", "dead"),
        (tanh, loss2, "layers.0.0", "saturated"),
    ]:
        report = diagnose(out, model)
        assert report.neurons[name].flags == (flag,)
        flagged = [n for n, r in report.neurons.items() if r.flags]  # others may be, by chance
        assert name in flagged
        explorer = explore(out, model=model, lr=0.1)
        with Opened(browser, explorer, folder / f"{flag}.html") as opened:
            final = opened.states()[-1]["neurons"]
            assert {n: tuple(s["flags"]) for n, s in final.items()} == {
                n: r.flags for n, r in report.neurons.items()
            }
            for n, r in report.neurons.items():
                assert math.isclose(final[n]["delta"], r.delta, rel_tol=1e-9, abs_tol=1e-15)
            panel = opened.page.locator("#diagnosis").inner_text()
            assert f"{name} is {flag}" in panel
            for layer in report.layers:
                assert f"gradient norm of {layer}" in panel
            marked = opened.page.locator("svg.network g.dead, svg.network g.saturated").count()
            assert marked == len(flagged)


def test_the_worked_example_demo_page_opens_on_its_network(browser, folder):
    page = worked_example.explore_page()
    with Opened(browser, page, folder / "worked-network.html") as opened:
        assert opened.page.evaluate("micrograd.granularity()") == "neuron"
        network = opened.page.evaluate("micrograd.network()")
        assert [len(layer["neurons"]) for layer in network["layers"]] == [2, 1]
        final = opened.states()[-1]
        loss, _, (net_h, _, net_o, _) = worked_example.network()
        loss.backward()
        for name, net in [
            ("layers.0.0", net_h[0]),
            ("layers.0.1", net_h[1]),
            ("layers.1.0", net_o),
        ]:
            assert math.isclose(final["neurons"][name]["delta"], net.grad, rel_tol=1e-9)
        assert {"w1", "w6", "b3"} <= set(final["nodes"])


# --- Neuron-level texts a learner can check (issue 22 part 1, in the network view) -----------

VECTORS = re.compile(r"(\[[^\]]*\]) ⊙ (\[[^\]]*\]) = (\[[^\]]*\])")


def elementwise(text: str) -> list[str]:
    """Each ``[a, b] ⊙ [c, d] = [e, f]`` of a text as the equations it stands for,
    ``a × c = e`` and ``b × d = f``, written for test_trace's checker."""
    found = []
    for match in VECTORS.finditer(text):
        left, right, result = ([x.strip() for x in v[1:-1].split(",")] for v in match.groups())
        assert len(left) == len(right) == len(result), match.group(0)
        operand = lambda x: f"({x})" if x.startswith("-") else x
        found.extend(f"{operand(a)} × {operand(b)} = {c}" for a, b, c in zip(left, right, result))
    return found


def neuron_texts(browser, folder, loss, model, name) -> list[str]:
    with Opened(browser, explore(loss, model=model, lr=0.1), folder / name) as opened:
        return [s["text"] for s in opened.states()]


def assert_every_equation_holds(texts: list[str]) -> int:
    """Every printed equation of every text, and of its vectors, holds as printed;
    returns how many were checked."""
    checked = 0
    for text in texts:
        for part in [text, *elementwise(text)]:
            assert_consistent(part)
            checked += len(equations(part))
    return checked


@settings(max_examples=6, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    activation=st.sampled_from(["relu", "tanh", "sigmoid"]),
    output=st.sampled_from([None, "tanh", "sigmoid"]),
    fused=st.booleans(),
)
def test_every_equation_of_every_neuron_text_holds_as_printed(
    browser, folder, seed, activation, output, fused
):
    rng = random.Random(seed)
    model = MLP(3, [4, 3, 2], activation=activation, output_activation=output, fused=fused, rng=rng)
    for neuron in (n for layer in model.layers for n in layer.neurons):
        neuron.b.data = rng.uniform(-1, 1)  # biases start at 0: give the sums a term more
    inputs = [Value(rng.uniform(-2, 2), label=f"x{i}") for i in range(3)]
    loss = total([(o - rng.uniform(-1, 1)) ** 2 for o in model(inputs)])
    loss.label = "loss"
    texts = neuron_texts(browser, folder, loss, model, "equations.html")
    # at least: 9 weighted sums, 9 δs, 30 weight gradients and 41 updates
    assert assert_every_equation_holds(texts) >= 9 + 9 + 30 + 41
    assert any("⊙" in t for t in texts)


def test_flagged_neurons_texts_hold_as_printed(browser, folder):
    relu = MLP(2, [3, 1], fused=False, rng=random.Random(1))
    relu.layers[0].neurons[1].b.data = -100.0  # dead
    tanh = MLP(2, [2, 1], activation="tanh", rng=random.Random(2))
    tanh.layers[0].neurons[0].b.data = 8.0  # saturated
    for model, flag in [(relu, "dead"), (tanh, "saturated")]:
        loss = model([Value(1.0, label="x1"), Value(0.5, label="x2")]) ** 2
        loss.label = "loss"
        texts = neuron_texts(browser, folder, loss, model, f"flag-{flag}.html")
        assert any(f"is {flag}" in t for t in texts)
        assert assert_every_equation_holds(texts) > 0


def test_quiz_mode_asks_each_neurons_delta_and_keeps_one_score(browser, folder):
    from micrograd import grad

    model = MLP(2, [2, 1], activation="tanh", output_activation="tanh", rng=random.Random(3))
    inputs = [Value(0.8, label="x1"), Value(-0.4, label="x2")]
    loss = (model(inputs) - 0.5) ** 2
    loss.label = "loss"
    # δ of each neuron, independently: the same network op by op, then grad() at each net
    (out,), nets = reference(loss, model, inputs)
    grads = grad((out - 0.5) ** 2, [net for _, net, _ in nets])
    deltas = dict(zip([name for name, _, _ in nets], grads))
    with Opened(browser, explore(loss, model=model, lr=0.1), folder / "neuron-quiz.html") as opened:
        page = opened.page
        phases = [s["phase"] for s in opened.states()]
        first = phases.index("backward")
        page.evaluate(f"micrograd.goto({first - 1})")
        page.evaluate("micrograd.quiz(true)")
        with pytest.raises(sync_api.Error, match="the quiz asks at backward steps"):
            page.evaluate("micrograd.answer(0)")
        page.evaluate(f"micrograd.goto({first})")  # layers.1.0, the output neuron
        text = page.inner_text("#text")
        shown = f"{deltas['layers.1.0']:.4g}"
        assert "δ = dloss/dnet = f'(net) × dloss/dout = " in text and text.count("= ?") >= 3
        assert shown not in text
        assert page.inner_text("#question") == "layers.1.0: δ = dloss/dnet?"
        circle = page.locator("svg.network g.current text.values").nth(1).text_content()
        assert circle == "δ ?"
        right = page.evaluate(f"micrograd.answer({deltas['layers.1.0'] * 1.005})")
        assert right["correct"] is True
        assert math.isclose(right["expected"], deltas["layers.1.0"], rel_tol=1e-12)
        assert shown in page.inner_text("#text") and "?" not in page.inner_text("#text")
        with pytest.raises(sync_api.Error, match="this step's question is answered"):
            page.evaluate("micrograd.answer(1)")
        page.keyboard.press("ArrowRight")  # layers.0.0: the hidden layer, neuron by neuron
        assert page.inner_text("#question") == "layers.0.0: δ = dloss/dnet?"
        page.fill("#reply", "1000")
        page.click("#ask button[type=submit]")
        assert page.evaluate("micrograd.state().quiz") == {"on": True, "asked": 2, "right": 1}
        score = page.inner_text("#score")
        assert "not quite: δ = " + f"{deltas['layers.0.0']:.4g}" in score
        assert "δ = dloss/dnet = f'(net) × dloss/dout = " in score  # with its arithmetic
        # the node view asks too, and the score is the same one
        page.evaluate("micrograd.granularity('node')")
        steps = page.evaluate("micrograd.steps()")
        states = [page.evaluate(f"(micrograd.goto({k}), micrograd.state())") for k in range(steps)]
        k = next(i for i, s in enumerate(states) if s["phase"] == "backward")
        page.evaluate(f"micrograd.goto({k})")
        assert page.evaluate("micrograd.answer(0.123456)")["correct"] in (True, False)
        assert page.evaluate("micrograd.state().quiz")["asked"] == 3
        page.evaluate("micrograd.quiz(false)")


# --- Unrolled recurrent cells: one box per time step (issue 22 part 3) ---------------------


class Reader(Module):
    """A recurrent cell and a linear readout of its last state, as the bptt demo's model."""

    def __init__(self, cell, rng):
        self.cell = cell
        self.readout = Linear(cell.hidden_size, 1, rng=rng)


def read_a_sequence(cell_class, steps=4, **options):
    rng = random.Random(11)
    model = Reader(cell_class(2, 3, rng=rng, **options), rng)
    xs = [
        [Value(0.4 * t - 0.6, label=f"x{t}"), Value(1.0 - 0.3 * t, label=f"y{t}")]
        for t in range(1, steps + 1)
    ]
    h0 = [Value(0.0, label=f"h0[{j}]") for j in range(3)]
    state = (
        h0 if cell_class is not LSTMCell else (h0, [Value(0.0, label=f"c0[{j}]") for j in range(3)])
    )
    outputs, _ = unroll(model.cell, xs, state)
    loss = (model.readout(outputs[-1])[0] - 0.25) ** 2
    loss.label = "loss"
    return model, outputs, loss


@pytest.mark.parametrize(
    ("cell_class", "options"),
    [(RNNCell, {}), (RNNCell, {"nonlinearity": "relu"}), (LSTMCell, {}), (GRUCell, {})],
)
def test_an_unrolled_cell_is_one_box_per_time_step_with_pythons_dl_dh(
    browser, folder, cell_class, options
):
    from micrograd import grad

    model, outputs, loss = read_a_sequence(cell_class, **options)
    # the reference: the engine's own reverse mode, at every component of every h_t
    every_h = [v for h in outputs for v in h]
    dh = grad(loss, every_h)
    reference = {f"t{t + 1}": dh[3 * t : 3 * t + 3] for t in range(len(outputs))}
    explorer = explore(loss, model=model, lr=0.1)
    with Opened(browser, explorer, folder / f"time-{cell_class.__name__}.html") as opened:
        page = opened.page
        assert page.evaluate("micrograd.granularity()") == "time"
        network = page.evaluate("micrograd.network()")
        assert network["kind"] == "recurrent" and network["cell"] == cell_class.__name__
        assert network["output"] == "loss"
        assert [box["name"] for box in network["boxes"]] == ["t1", "t2", "t3", "t4"]
        assert network["boxes"][1]["h"] == ["t2.h[0]", "t2.h[1]", "t2.h[2]"]
        assert network["boxes"][1]["inputs"] == ["x2", "y2"]
        states = opened.states()
        phases = [s["phase"] for s in states]
        assert phases.count("forward") == 4 + 1  # a step per box, then the loss
        first = phases.index("backward")
        for k, t in enumerate([4, 3, 2, 1]):  # back through time, box by box
            boxes = states[first + k]["boxes"]
            known = [name for name, box in boxes.items() if box["dh"] is not None]
            assert known == [f"t{s}" for s in range(t, 5)], (k, known)
        for state in [states[first + 3], states[-1]]:
            for name, want in reference.items():
                got = state["boxes"][name]
                assert all(
                    math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-15)
                    for g, w in zip(got["dh"], want)
                )
                assert math.isclose(got["norm"], math.sqrt(sum(w * w for w in want)), rel_tol=1e-12)
        final = states[-1]["boxes"]
        for t, h in enumerate(outputs, start=1):
            assert final[f"t{t}"]["h"] == [v.data for v in h]
        assert "t4: dloss/dh4 = [" in states[first]["text"]
        assert "back through t4" in states[first + 1]["text"]
        # every printed equation holds, the vectors element by element
        assert assert_every_equation_holds([s["text"] for s in states]) > 0
        # a box opens into its scalar graph: its own nodes' steps
        page.evaluate("micrograd.open('t2')")
        assert page.evaluate("micrograd.state().open") == "t2"
        texts = page.evaluate(
            "Array.from({length: micrograd.steps() + 1},"
            " (_, k) => (micrograd.goto(k), micrograd.state().text))"
        )
        assert any("t2.h[0]" in text for text in texts)
        page.evaluate("micrograd.close()")
        assert page.evaluate("micrograd.granularity()") == "time"
        with pytest.raises(sync_api.Error, match="not a network"):
            page.evaluate("micrograd.granularity('neuron')")


def test_an_rnn_texts_give_the_delta_rule_through_time(browser, folder):
    model, _, loss = read_a_sequence(RNNCell)
    with Opened(browser, explore(loss, model=model), folder / "time-rnn.html") as opened:
        texts = [s["text"] for s in opened.states() if s["phase"] == "backward"]
    assert "δ4 = dloss/dnet4 = dloss/dh4 ⊙ tanh'(net4) = [" in texts[1]
    assert "dloss/dh3 = W_hhᵀ δ4" in texts[1]
    assert "‖dloss/dh3‖ / ‖dloss/dh4‖ = " in texts[1]


def test_the_bptt_demos_page_shows_the_gradient_back_through_time(browser, folder):
    from micrograd.demos import bptt

    from micrograd import grad

    loss, _, outputs = bptt.page_network(1337)
    dh = grad(loss, [v for h in outputs for v in h])
    width = bptt.HIDDEN
    with Opened(browser, bptt.explorer_page(1337), folder / "bptt.html") as opened:
        page = opened.page
        network = page.evaluate("micrograd.network()")
        assert len(network["boxes"]) == bptt.PAGE_LENGTH
        page.evaluate("micrograd.goto(micrograd.steps())")
        boxes = page.evaluate("micrograd.state().boxes")
        for t in range(bptt.PAGE_LENGTH):
            want = dh[t * width : (t + 1) * width]
            got = boxes[f"t{t + 1}"]["dh"]
            assert all(math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-15) for g, w in zip(got, want))
        assert page.locator("svg.network g.box").count() == bptt.PAGE_LENGTH
