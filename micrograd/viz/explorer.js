// The micrograd explorer: steps through the forward pass, the backward pass and
// an update of one graph, and recomputes them all when a leaf changes.
//
// Python exported the graph (its ops and operands, the order of the steps) and
// its picture; every number here is computed in this page, in float64, with
// the same formulas in the same order as micrograd's engine. Four parts:
//   evaluate      the forward pass: every node's data
//   differentiate the backward pass: every chain-rule step, and the updates
//   render        numbers, colours and highlights for one position
//   control       buttons, keys, the scrubber, the leaves' fields
"use strict";
(function () {
  const graph = JSON.parse(document.getElementById("micrograd-data").textContent);
  const nodes = graph.nodes;
  const count = nodes.length;
  const rootName = nodes[graph.root].name;
  // The texts' templates: a backward step's from micrograd.trace.STEP_TEXT (the one that
  // writes str(step)), the others from the explorer. This page fills them with its numbers.
  const TEXT = graph.text, STEP = TEXT.step;
  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, (_, key) => fields[key]);
  }

  // JSON has no NaN or infinities: Python sent those as "nan", "inf", "-inf".
  function number(x) {
    if (typeof x === "number") return x;
    return x === "nan" ? NaN : x === "inf" ? Infinity : -Infinity;
  }

  // --- The op table: mirrors micrograd.engine.OPS, one line per op ----------------
  // forward(xs) -> out; local(xs, out) -> d(out)/d(operand) for each operand.
  // check(xs) -> the engine's error message for an input it refuses, or null.
  function relu(x) { return x > 0 ? x : 0; }
  function step(x) { return x > 0 ? 1 : 0; }
  function sign(x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }
  function sigmoid(x) {
    // exp of a non-positive number only, so it never overflows
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  }
  function linearSum(xs) { // bias + w1*x1 + ... + wn*xn, added left to right from the bias
    const n = (xs.length - 1) / 2;
    let acc = xs[2 * n];
    for (let i = 0; i < n; i++) acc = acc + xs[i] * xs[n + i];
    return acc;
  }
  function linearLocal(xs) { // d/dw_i = x_i, d/dx_i = w_i, d/dbias = 1
    const n = (xs.length - 1) / 2;
    const out = new Array(xs.length);
    for (let i = 0; i < n; i++) { out[i] = xs[n + i]; out[n + i] = xs[i]; }
    out[2 * n] = 1;
    return out;
  }
  function powExponentLocal(a, out) { // d(a**b)/db = a**b * log(a)
    return a > 0 ? out * Math.log(a) : a === 0 ? 0 : NaN;
  }
  function powBaseLocal(a, b) { // d(a**b)/da = b * a**(b-1)
    if (b === 0) return 0;
    if (a === 0 && b < 1) return Infinity;
    return b * Math.pow(a, b - 1);
  }
  function powCheck(a, b) {
    if (a < 0 && b !== Math.trunc(b)) return `**: a negative base needs a whole exponent, got ${a} ** ${b}`;
    if (a === 0 && b < 0) return `**: 0 cannot be raised to a negative power (${a} ** ${b})`;
    return null;
  }
  const OPS = {
    add: { forward: (x) => x[0] + x[1], local: () => [1, 1] },
    sub: { forward: (x) => x[0] - x[1], local: () => [1, -1] },
    mul: { forward: (x) => x[0] * x[1], local: (x) => [x[1], x[0]] },
    div: { forward: (x) => x[0] / x[1], local: (x, out) => [1 / x[1], -out / x[1]],
      check: (x) => (x[1] === 0 ? `/: division by zero (${x[0]} / ${x[1]})` : null) },
    pow: { forward: (x) => Math.pow(x[0], x[1]),
      local: (x, out) => [powBaseLocal(x[0], x[1]), powExponentLocal(x[0], out)],
      check: (x) => powCheck(x[0], x[1]) },
    neg: { forward: (x) => -x[0], local: () => [-1] },
    exp: { forward: (x) => Math.exp(x[0]), local: (x, out) => [out],
      check: (x) => (Math.exp(x[0]) === Infinity ? `exp: overflow at ${x[0]} (exp > 1.8e308)` : null) },
    log: { forward: (x) => Math.log(x[0]), local: (x) => [1 / x[0]],
      check: (x) => (x[0] > 0 ? null : `log: needs a positive input, got ${x[0]}`) },
    tanh: { forward: (x) => Math.tanh(x[0]), local: (x, out) => [1 - out * out] },
    sigmoid: { forward: (x) => sigmoid(x[0]), local: (x, out) => [out * (1 - out)] },
    relu: { forward: (x) => relu(x[0]), local: (x, out) => [step(out)] },
    abs: { forward: (x) => Math.abs(x[0]), local: (x) => [sign(x[0])] },
    sin: { forward: (x) => Math.sin(x[0]), local: (x) => [Math.cos(x[0])] },
    cos: { forward: (x) => Math.cos(x[0]), local: (x) => [-Math.sin(x[0])] },
    linear: { forward: linearSum, local: linearLocal },
    linear_relu: { forward: (x) => relu(linearSum(x)),
      local: (x, out) => linearLocal(x).map((d) => step(out) * d) },
    sum: { forward: (x) => { let acc = 0; for (const v of x) acc = acc + v; return acc; },
      local: (x) => x.map(() => 1) },
  };

  // --- Numbers as Python prints them ---------------------------------------------
  // f"{x:.{places}f}" (places = STEP.decimals): toFixed rounds the exact binary value, as
  // Python does, except that it breaks a tie upwards where Python breaks it to even.
  const places = STEP.decimals, scale = 10 ** places;
  function fixed(x) {
    if (Number.isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    const minus = x < 0 || Object.is(x, -0) ? "-" : "";
    const a = Math.abs(x);
    if (a >= 1e21) return minus + BigInt(a).toString() + "." + "0".repeat(places);
    // A tie (a * 10^places ending in exactly .5) needs a multiple of 1/2^(places+1): then,
    // below 1e15, a * 10^places is exact.
    const t = a * scale;
    if (t < 1e15 && Number.isInteger(a * 2 ** (places + 1)) && t - Math.floor(t) === 0.5 &&
        Math.floor(t) % 2 === 0) {
      return minus + (Math.floor(t) / scale).toFixed(places);
    }
    return minus + a.toFixed(places);
  }

  // --- The graph's structure, read once ----------------------------------------
  const leaves = [];
  const isLeaf = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    if (nodes[i].op === undefined) { isLeaf[i] = 1; leaves.push(i); }
  }
  const leafValue = new Float64Array(count);
  for (const i of leaves) leafValue[i] = number(nodes[i].value);
  const customLocals = {};
  for (const key of Object.keys(graph.customLocals)) customLocals[key] = graph.customLocals[key].map(number);

  // A leaf under a custom op is read-only: the page cannot recompute that op.
  const readOnly = new Uint8Array(count);
  (function markReadOnly() {
    const stack = [];
    for (let i = 0; i < count; i++) if (nodes[i].custom) stack.push(i);
    const seen = new Uint8Array(count);
    while (stack.length) {
      const i = stack.pop();
      if (seen[i]) continue;
      seen[i] = 1;
      if (isLeaf[i]) readOnly[i] = 1;
      for (const a of nodes[i].args || []) if (typeof a === "number") stack.push(a);
    }
  })();

  function operandData(i, data) {
    const args = nodes[i].args;
    const xs = new Array(args.length);
    for (let k = 0; k < args.length; k++) {
      const a = args[k];
      xs[k] = typeof a === "number" ? data[a] : number(a[0]);
    }
    return xs;
  }

  // --- evaluate: the forward pass -------------------------------------------------
  function evaluate(values) {
    const data = new Float64Array(count);
    const problems = [];
    for (const i of leaves) data[i] = values[i];
    for (const i of graph.forward) {
      const node = nodes[i];
      if (node.custom) { data[i] = number(node.value); continue; }
      const op = OPS[node.op];
      const xs = operandData(i, data);
      const problem = op.check ? op.check(xs) : null;
      if (problem !== null) problems.push(`${node.name}: ${problem}`);
      data[i] = op.forward(xs);
    }
    return { data, problems };
  }

  // --- differentiate: the backward pass, one chain-rule step per node ------------
  // Each step's edges are kept (parent, local derivative, parent's grad after),
  // so any position can be shown by replaying them.
  function differentiate(data) {
    const grad = new Float64Array(count);
    const steps = graph.backward;
    const upstream = new Float64Array(steps.length);
    const first = new Int32Array(steps.length + 1);
    const parent = [], local = [], after = [];
    if (steps.length) grad[graph.root] = 1;
    for (let s = 0; s < steps.length; s++) {
      const i = steps[s];
      const node = nodes[i];
      const up = grad[i];
      upstream[s] = up;
      first[s] = parent.length;
      let locals;
      if (node.custom) locals = customLocals[i];
      else locals = OPS[node.op].local(operandData(i, data), data[i]);
      let k = 0;
      node.args.forEach((a, position) => {
        if (typeof a !== "number") return; // a folded number gets no gradient
        const d = node.custom ? locals[k++] : locals[position];
        grad[a] += d * up;
        parent.push(a); local.push(d); after.push(grad[a]);
      });
    }
    first[steps.length] = parent.length;
    const updated = graph.params.map((p) => data[p] - graph.lr * grad[p]);
    return { grad, upstream, first, parent, local, after, updated };
  }

  // --- The timeline: state at any position ----------------------------------------
  const F = graph.forward.length, B = graph.backward.length, U = graph.params.length;
  const total = F + B + U;
  let values = leafValue.slice();
  let forward = evaluate(values);
  let backward = differentiate(forward.data);
  let position = 0;
  let selected = leaves.length ? leaves[0] : -1;

  function phaseOf(k) {
    return k === 0 ? "start" : k <= F ? "forward" : k <= F + B ? "backward" : "update";
  }

  // data and grad of every node at position k; null where not yet known
  function snapshot(k) {
    const data = new Array(count).fill(null);
    const grad = new Array(count).fill(null);
    for (const i of leaves) data[i] = forward.data[i];
    const known = Math.min(k, F);
    for (let s = 0; s < known; s++) data[graph.forward[s]] = forward.data[graph.forward[s]];
    const done = Math.max(0, Math.min(k - F, B));
    if (done > 0) grad[graph.root] = 1;
    for (let e = 0; e < backward.first[done]; e++) grad[backward.parent[e]] = backward.after[e];
    const updates = Math.max(0, k - F - B);
    for (let u = 0; u < updates; u++) data[graph.params[u]] = backward.updated[u];
    return { data, grad };
  }

  // The text of position k as lines: a backward step's head, then one line per edge;
  // textOf joins them as str(step) does, the panel one to a line.
  function linesOf(k) {
    const data = forward.data;
    if (k === 0) return [TEXT.start];
    if (k <= F) {
      const i = graph.forward[k - 1];
      const node = nodes[i];
      const f = operandData(i, data).map(fixed);
      const fields = { symbol: node.symbol, a: f[0], b: f[f.length - 1], args: f.join(TEXT.between_args) };
      const numbers = fill(TEXT[node.notation], fields);
      return [fill(TEXT.forward, { name: node.name, formula: node.formula, numbers, value: fixed(data[i]) })];
    }
    if (k <= F + B) {
      const s = k - F - 1;
      const node = nodes[graph.backward[s]];
      const upstream = fixed(backward.upstream[s]);
      const head = fill(STEP.head, { name: node.name, formula: node.formula, root: rootName, upstream });
      const edges = [];
      const first = backward.first[s], end = backward.first[s + 1];
      const last = Math.min(end, first + STEP.max_edges); // a long sum spells out only the first few
      for (let e = first; e < last; e++) {
        edges.push(fill(STEP.edge, {
          root: rootName, parent: nodes[backward.parent[e]].name, upstream,
          local: fixed(backward.local[e]), after: fixed(backward.after[e]),
        }));
      }
      if (end > last) edges.push(fill(STEP.more, { count: (end - last).toLocaleString("en-US") }));
      return [head, ...edges];
    }
    const u = k - F - B - 1;
    const p = graph.params[u];
    return [fill(TEXT.update, {
      name: nodes[p].name, lr: graph.lrText, data: fixed(data[p]),
      grad: fixed(backward.grad[p]), new: fixed(backward.updated[u]),
    })];
  }

  function textOf(k) {
    const [head, ...edges] = linesOf(k);
    return k > F && k <= F + B ? head + STEP.after_head + edges.join(STEP.between_edges) : head;
  }

  // The node a step is about, and the parents it reads from or passes to.
  function focusOf(k) {
    if (k === 0) return null;
    if (k <= F + B) {
      const i = k <= F ? graph.forward[k - 1] : graph.backward[k - F - 1];
      return { node: i, parents: (nodes[i].args || []).filter((a) => typeof a === "number") };
    }
    return { node: graph.params[k - F - B - 1], parents: [] };
  }

  // --- render: numbers, colours and highlights for the current position ------------
  const svg = document.querySelector("#graph svg");
  const boxes = new Array(count), ops = new Array(count), dataText = new Array(count);
  const gradText = new Array(count), fills = new Array(count), edgesInto = [];
  for (let i = 0; i < count; i++) edgesInto.push([]);
  for (const g of svg.querySelectorAll("g[data-n]")) {
    const i = Number(g.dataset.n);
    boxes[i] = g;
    dataText[i] = g.querySelector("text.d");
    gradText[i] = g.querySelector("text.g");
    fills[i] = g.querySelector("polygon.f");
  }
  for (const g of svg.querySelectorAll("g[data-o]")) ops[Number(g.dataset.o)] = g;
  for (const g of svg.querySelectorAll("g[data-e]")) {
    const ends = g.dataset.e.split(" ").map(Number);
    edgesInto[ends[ends.length - 1]].push({ el: g, from: ends.length === 2 ? ends[0] : -1 });
  }
  const shown = { data: new Array(count).fill(""), grad: new Array(count).fill(""), fill: new Array(count).fill("") };
  let lit = [];
  let scrolledTo = -1;

  // White at 0, deepening to blue (positive) or red (negative) at the largest |grad|,
  // as draw_dot colours its boxes.
  function gradColour(g, largest) {
    if (g === null || !g || !largest || !Number.isFinite(g)) return "#ffffff";
    const strength = Math.sqrt(Math.min(1, Math.abs(g) / largest));
    const full = g > 0 ? [0x3a, 0x76, 0xc4] : [0xd0, 0x4a, 0x3c];
    return "#" + full.map((c) => {
      const v = Math.round(255 + (c - 255) * strength * 0.85);
      return v.toString(16).padStart(2, "0");
    }).join("");
  }

  function setText(el, cache, i, text) {
    if (cache[i] !== text) { cache[i] = text; el.textContent = text; }
  }

  function render() {
    const k = position;
    const state = snapshot(k);
    let largest = 0;
    for (const g of state.grad) if (g !== null && Number.isFinite(g)) largest = Math.max(largest, Math.abs(g));
    for (let i = 0; i < count; i++) {
      if (!boxes[i]) continue;
      const d = state.data[i], g = state.grad[i];
      setText(dataText[i], shown.data, i, d === null ? "data" : `data ${fixed(d)}`);
      setText(gradText[i], shown.grad, i, g === null ? "grad" : `grad ${fixed(g)}`);
      const colour = gradColour(g, largest);
      if (shown.fill[i] !== colour) { shown.fill[i] = colour; fills[i].setAttribute("fill", colour); }
    }
    for (const el of lit) el.classList.remove("current", "source");
    lit = [];
    const focus = focusOf(k);
    if (focus) {
      const i = focus.node;
      for (const el of [boxes[i], ops[i]]) if (el) { el.classList.add("current"); lit.push(el); }
      for (const e of edgesInto[i]) { e.el.classList.add("current"); lit.push(e.el); }
      for (const p of focus.parents) if (boxes[p]) { boxes[p].classList.add("source"); lit.push(boxes[p]); }
      // At full size a big graph scrolls: bring the step's node into view, once per move and
      // after this frame's work (scrolling makes the browser lay the page out).
      if (boxes[i] && i !== scrolledTo && !$("graph").classList.contains("fit")) {
        scrolledTo = i;
        requestAnimationFrame(() => boxes[i].scrollIntoView({ block: "nearest", inline: "nearest" }));
      }
    }
    renderPanel(k);
  }

  const $ = (id) => document.getElementById(id);
  function renderPanel(k) {
    $("phase").textContent = `${phaseOf(k)} · step ${k} of ${total}`;
    // one chain-rule edge per line, so the arithmetic reads down the panel
    $("text").textContent = linesOf(k).join("\n  ");
    $("problems").textContent = forward.problems.join("\n");
    $("position").textContent = `${k} / ${total}`;
    $("scrubber").value = String(k);
    $("play").textContent = timer === null ? "▶ play" : "❚❚ pause";
    renderCheck();
  }

  // Finite differences for the selected leaf, beside its backprop gradient.
  function renderCheck() {
    if (selected < 0) return;
    const x = values[selected];
    const h = 1e-6 * Math.max(1, Math.abs(x));
    const shifted = values.slice();
    shifted[selected] = x + h;
    const plus = evaluate(shifted).data[graph.root];
    shifted[selected] = x - h;
    const minus = evaluate(shifted).data[graph.root];
    const estimate = (plus - minus) / (2 * h);
    const name = nodes[selected].name;
    $("fd").textContent =
      `${name}: backprop d${rootName}/d${name} = ${backward.grad[selected]}\n` +
      `(L(x+h) - L(x-h)) / 2h = ${estimate}   (h = ${h.toExponential(1)})`;
  }

  // --- control: buttons, keys, playing, the leaves' fields -------------------------
  let timer = null;
  function goto(k) {
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k > total) {
      throw new RangeError(`goto: position must be a whole number from 0 to ${total}, got ${k}`);
    }
    position = k;
    render();
  }
  function play() {
    if (timer !== null) { clearInterval(timer); timer = null; renderPanel(position); return; }
    if (position === total) position = 0;
    timer = setInterval(() => {
      if (position >= total) { clearInterval(timer); timer = null; renderPanel(position); return; }
      goto(position + 1);
    }, 500);
    renderPanel(position);
  }

  const byName = new Map();
  for (let i = 0; i < count; i++) byName.set(nodes[i].name, i);

  function recompute() {
    forward = evaluate(values);
    backward = differentiate(forward.data);
    render();
  }

  function setLeaf(name, value) {
    const i = byName.get(name);
    if (i === undefined || !isLeaf[i]) throw new Error(`setLeaf: no leaf named ${JSON.stringify(name)}`);
    if (readOnly[i]) throw new Error(`setLeaf: ${name} is read-only: it feeds a custom op, which the page cannot compute`);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(`setLeaf: ${name} needs a finite number, got ${value}`);
    }
    values[i] = value;
    recompute();
    syncLeafFields(i);
  }

  const fields = new Map();
  function syncLeafFields(i) {
    const f = fields.get(i);
    if (!f) return;
    f.number.value = String(values[i]);
    f.slider.value = String(values[i]);
  }

  function buildLeaves() {
    const box = $("leaves");
    for (const i of leaves) {
      const row = document.createElement("div");
      row.className = "leaf";
      const label = document.createElement("label");
      label.textContent = nodes[i].name;
      label.title = "show finite differences for this leaf";
      label.addEventListener("click", () => { selected = i; renderCheck(); });
      row.append(label);
      if (readOnly[i]) {
        const note = document.createElement("span");
        note.className = "note";
        note.textContent = `${fixed(values[i])} (read-only: it feeds a custom op, which the page cannot compute)`;
        row.append(note);
        box.append(row);
        continue;
      }
      const numberField = document.createElement("input");
      numberField.type = "number";
      numberField.step = "any";
      numberField.value = String(values[i]);
      const slider = document.createElement("input");
      slider.type = "range";
      const v = values[i], span = 2 * Math.max(1, Math.abs(v));
      slider.min = String(v - span);
      slider.max = String(v + span);
      slider.step = String(span / 500);
      slider.value = String(v);
      numberField.setAttribute("aria-label", nodes[i].name);
      slider.setAttribute("aria-label", nodes[i].name);
      const change = (text) => {
        const x = Number(text);
        if (text.trim() === "" || !Number.isFinite(x)) return;
        selected = i;
        setLeaf(nodes[i].name, x);
      };
      numberField.addEventListener("change", () => change(numberField.value));
      slider.addEventListener("input", () => change(slider.value));
      fields.set(i, { number: numberField, slider });
      row.append(numberField, slider);
      box.append(row);
    }
  }

  function control() {
    $("first").addEventListener("click", () => goto(0));
    $("prev").addEventListener("click", () => goto(Math.max(0, position - 1)));
    $("next").addEventListener("click", () => goto(Math.min(total, position + 1)));
    $("last").addEventListener("click", () => goto(total));
    $("play").addEventListener("click", play);
    // A graph that fits the window without shrinking its text much is shown whole;
    // a bigger one starts at full size, where its text stays readable.
    const fitting = (on) => {
      $("graph").classList.toggle("fit", on);
      $("zoom").textContent = on ? "full size" : "fit";
    };
    fitting(svg.getBoundingClientRect().width * 0.7 <= $("graph").clientWidth);
    $("zoom").addEventListener("click", () => fitting(!$("graph").classList.contains("fit")));
    const scrubber = $("scrubber");
    scrubber.max = String(total);
    scrubber.addEventListener("input", () => goto(Number(scrubber.value)));
    document.addEventListener("keydown", (event) => {
      // keys typed into a leaf's field belong to the field
      if (event.target instanceof HTMLInputElement && event.target !== scrubber) return;
      const keys = {
        ArrowLeft: () => goto(Math.max(0, position - 1)),
        ArrowRight: () => goto(Math.min(total, position + 1)),
        " ": play,
        Home: () => goto(0),
        End: () => goto(total),
      };
      const action = keys[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    });
    for (let i = 0; i < count; i++) {
      if (isLeaf[i] && boxes[i]) boxes[i].addEventListener("click", () => { selected = i; renderCheck(); });
    }
    buildLeaves();
  }

  // --- The page's contract, for tests and for pages that embed this one -------------
  window.micrograd = {
    steps: () => total,
    goto,
    state() {
      const s = snapshot(position);
      const out = {};
      for (let i = 0; i < count; i++) out[nodes[i].name] = { data: s.data[i], grad: s.grad[i] };
      return { step: position, phase: phaseOf(position), text: textOf(position), nodes: out };
    },
    setLeaf,
    ops: () => Object.keys(OPS),
  };

  control();
  render();
})();
