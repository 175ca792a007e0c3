"""The training explorer: one offline page of a whole training run, scrubbed step by step.

A :class:`TrainingRecorder` keeps, at each training step, the parameters as they were for
that step's loss, their gradients, the loss and the learning rate.  Its page shows the run:
a scrubber over the steps, the loss curve (with the accuracy, for classification), the
decision boundary for two-dimensional inputs, the network with its weights, and each layer's
gradient norm; any data point opens, at any step, in the network explorer
(:func:`~micrograd.viz.explore`), with its own forward pass, backward pass and update.

    >>> import random
    >>> from micrograd.losses import mse
    >>> from micrograd.nn import MLP
    >>> from micrograd.optim import SGD
    >>> X, y = [[0.0, 1.0], [1.0, 0.0]], [1.0, 0.0]
    >>> model = MLP(2, [3, 1], rng=random.Random(0))
    >>> optimizer = SGD(model.parameters(), lr=0.1)
    >>> recorder = TrainingRecorder(model, X, y, loss="mse")
    >>> for step in range(3):
    ...     optimizer.zero_grad()
    ...     loss = mse([model(x) for x in X], y)
    ...     loss.backward()
    ...     recorder.record(loss, optimizer)   # after backward(), before the update
    ...     optimizer.step()
    >>> [step.iteration for step in recorder.steps], recorder.steps[0].names[:2]
    ([0, 1, 2], ('layers.0.weight[0][0]', 'layers.0.weight[0][1]'))
    >>> recorder.accuracies()          # targets of 0 and 1: a class each, at 0.5
    [0.5, 0.5, 0.5]

``recorder.save("run.html")`` writes the page; in Jupyter, ``recorder`` shows inline.

How the page is built:

- the parameters of each recorded step travel as float64 numbers (base64), in
  ``named_parameters()`` order, their names once; every prediction (the boundary, a
  dragged point) is computed in the page from them, in float64, in the engine's order
  (each neuron's weighted sum left to right from its bias), so it equals the model's own
  output;
- the losses, accuracies and gradient norms are Python's, recorded here;
- a clicked point opens in the network explorer, inside the page: ``explore`` makes its page
  once, here, for one example's loss, with the inputs and the target as leaves
  (cross-entropy's class as one-hot leaves; hinge's label must be a number, folded into the
  graph, so hinge gets a page for each label), and the page sets that step's parameters and
  the point's inputs and target through the explorer's own ``setLeaf``, so the explorer
  recomputes the rest;
- the page is one file with no network access (a Content-Security-Policy allows its own
  script and style, and the explorer's, by hash), and every name is escaped for where it
  lands.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import math
import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Any

from micrograd import losses, trace
from micrograd.engine import Value, no_grad, total
from micrograd.files import write_text
from micrograd.viz.explorer import explore
from micrograd.viz.network import SATURATED, Network, find_network

__all__ = ["LOSSES", "PAGE_NUMBERS", "RecordedStep", "TrainingRecorder"]

LOSSES: dict[str, Callable[..., Value]] = {
    "mse": losses.mse,
    "hinge": losses.hinge,
    "binary_cross_entropy_with_logits": losses.binary_cross_entropy_with_logits,
    "cross_entropy": losses.cross_entropy,
}
"""The losses a recorder can name: each of ``micrograd.losses``, for one example."""

_DATA, _GRAD = attrgetter("data"), attrgetter("grad")

PAGE_NUMBERS = 200_000
"""Without ``max_steps``, a recorder keeps as many steps as hold this many parameters in all
(593 steps of ``MLP(2, [16, 16, 1])``'s 337): a page of a few megabytes."""

# The page's texts: filled in the page with its numbers (the explorer's are its own).
TRAINING_TEXT = {
    "position": "step {k} of {last} · iteration {iteration}",
    "every": "· all {total} training steps",
    "sampled": "· 1 training step in {stride} kept: {kept} of {total} (limit {limit})",
    "loss": "loss {loss}",
    "accuracy": "accuracy {accuracy}",
    "lr": "learning rate {lr}",
    "no_lr": "learning rate: not recorded (record(loss) without the optimizer)",
    "norms_head": "gradient norm of each layer, √Σ(dL/dp)²:",
    "norm": "  {layer}: {norm}",
    "flags_head": "neurons, on every one of the {count} data points:",
    "flags_head_one": "neurons, on the one data point:",
    "dead": "  dead (ReLU, net ≤ 0): {names}",
    "saturated": "  saturated (|f'(net)| < {limit}): {names}",
    "no_flags": "  none dead or saturated",
    "point": "point {i}, x = [{x}], target {target}: prediction {prediction}{verdict}",
    "right": " (right)",
    "wrong": " (misclassified)",
    "point_hint": "click a point: its backprop at this step · drag it: live · double-click: "
    "add one",
    "explorer_head": "step {k} (iteration {iteration}): point {point} alone, its own {loss} "
    "loss; its forward pass, backward pass and the update it alone would make:",
    "explorer_lr": "this page's update uses lr = {lr}; the run's optimizer used lr = {run} "
    "at this step (the explorer's learning rate is fixed when the page is made)",
    "explorer_loading": "opening the explorer…",
    "explorer_behind": "the training run is at step {k}: the explorer follows once you stop",
    "curve_loss": "loss",
    "curve_accuracy": "accuracy",
    "iteration": "iteration",
    "at_step": "at step {k}",
    "class_name": "class {label}",
    "boundary_legend": "shade: the class predicted here, deeper where surer · ✕ misclassified "
    "· ◇ moved or added",
    "regression_legend": "shade: the network's output here, from {low} (white) to {high} "
    "(blue) · ◇ moved or added",
    "network_legend": "edges are weights at this step: blue +, red −, thicker = larger |w| · "
    "grey = dead ReLU, purple ring = saturated, on every data point",
    "no_boundary": "the inputs have {d} dimensions: the decision boundary is drawn for 2",
    "new_class": "double-click adds a point of class",
    "closed": "close (Esc)",
}


@dataclass(frozen=True)
class RecordedStep:
    """One recorded training step: the parameters as they were for ``loss``, and their
    gradients, both in ``names`` order (``model.named_parameters()``)."""

    iteration: int  # how many record() calls came before this one
    loss: float
    lr: float | None  # the optimizer's learning rate for this step's update
    names: tuple[str, ...]
    params: tuple[float, ...]
    grads: tuple[float, ...]


@dataclass(frozen=True)
class _Task:
    """What the targets are: classes (and how an output becomes one), or numbers."""

    rule: str | None  # "sign": output > 0; "half": output > 0.5; "argmax"; None: regression
    classes: tuple[Any, ...]  # the labels, in colour order
    template_by_class: bool  # the target is folded into the loss's graph, not a leaf


def _number(x: Any, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"TrainingRecorder: {where} must be a number, got {x!r}")
    return float(x)


def _task(loss: str, targets: list[Any], outputs: int) -> _Task:
    """The targets checked against the loss and the model's outputs; how to classify."""
    if loss == "cross_entropy":
        for i, t in enumerate(targets):
            if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < outputs:
                raise ValueError(
                    f"TrainingRecorder: cross_entropy needs class indices 0..{outputs - 1} "
                    f"(the model has {outputs} outputs), got {t!r} at targets[{i}]"
                )
        return _Task("argmax", tuple(range(outputs)), False)
    if outputs != 1 and loss != "mse":
        raise ValueError(f"TrainingRecorder: {loss} needs a model of one output, not {outputs}")
    if loss == "mse" and outputs != 1:
        for i, t in enumerate(targets):
            if not isinstance(t, (list, tuple)) or len(t) != outputs:
                raise ValueError(
                    f"TrainingRecorder: the model has {outputs} outputs, so each target is a "
                    f"list of {outputs} numbers; targets[{i}] is {t!r}"
                )
            for x in t:
                _number(x, f"targets[{i}]")
        return _Task(None, (), False)
    values = [_number(t, f"targets[{i}]") for i, t in enumerate(targets)]
    if loss == "hinge":
        for i, t in enumerate(values):
            if t not in (-1.0, 1.0):
                raise ValueError(f"TrainingRecorder: hinge needs labels -1 or +1, got {t!r} at {i}")
        return _Task("sign", (-1, 1), True)
    if loss == "binary_cross_entropy_with_logits":
        if all(t in (0.0, 1.0) for t in values):
            return _Task("sign", (0, 1), False)
        return _Task(None, (), False)
    if all(t in (0.0, 1.0) for t in values):  # mse on 0/1 targets: a class each, at 0.5
        return _Task("half", (0, 1), False)
    if all(t in (-1.0, 1.0) for t in values):
        return _Task("sign", (-1, 1), False)
    return _Task(None, (), False)


def _classify(rule: str, classes: tuple[Any, ...], out: Any) -> Any:
    """The class an output means (the page applies the same rule)."""
    if rule == "argmax":
        scores = [v.data for v in out]
        return scores.index(max(scores))  # the first of equal largest scores
    score = (out[0] if isinstance(out, list) else out).data
    return classes[1] if score > (0.5 if rule == "half" else 0.0) else classes[0]


def _same_class(target: Any, predicted: Any) -> bool:
    return bool(float(target) == float(predicted))


class TrainingRecorder:
    """Records a training run for the training explorer page.

    Args:
        model: a :class:`~micrograd.nn.Module` made of neurons (``MLP``, ``Layer``,
            ``Neuron`` or ``Linear`` layers with ``relu``, ``tanh`` or ``sigmoid``).
        inputs: the data points, each a list of numbers.
        targets: one per point: a number (for ``"hinge"``, -1 or +1; for
            ``"binary_cross_entropy_with_logits"``, 0 to 1), a class index for
            ``"cross_entropy"``, or for ``"mse"`` on a model of several outputs, a list.
        loss: the loss of one example, by its name in :data:`LOSSES`; the page uses it for a
            clicked point's forward and backward passes (your training loss may add to it,
            regularisation say: the curve shows what you record).
        every: record every ``every``-th call of :meth:`record` (1: all of them).
        max_steps: keep at most this many steps; past it the recorder keeps every
            k-th step (k doubles as needed) and the page says so.  Default: as many as
            hold :data:`PAGE_NUMBERS` parameters in all.
        title: the page's title.

    ``steps`` holds the :class:`RecordedStep` objects kept.  With classes (``"hinge"``,
    ``"cross_entropy"``, and ``"mse"`` or ``"binary_cross_entropy_with_logits"`` on targets
    of 0 and 1, or ``"mse"`` on -1 and +1), :meth:`accuracies` gives the accuracy over
    ``inputs`` at each step.
    """

    def __init__(
        self,
        model: Any,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
        *,
        loss: str = "mse",
        every: int = 1,
        max_steps: int | None = None,
        title: str | None = None,
    ) -> None:
        if loss not in LOSSES:
            raise ValueError(f"TrainingRecorder: loss must be one of {list(LOSSES)}, got {loss!r}")
        if not hasattr(model, "named_parameters"):
            raise TypeError(
                f"TrainingRecorder: model must be a micrograd Module, got {type(model).__name__}"
            )
        for name, value in (("every", every), ("max_steps", max_steps)):
            if name == "max_steps" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"TrainingRecorder: {name} must be a whole number >= 1, got {value!r}"
                )
        self.model = model
        named = model.named_parameters()
        self.names: tuple[str, ...] = tuple(name for name, _ in named)
        self._params = [p for _, p in named]
        self.inputs = _points(inputs)
        if len(targets) != len(self.inputs):
            raise ValueError(
                f"TrainingRecorder: {len(self.inputs)} inputs but {len(targets)} targets"
            )
        self.targets = list(targets)
        self.loss = loss
        self.title = title if title is not None else f"training {type(model).__name__}"
        self.every = every
        self.max_steps = (
            max_steps if max_steps is not None else max(1, PAGE_NUMBERS // max(1, len(self.names)))
        )
        self.stride = every  # kept: the calls whose number is a multiple of this
        self.calls = 0
        self.steps: list[RecordedStep] = []
        self._accuracy: dict[int, float] = {}
        self.network, outputs = self._find_network()
        self.task = _task(loss, self.targets, outputs)

    # --- Recording --------------------------------------------------------------------

    def record(self, loss: Value | float, optimizer: Any = None) -> None:
        """Keep this training step: call it after ``backward()`` and before the update.

        ``loss`` is the step's loss (a Value or a number); ``optimizer``, if given, gives the
        learning rate (its ``lr``).  Only the numbers are copied: recording changes nothing.

        >>> import random
        >>> from micrograd.nn import Neuron
        >>> neuron = Neuron(1, rng=random.Random(0))
        >>> recorder = TrainingRecorder(neuron, [[1.0]], [2.0], every=2)
        >>> for _ in range(5):
        ...     recorder.record(0.25)
        >>> [s.iteration for s in recorder.steps], recorder.calls, recorder.steps[0].lr
        ([0, 2, 4], 5, None)
        """
        iteration = self.calls
        self.calls += 1
        if iteration % self.stride:
            return
        params = self._params
        value = loss.data if isinstance(loss, Value) else _number(loss, "record: loss")
        lr = None
        if optimizer is not None:
            lr = getattr(optimizer, "lr", None)
            if lr is None:
                raise TypeError(
                    f"TrainingRecorder.record: optimizer has no lr: {type(optimizer).__name__}"
                )
            lr = float(lr)
        self.steps.append(
            RecordedStep(
                iteration,
                value,
                lr,
                self.names,
                tuple(map(_DATA, params)),
                tuple(map(_GRAD, params)),
            )
        )
        if len(self.steps) > self.max_steps:  # keep every k-th step, k twice what it was
            self.stride *= 2
            self.steps = [s for s in self.steps if s.iteration % self.stride == 0]

    # --- What the page shows, from Python -----------------------------------------------

    def accuracies(self) -> list[float | None]:
        """The accuracy over ``inputs`` at each kept step (None without classes).

        Computed here, not while recording (a forward pass over every point would cost more
        than the step), with each step's parameters put into the model and taken out again.
        """
        if self.task.rule is None:
            return [None] * len(self.steps)
        missing = [s for s in self.steps if s.iteration not in self._accuracy]
        if missing:
            saved = [p.data for p in self._params]
            try:
                for step in missing:
                    self._accuracy[step.iteration] = self._accuracy_with(step.params)
            finally:
                for p, x in zip(self._params, saved):
                    p.data = x
        return [self._accuracy[s.iteration] for s in self.steps]

    def _accuracy_with(self, params: tuple[float, ...]) -> float:
        for p, value in zip(self._params, params):
            p.data = value
        rule, classes = self.task.rule, self.task.classes
        right = 0
        with no_grad():
            for point, t in zip(self.inputs, self.targets):
                right += _same_class(t, _classify(rule, classes, self.model(point)))  # type: ignore[arg-type]
        return right / len(self.inputs)

    def grad_norms(self) -> list[dict[str, float]]:
        """Each layer's gradient norm, sqrt(Σ (dL/dp)²) over its weights and biases, at each
        kept step (as :func:`~micrograd.viz.diagnose` gives it for one pass)."""
        layers = self._layer_indices()
        return [
            {name: math.sqrt(sum(s.grads[i] * s.grads[i] for i in own)) for name, own in layers}
            for s in self.steps
        ]

    # --- The network, found once --------------------------------------------------------

    def _point_loss(self, i: int) -> tuple[Value, list[Value], list[Value]]:
        """The loss of point i alone, through the model, with inputs ``x[0]``, ... and (when
        the target is not folded into the graph) target ``y`` or ``y[0]``, ... as leaves."""
        x = [Value(v, label=f"x[{k}]") for k, v in enumerate(self.inputs[i])]
        out = self.model(x)
        target = self.targets[i]
        leaves: list[Value] = []
        if self.loss == "hinge":  # its label must be a number: folded into the graph
            loss = LOSSES[self.loss](out, target)
        elif self.loss == "cross_entropy":  # the class as one-hot leaves: the index's numbers
            leaves = [Value(float(k == target), label=f"y[{k}]") for k in range(len(out))]
            loss = LOSSES[self.loss](out, leaves)
        elif isinstance(target, (list, tuple)):
            leaves = [Value(float(t), label=f"y[{k}]") for k, t in enumerate(target)]
            loss = LOSSES[self.loss](out, leaves)
        else:
            leaves = [Value(float(target), label="y")]
            loss = LOSSES[self.loss](out, leaves[0])
        loss.label = "loss"
        return loss, x, leaves

    def _find_network(self) -> tuple[Network, int]:
        """The model as layers of neurons, checked to be exactly the model: the first layer
        reads the inputs, the last layer's outputs are the model's output."""
        if not self.inputs:
            raise ValueError("TrainingRecorder: inputs is empty")
        x = [Value(v) for v in self.inputs[0]]
        out = self.model(x)
        outs = out if isinstance(out, list) else [out]
        if not all(isinstance(o, Value) for o in outs):
            raise TypeError(
                "TrainingRecorder: the model's output must be a Value or a list of them"
            )
        root = outs[0] if len(outs) == 1 else total(outs)
        network = find_network(root, self.model)
        why = (
            "the page computes the model from its layers of neurons: use MLP, Layer, Neuron or "
            "Linear layers with relu, tanh or sigmoid"
        )
        if network is None:
            raise ValueError(f"TrainingRecorder: the model is not layers of neurons; {why}")
        last = [n.out for n in network.layers[-1][1]]
        if len(last) != len(outs) or any(a is not b for a, b in zip(last, outs)):
            raise ValueError(f"TrainingRecorder: the model's output is not its last layer's; {why}")
        if len(network.inputs) != len(x) or any(a is not b for a, b in zip(network.inputs, x)):
            raise ValueError(f"TrainingRecorder: the first layer does not read the inputs; {why}")
        return network, len(outs)

    def _layer_indices(self) -> list[tuple[str, list[int]]]:
        index = {id(p): i for i, p in enumerate(self._params)}
        return [
            (
                name,
                [
                    index[id(p)]
                    for n in neurons
                    for p in [*n.weights, *([n.bias] if n.bias is not None else [])]
                    if id(p) in index
                ],
            )
            for name, neurons in self.network.layers
        ]

    # --- The page ---------------------------------------------------------------------

    def page(self) -> str:
        """The training explorer page, as HTML text."""
        if not self.steps:
            raise ValueError("TrainingRecorder: nothing recorded yet: call record() at each step")
        index = {id(p): i for i, p in enumerate(self._params)}
        layers = []
        for name, neurons in self.network.layers:
            layers.append(
                {
                    "name": name,
                    "neurons": [
                        {
                            "name": n.name,
                            "activation": n.activation,
                            "weights": [index[id(w)] for w in n.weights],
                            "bias": None if n.bias is None else index[id(n.bias)],
                        }
                        for n in neurons
                    ],
                }
            )
        norms = self.grad_norms()
        layer_names = [name for name, _ in self.network.layers]
        lrs = [s.lr for s in self.steps]
        data = {
            "title": self.title,
            "names": list(self.names),
            "steps": {
                "iteration": [s.iteration for s in self.steps],
                "loss": [_json_number(s.loss) for s in self.steps],
                "lr": [None if r is None else _json_number(r) for r in lrs],
                "accuracy": self.accuracies(),
                # every step's parameters, one after another, as little-endian float64:
                # exact, NaN and infinities included, and half the size of decimal text
                "params": base64.b64encode(
                    b"".join(struct.pack(f"<{len(s.params)}d", *s.params) for s in self.steps)
                ).decode(),
                "grad_norms": [[_json_number(n[name]) for name in layer_names] for n in norms],
            },
            "calls": self.calls,
            "stride": self.stride,
            "limit": self.max_steps,
            "layers": layers,
            "inputs": self.inputs,
            "targets": [_json_target(t) for t in self.targets],
            "task": {"loss": self.loss, "rule": self.task.rule, "classes": list(self.task.classes)},
            "square": _square(self.inputs),
            "saturated": SATURATED,
            "text": TRAINING_TEXT,
        }
        explorer, sources = self._explorer(next((r for r in lrs if r is not None), None))
        data["explorer"] = explorer
        return _page(data, sources)

    def _explorer(self, lr: float | None) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The explorer's pages for one point's loss, one per class when the class is folded
        into the graph, each gzipped; the leaves the page sets; the explorer's CSP sources."""
        keys: dict[str, int] = {}
        for i, t in enumerate(self.targets):
            keys.setdefault(_template_key(self.task, t), i)
        sources: dict[str, list[str]] = {"script-src": [], "style-src": []}
        explorer: dict[str, Any] = {
            "templates": {},
            "unavailable": None,
            "lr": lr,
            "params": [],
            "inputs": [],
            "target": [],
            "byClass": self.task.template_by_class,
            "oneHot": self.loss == "cross_entropy",
        }
        for key, i in keys.items():
            loss, x, targets = self._point_loss(i)
            in_graph = trace.node_names(loss)
            custom = [e.name for v in in_graph if (e := trace.op_entry(v)) is not None and e.custom]
            if custom:
                explorer["templates"] = {}
                explorer["unavailable"] = (
                    f"the explorer cannot compute {custom[0]}, a custom op in the {self.loss} "
                    "loss, so it cannot take this point's numbers"
                )
                return explorer, {"script-src": [], "style-src": []}
            page = explore(loss, model=self.model, lr=lr, title="one data point").html
            for directive, found in sources.items():  # the explorer's own policy, by hash
                match = re.search(directive + r" ([^;\"]*)", page)
                found.extend(s for s in (match.group(1).split() if match else []) if s not in found)
            explorer["templates"][key] = base64.b64encode(
                gzip.compress(page.encode(), 9, mtime=0)
            ).decode()
            explorer["params"] = [n for n, p in zip(self.names, self._params) if p in in_graph]
            explorer["inputs"] = [v.label for v in x]
            explorer["target"] = [v.label for v in targets]
        return explorer, sources

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8, whole or not at all) and return the path.

        >>> import pathlib, random, tempfile
        >>> from micrograd.nn import MLP
        >>> recorder = TrainingRecorder(MLP(2, [2, 1], rng=random.Random(0)), [[0.0, 1.0]], [1.0])
        >>> recorder.record(0.5)
        >>> recorder.save(pathlib.Path(tempfile.mkdtemp()) / "run.html").read_text()[:15]
        '<!DOCTYPE html>'
        """
        path = Path(path)
        write_text(path, _safe(self.page()))
        return path

    def _repr_html_(self) -> str:
        """Jupyter shows the page in an iframe whose ``srcdoc`` holds it.  Its sandbox allows
        scripts and the notebook's origin: the page reaches into its own explorer's frame,
        which a sandbox without the origin would make a stranger (the page runs no code but
        its own, and escapes every name)."""
        return (
            f'<iframe srcdoc="{html.escape(_safe(self.page()), quote=True)}" '
            'sandbox="allow-scripts allow-same-origin" '
            'style="width: 100%; height: 860px; border: 1px solid #ccc"></iframe>'
        )


def _template_key(task: _Task, target: Any) -> str:
    return str(int(target)) if task.template_by_class else ""


def _json_target(t: Any) -> Any:
    if isinstance(t, (list, tuple)):
        return [_json_number(float(x)) for x in t]
    return t if isinstance(t, int) and not isinstance(t, bool) else _json_number(float(t))


def _points(inputs: Sequence[Sequence[float]]) -> list[list[float]]:
    points = []
    for i, x in enumerate(inputs):
        if not isinstance(x, (list, tuple)):
            raise TypeError(f"TrainingRecorder: inputs[{i}] must be a list of numbers, got {x!r}")
        points.append([_number(v, f"inputs[{i}]") for v in x])
    if points and any(len(p) != len(points[0]) for p in points):
        raise ValueError("TrainingRecorder: every input must have the same length")
    return points


def _square(inputs: list[list[float]]) -> dict[str, list[float]] | None:
    """The plotted square for 2-D inputs: the data's middle, a quarter more than its span."""
    if not inputs or len(inputs[0]) != 2:
        return None
    xs, ys = [p[0] for p in inputs], [p[1] for p in inputs]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0) * 1.25
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {"x": [cx - span / 2, cx + span / 2], "y": [cy - span / 2, cy + span / 2]}


# --- One offline file ------------------------------------------------------------------


def _json_number(x: float) -> float | str:
    """JSON has no NaN or infinities: those travel as strings the page reads back."""
    return x if math.isfinite(x) else repr(x)


def _script_json(data: object) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' appears literally."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _safe(text: str) -> str:
    """Text that UTF-8 can hold: a lone surrogate becomes U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _asset(name: str) -> str:
    return resources.files("micrograd.viz").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _page(data: dict, sources: dict[str, list[str]]) -> str:
    script, style = _asset("training.js"), _asset("training.css")
    title = html.escape(_safe(str(data["title"])), quote=True)
    scripts = " ".join([_csp_hash(script), *sources["script-src"]])
    styles = " ".join([_csp_hash(style), *sources["style-src"]])
    # The explorer's page loads into a frame from srcdoc: it inherits this policy, so its
    # script and style are allowed here too (and nothing else, anywhere).
    csp = (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; "
        "img-src 'none'; connect-src 'none'; font-src 'none'; form-action 'none'; "
        "base-uri 'none'"
    )
    text = data["text"]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · micrograd training explorer</title>
<style>{style}</style>
</head>
<body>
<header><h1>{title}</h1>
<span class="hint">← → step · space play · Home/End · Esc closes a point</span></header>
<nav id="controls">
<button id="first" type="button" title="Home">start</button>
<button id="prev" type="button" title="left arrow">◀ back</button>
<button id="play" type="button" title="space">▶ play</button>
<button id="next" type="button" title="right arrow">next ▶</button>
<button id="last" type="button" title="End">end</button>
<input id="scrubber" type="range" min="0" max="0" value="0" aria-label="training step">
<span id="position"></span>
</nav>
<main>
<section id="left">
<div class="panel" id="boundary-panel"><h2>Decision boundary <span id="boundary-step"></span></h2>
<div id="plot"><canvas id="grid" width="50" height="50"></canvas><svg id="points"></svg>
<p id="no-plot" hidden></p></div>
<p class="legend" id="plot-legend"></p>
<label class="legend" id="new-class-label">{html.escape(text["new_class"])}
<select id="new-class"></select></label></div>
<div class="panel" id="curve-panel"><h2>Loss and accuracy <span id="sampling"></span></h2>
<svg id="curve"></svg></div>
</section>
<section id="right">
<div class="panel" id="network-panel"><h2>The network at this step</h2><svg id="network"></svg>
<p class="legend">{html.escape(text["network_legend"])}</p></div>
<div class="row">
<div class="panel" id="norms-panel">
<h2>Gradient norm of each layer <span>(log scale)</span></h2><svg id="norms"></svg></div>
<div class="panel" id="numbers-panel"><h2>This step</h2><pre id="numbers"></pre></div>
</div>
</section>
</main>
<div id="explorer" class="closed">
<div class="bar"><span id="explorer-head"></span>
<button id="explorer-close" type="button">{html.escape(text["closed"])}</button>
<span id="explorer-point"></span><span id="explorer-note"></span></div>
<iframe id="explorer-frame" title="the network explorer for one data point"></iframe>
</div>
<script type="application/json" id="micrograd-training">{_script_json(data)}</script>
<script>{script}</script>
</body>
</html>
"""
