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
  // NaN stays NaN through every op, as in Python: relu(NaN) and its slope, abs's slope.
  function relu(x) { return x <= 0 ? 0 : x; }
  function step(x) { return x > 0 ? 1 : x <= 0 ? 0 : NaN; }
  function sign(x) { return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN; }
  // Python's float ** where it differs from Math.pow: 1 ** y and (-1) ** ±inf are 1.
  function pyPow(a, b) {
    if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
    return Math.pow(a, b);
  }
  function sigmoid(x) {
    // exp of a non-positive number only, so it never overflows
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  }
  function firstLargest(xs) { // floats.first_largest: a tie goes to the first; -1 for a NaN
    let best = 0;
    for (let i = 0; i < xs.length; i++) {
      if (Number.isNaN(xs[i])) return -1;
      if (xs[i] > xs[best]) best = i;
    }
    return best;
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
  function powBaseLocal(a, b) { // d(a**b)/da = b * a**(b-1): inf at a pole, NaN where undefined
    if (b === 0) return 0;
    const e = b - 1;
    const slope = a < 0 && !Number.isInteger(e) ? NaN : a === 0 && e < 0 ? Infinity : pyPow(a, e);
    return b * slope;
  }
  function powCheck(a, b) {
    if (a < 0 && Number.isFinite(b) && !Number.isInteger(b)) return `**: a negative base needs a whole exponent, got ${a} ** ${b}`;
    if (a === 0 && b < 0) return `**: 0 cannot be raised to a negative power (${a} ** ${b})`;
    return null;
  }
  function infinite(name) {
    return (x) => (x[0] === Infinity || x[0] === -Infinity ? `${name}: needs a finite input, got ${x[0]}` : null);
  }
  const OPS = {
    add: { forward: (x) => x[0] + x[1], local: () => [1, 1] },
    sub: { forward: (x) => x[0] - x[1], local: () => [1, -1] },
    mul: { forward: (x) => x[0] * x[1], local: (x) => [x[1], x[0]] },
    div: { forward: (x) => x[0] / x[1], local: (x, out) => [1 / x[1], -out / x[1]],
      check: (x) => (x[1] === 0 ? `/: division by zero (${x[0]} / ${x[1]})` : null) },
    pow: { forward: (x) => pyPow(x[0], x[1]),
      local: (x, out) => [powBaseLocal(x[0], x[1]), powExponentLocal(x[0], out)],
      check: (x) => powCheck(x[0], x[1]) },
    neg: { forward: (x) => -x[0], local: () => [-1] },
    exp: { forward: (x) => Math.exp(x[0]), local: (x, out) => [out],
      check: (x) => (Number.isFinite(x[0]) && Math.exp(x[0]) === Infinity ? `exp: overflow at ${x[0]} (exp > 1.8e308)` : null) },
    log: { forward: (x) => Math.log(x[0]), local: (x) => [1 / x[0]],
      check: (x) => (x[0] > 0 || Number.isNaN(x[0]) ? null : `log: needs a positive input, got ${x[0]}`) },
    tanh: { forward: (x) => Math.tanh(x[0]), local: (x, out) => [1 - out * out] },
    sigmoid: { forward: (x) => sigmoid(x[0]), local: (x, out) => [out * (1 - out)] },
    relu: { forward: (x) => relu(x[0]), local: (x, out) => [step(out)] },
    abs: { forward: (x) => Math.abs(x[0]), local: (x) => [sign(x[0])] },
    sin: { forward: (x) => Math.sin(x[0]), local: (x) => [Math.cos(x[0])], check: infinite("sin") },
    cos: { forward: (x) => Math.cos(x[0]), local: (x) => [-Math.sin(x[0])], check: infinite("cos") },
    linear: { forward: linearSum, local: linearLocal },
    linear_relu: { forward: (x) => relu(linearSum(x)),
      local: (x, out) => linearLocal(x).map((d) => step(out) * d) },
    sum: { forward: (x) => { let acc = 0; for (const v of x) acc = acc + v; return acc; },
      local: (x) => x.map(() => 1) },
    max: { forward: (x) => { const b = firstLargest(x); return b < 0 ? NaN : x[b]; },
      local: (x) => { const b = firstLargest(x); return x.map((_, i) => (b < 0 ? NaN : i === b ? 1 : 0)); } },
  };

  // --- Numbers as Python prints them --------------------------------------------
  // sig(x, p) is Python's format(x, f".{p}g") (0 for either zero): the exact binary value
  // written out in decimal (BigInt), rounded half to even as Python does, at any magnitude.
  const DIGITS = STEP.digits, MAX_DIGITS = 17;
  const bits = new DataView(new ArrayBuffer(8));
  function exactDecimal(a) { // a > 0 finite: a = 0.DIGITS × 10^exp exactly
    bits.setFloat64(0, a);
    const hi = bits.getUint32(0), lo = bits.getUint32(4);
    const biased = (hi >>> 20) & 0x7ff;
    let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    let e2 = -1074;
    if (biased !== 0) { mantissa |= 1n << 52n; e2 = biased - 1075; }
    if (e2 >= 0) { const d = (mantissa << BigInt(e2)).toString(); return { digits: d, exp: d.length }; }
    const d = (mantissa * 5n ** BigInt(-e2)).toString();
    return { digits: d, exp: d.length + e2 };
  }
  function sig(x, p) {
    if (Number.isNaN(x)) return "nan";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return "0";
    const minus = x < 0 ? "-" : "";
    let { digits, exp } = exactDecimal(Math.abs(x));
    let head = digits.slice(0, p).padEnd(p, "0");
    if (digits.length > p) {
      const next = digits.charCodeAt(p) - 48;
      const tail = /[1-9]/.test(digits.slice(p + 1));
      if (next > 5 || (next === 5 && (tail || (head.charCodeAt(p - 1) - 48) % 2 === 1))) {
        head = (BigInt(head) + 1n).toString();
        if (head.length > p) { head = head.slice(0, p); exp += 1; }
      }
    }
    const e = exp - 1; // the scientific exponent
    const strip = (t) => t.replace(/0+$/, "");
    if (e >= -4 && e < p) {
      let whole, frac;
      if (e >= 0) { whole = head.slice(0, e + 1); frac = strip(head.slice(e + 1)); }
      else { whole = "0"; frac = strip("0".repeat(-e - 1) + head); }
      return minus + whole + (frac ? "." + frac : "");
    }
    const frac = strip(head.slice(1));
    const power = Math.abs(e) < 10 ? "0" + Math.abs(e) : String(Math.abs(e));
    return minus + head[0] + (frac ? "." + frac : "") + "e" + (e < 0 ? "-" : "+") + power;
  }
  function short(x) { return sig(x, DIGITS); }

  // The numbers of one text, each to its own significant figures, so that every printed
  // a op b = c holds: trace.Numbers, in the same order.
  function Numbers() {
    const values = [], equations = [];
    return {
      add(x) { values.push(x); return values.length - 1; },
      equation(result, operands, again) { equations.push([result, operands, again]); },
      fit() {
        const digits = values.map(() => DIGITS);
        let changed = true;
        while (changed) {
          changed = false;
          for (const [result, operands, again] of equations) {
            if (holds(values, digits, result, operands, again)) continue;
            for (const k of operands) if (digits[k] < MAX_DIGITS) { digits[k] += 1; changed = true; }
          }
        }
        return (place, operand) => {
          const text = sig(values[place], digits[place]);
          return operand && text[0] === "-" ? `(${text})` : text;
        };
      },
    };
  }
  function parse(text) {
    return text === "nan" ? NaN : text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text);
  }
  function holds(values, digits, result, operands, again) {
    const got = again(...operands.map((k) => parse(sig(values[k], digits[k]))));
    return sig(got, digits[result]) === sig(values[result], digits[result]);
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

  // A leaf under a custom op is read-only: the page cannot recompute that op. So is one
  // under an op that chooses among its operands by value: the graph's shape follows the data.
  const WHY = {
    custom: "it feeds a custom op, which the page cannot compute",
    chooses: "it feeds an op that picks among its inputs by value, so the graph's shape depends on the data",
  };
  const readOnly = new Array(count).fill(null); // null, or why not
  for (const reason of ["chooses", "custom"]) {
    const stack = [];
    for (let i = 0; i < count; i++) if (nodes[i][reason]) stack.push(i);
    const seen = new Uint8Array(count);
    while (stack.length) {
      const i = stack.pop();
      if (seen[i]) continue;
      seen[i] = 1;
      if (isLeaf[i] && readOnly[i] === null) readOnly[i] = WHY[reason];
      for (const a of nodes[i].args || []) if (typeof a === "number") stack.push(a);
    }
  }
  const fixedValue = (node) => node.custom || node.chooses;

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
      if (fixedValue(node)) { data[i] = number(node.value); continue; }
      const op = OPS[node.op];
      const xs = operandData(i, data);
      const problem = op.check ? op.check(xs) : null;
      if (problem !== null) problems.push(`${node.name}: ${problem}`);
      data[i] = op.forward(xs);
    }
    const fixedOnPath = graph.forward.find((i) => fixedValue(nodes[i]));
    return { data, problems, fixedOnPath: fixedOnPath === undefined ? null : fixedOnPath };
  }

  // --- differentiate: the backward pass, one chain-rule step per node ------------
  // Each step's edges are kept (parent, local derivative, parent's grad after),
  // so any position can be shown by replaying them.
  function differentiate(data) {
    const grad = new Float64Array(count);
    const steps = graph.backward;
    const upstream = new Float64Array(steps.length);
    const first = new Int32Array(steps.length + 1);
    const parent = [], local = [], after = [], before = [], position = [];
    if (steps.length) grad[graph.root] = 1;
    for (let s = 0; s < steps.length; s++) {
      const i = steps[s];
      const node = nodes[i];
      const up = grad[i];
      upstream[s] = up;
      first[s] = parent.length;
      let locals;
      const fixed = fixedValue(node);
      if (fixed) locals = customLocals[i];
      else locals = OPS[node.op].local(operandData(i, data), data[i]);
      let k = 0;
      node.args.forEach((a, at) => {
        if (typeof a !== "number") return; // a folded number gets no gradient
        const d = fixed ? locals[k++] : locals[at];
        before.push(grad[a]);
        grad[a] += d * up;
        parent.push(a); local.push(d); after.push(grad[a]); position.push(at);
      });
    }
    first[steps.length] = parent.length;
    const updated = graph.params.map((p) => data[p] - graph.lr * grad[p]);
    // One step: the forward pass again with the updated parameters, and the new loss.
    let newLoss = null;
    if (graph.params.length) {
      const moved = values.slice();
      graph.params.forEach((p, u) => { moved[p] = updated[u]; });
      const again = evaluate(moved);
      newLoss = again.fixedOnPath === null ? again.data[graph.root] : null;
    }
    return { grad, upstream, first, parent, local, after, before, position, updated, newLoss };
  }

  // --- The timeline: state at any position ----------------------------------------
  // start, one forward step per node, one backward step per node, one update per
  // parameter, then (with updates) one position for the new loss.
  const F = graph.forward.length, B = graph.backward.length, U = graph.params.length;
  const total = F + B + U + (U ? 1 : 0);
  let values = leafValue.slice();
  let forward = evaluate(values);
  let backward = differentiate(forward.data);
  let position = 0;
  let selected = leaves.find((i) => !readOnly[i]) ?? (leaves.length ? leaves[0] : -1);

  function phaseOf(k) {
    if (k === 0) return "start";
    return k <= F ? "forward" : k <= F + B ? "backward" : k <= F + B + U ? "update" : "loss";
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
    const updates = Math.max(0, Math.min(k - F - B, U));
    for (let u = 0; u < updates; u++) data[graph.params[u]] = backward.updated[u];
    const loss = k > F + B + U ? backward.newLoss : k >= F ? forward.data[graph.root] : null;
    return { data, grad, loss };
  }

  // The local derivative d(node)/d(operand at) as trace.local_formula writes it: the
  // catalogue's formula, then with numbers, then its value, each form once.
  function localFormula(i, at, d, numbers, data) {
    const node = nodes[i];
    const value = numbers.add(d);
    const op = node.custom ? null : graph.ops[node.op];
    const table = OPS[node.op];
    const template = op && table ? templateOf(op, at, node.args.length) : null;
    if (template === null) return { forms: (write) => write(value), value };
    const xs = operandData(i, data);
    const n = xs.length;
    const used = templateOperands(n, at);
    const places = used.map((k) => numbers.add(k === n ? data[i] : xs[k]));
    numbers.equation(value, places, (...printed) => { // the op's own rule on the printed numbers
      const full = xs.slice();
      used.forEach((k, j) => { if (k < n) full[k] = printed[j]; });
      return table.local(full, printed[used.indexOf(n)])[at];
    });
    const forms = (write) => {
      const shown = {}, symbols = {};
      used.forEach((k, j) => {
        shown[k] = write(places[j], true);
        const a = k === n ? i : node.args[k];
        symbols[k] = typeof a === "number" ? nodes[a].name : shown[k];
      });
      const all = [fill(template, fieldsOf(symbols, n, at)), fill(template, fieldsOf(shown, n, at)), write(value)];
      const last = all[2];
      return all.filter((f, k) => k === 0 || (f !== all[k - 1] && f !== `(${last})`)).join(STEP.between_forms);
    };
    return { forms, value };
  }
  function templateOf(op, at, n) {
    const formula = op.formula;
    if (formula === null) return null;
    if (typeof formula === "string") return formula;
    if (op.arity === 2) return formula[at];
    if (formula.length === 1) return formula[0];
    const half = (n - 1) / 2;
    return formula[at < half ? 0 : at < 2 * half ? 1 : 2];
  }
  function partnerOf(n, at) { // linear's (weights, inputs, bias): a weight's input, an input's weight
    const half = Math.floor((n - 1) / 2);
    if (n <= 2 || at >= 2 * half) return null;
    return at < half ? at + half : at - half;
  }
  function templateOperands(n, at) {
    const partner = partnerOf(n, at);
    return [...new Set([0, n - 1, ...(partner === null ? [] : [partner]), n])];
  }
  function fieldsOf(written, n, at) {
    const fields = { a: written[0], b: written[n - 1], out: written[n] };
    const partner = partnerOf(n, at);
    if (partner !== null) fields.x = fields.w = written[partner];
    return fields;
  }

  // The text of position k as lines: a backward step's head, then one line per edge;
  // textOf joins them as str(step) does, the panel one to a line.
  function linesOf(k) {
    const data = forward.data;
    if (k === 0) return [TEXT.start];
    if (k <= F) {
      const i = graph.forward[k - 1];
      const node = nodes[i];
      const numbers = Numbers();
      const xs = operandData(i, data);
      const places = xs.map((x) => numbers.add(x));
      const value = numbers.add(data[i]);
      const op = node.custom ? null : graph.ops[node.op];
      if (op && (op.arity === 1 || op.arity === 2)) {
        numbers.equation(value, places, (...ys) => OPS[node.op].forward(ys));
      }
      const write = numbers.fit();
      const fields = {
        symbol: node.symbol, a: write(places[0], true), b: write(places[places.length - 1], true),
        args: places.map((p) => write(p)).join(TEXT.between_args),
      };
      const shown = fill(TEXT[node.notation], fields);
      return [fill(TEXT.forward, { name: node.name, formula: node.formula, numbers: shown, value: write(value) })];
    }
    if (k <= F + B) {
      const s = k - F - 1;
      const i = graph.backward[s];
      const node = nodes[i];
      const numbers = Numbers();
      const upstream = numbers.add(backward.upstream[s]);
      const first = backward.first[s], end = backward.first[s + 1];
      const last = Math.min(end, first + STEP.max_edges); // a long sum spells out only the first few
      const edges = [];
      for (let e = first; e < last; e++) {
        const local = localFormula(i, backward.position[e], backward.local[e], numbers, data);
        const product = numbers.add(backward.local[e] * backward.upstream[s]);
        const before = numbers.add(backward.before[e]), after = numbers.add(backward.after[e]);
        numbers.equation(product, [upstream, local.value], (x, y) => x * y);
        numbers.equation(after, [before, product], (x, y) => x + y);
        edges.push({ e, local, product, before, after });
      }
      const write = numbers.fit();
      const head = fill(STEP.head, { name: node.name, formula: node.formula, root: rootName, upstream: write(upstream) });
      const lines = edges.map(({ e, local, product, before, after }) => fill(STEP.edge, {
        root: rootName, parent: nodes[backward.parent[e]].name, name: node.name,
        local: local.forms(write), up: write(upstream, true), lv: write(local.value, true),
        product: write(product), before: write(before, true), term: write(product, true),
        after: write(after),
      }));
      if (end > last) lines.push(fill(STEP.more, { count: (end - last).toLocaleString("en-US") }));
      return [head, ...lines];
    }
    if (k <= F + B + U) {
      const u = k - F - B - 1;
      const p = graph.params[u];
      const numbers = Numbers();
      const places = [data[p], graph.lr, backward.grad[p], backward.updated[u]].map((x) => numbers.add(x));
      numbers.equation(places[3], places.slice(0, 3), (d, r, g) => d - r * g);
      const write = numbers.fit();
      return [fill(TEXT.update, {
        name: nodes[p].name, data: write(places[0]), lr: write(places[1], true),
        grad: write(places[2], true), new: write(places[3]),
      })];
    }
    if (backward.newLoss === null) return [fill(TEXT.loss_unknown, { name: nodes[forward.fixedOnPath].name })];
    const numbers = Numbers();
    const before = numbers.add(data[graph.root]), after = numbers.add(backward.newLoss);
    const write = numbers.fit();
    return [fill(TEXT.loss, { before: write(before), after: write(after) })];
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
    if (k <= F + B + U) return { node: graph.params[k - F - B - 1], parents: [] };
    return { node: graph.root, parents: [] };
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
    const networkShown = coarse();
    pane.hidden = networkShown;
    netPane.hidden = !networkShown;
    $("close").hidden = !opened;
    $("granularity").textContent = `view: ${opened ? opened.n.name : coarse() ? (NET ? "neurons" : "time steps") : "nodes"}`;
    if (networkShown) { (NET ? renderNetwork : renderTime)(npos); renderPanel(); return; }
    if (!viewOpened) { viewOpened = true; nodeView.open(boxes[graph.root]); }
    const k = position;
    const state = snapshot(k);
    let largest = 0;
    for (const g of state.grad) if (g !== null && Number.isFinite(g)) largest = Math.max(largest, Math.abs(g));
    for (let i = 0; i < count; i++) {
      if (!boxes[i]) continue;
      const d = state.data[i], g = state.grad[i];
      setText(dataText[i], shown.data, i, d === null ? "data" : `data ${short(d)}`);
      setText(gradText[i], shown.grad, i, g === null ? "grad" : `grad ${short(g)}`);
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
      // Keep the step's node and its operands in view (once per move: it lays the page out).
      if (i !== scrolledTo) {
        scrolledTo = i;
        nodeView.keepInView([boxes[i], ops[i], ...focus.parents.map((p) => boxes[p])].filter(Boolean));
      }
    }
    if (quiz.on && k > F && k <= F + B) {
      for (const e of hiddenEdges(k)) setText(gradText[backward.parent[e]], shown.grad, backward.parent[e], "grad ?");
    }
    renderPanel();
  }

  // --- The view: which part of a picture its pane shows (the SVG's viewBox) ----------
  // A picture whose text stays at least READABLE px when shown whole is shown whole (never
  // enlarged past MOST_WHOLE); a larger one opens at full size around its output. The wheel
  // zooms about the pointer and dragging pans, in the node view and in the network diagram.
  const READABLE = 10, MOST_WHOLE = 1.5, MARGIN = 16;
  function Viewport(pane, picture) {
    const whole = picture.viewBox.baseVal;
    const W = whole.width, H = whole.height, X0 = whole.x, Y0 = whole.y;
    const text = picture.querySelector("text");
    const font = (text && (Number(text.getAttribute("font-size")) || parseFloat(getComputedStyle(text).fontSize))) || 14;
    picture.removeAttribute("width");
    picture.removeAttribute("height");
    const view = { x: X0, y: Y0, scale: 1 };
    function apply() {
      const w = pane.clientWidth || 1, h = pane.clientHeight || 1;
      picture.setAttribute("viewBox", `${view.x} ${view.y} ${w / view.scale} ${h / view.scale}`);
    }
    function centreOn(cx, cy) { // a point of the picture, in its own units, to the pane's centre
      view.x = cx - pane.clientWidth / view.scale / 2;
      view.y = cy - pane.clientHeight / view.scale / 2;
      apply();
    }
    function wholeScale() { return Math.min(pane.clientWidth / W, pane.clientHeight / H) * 0.98; }
    function showWhole() {
      view.scale = Math.min(MOST_WHOLE, wholeScale());
      centreOn(X0 + W / 2, Y0 + H / 2);
    }
    function toPicture(x, y) { // a point on the screen, in the picture's units
      const r = picture.getBoundingClientRect();
      return [view.x + (x - r.left) / view.scale, view.y + (y - r.top) / view.scale];
    }
    function bounds(elements) {
      const rects = elements.map((el) => el.getBoundingClientRect());
      return {
        left: Math.min(...rects.map((r) => r.left)), right: Math.max(...rects.map((r) => r.right)),
        top: Math.min(...rects.map((r) => r.top)), bottom: Math.max(...rects.map((r) => r.bottom)),
      };
    }
    function keepInView(elements) { // pan (and zoom out only if they cannot fit) to show them
      if (!elements.length) return;
      const b = bounds(elements), p = picture.getBoundingClientRect();
      // already inside (a whole picture's edge may touch the pane's): leave the view alone
      if (b.left >= p.left - 1 && b.right <= p.right + 1 && b.top >= p.top - 1 && b.bottom <= p.bottom + 1) return;
      const [cx, cy] = toPicture((b.left + b.right) / 2, (b.top + b.bottom) / 2);
      const room = Math.min((p.width - 2 * MARGIN) / (b.right - b.left || 1), (p.height - 2 * MARGIN) / (b.bottom - b.top || 1));
      if (room < 1) view.scale *= room;
      centreOn(cx, cy);
    }
    function fitTo(elements) { // zoom and pan so these elements fill the pane
      if (!elements.length) return;
      const b = bounds(elements), p = picture.getBoundingClientRect();
      const [cx, cy] = toPicture((b.left + b.right) / 2, (b.top + b.bottom) / 2);
      const room = Math.min((p.width - 3 * MARGIN) / (b.right - b.left || 1), (p.height - 3 * MARGIN) / (b.bottom - b.top || 1));
      view.scale = Math.min(MOST_WHOLE, view.scale * room);
      centreOn(cx, cy);
    }
    function readable() { return font * view.scale >= READABLE; }
    function around(element) { // full size (at least readable), centred on an element
      const r = element.getBoundingClientRect();
      const [cx, cy] = toPicture((r.left + r.right) / 2, (r.top + r.bottom) / 2);
      view.scale = Math.max(READABLE / font, 1);
      centreOn(cx, cy);
    }
    function open(output) { // whole if its text stays readable, else around the output
      view.x = X0; view.y = Y0; view.scale = 1; apply();
      if (font * wholeScale() >= READABLE) showWhole();
      else around(output);
    }
    pane.addEventListener("wheel", (event) => {
      event.preventDefault();
      const [px, py] = toPicture(event.clientX, event.clientY);
      view.scale = Math.min(8, Math.max(0.02, view.scale * Math.exp(-event.deltaY * 0.0015)));
      const r = picture.getBoundingClientRect(); // the point under the pointer stays put
      view.x = px - (event.clientX - r.left) / view.scale;
      view.y = py - (event.clientY - r.top) / view.scale;
      apply();
    }, { passive: false });
    // A drag starts once the pointer has moved a few px, so a click still reaches a box.
    let drag = null;
    pane.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, moved: false, id: event.pointerId };
    });
    pane.addEventListener("pointermove", (event) => {
      if (drag === null) return;
      if (!drag.moved && Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < 4) return;
      if (!drag.moved) { drag.moved = true; pane.setPointerCapture(drag.id); pane.classList.add("dragging"); }
      view.x = drag.vx - (event.clientX - drag.x) / view.scale;
      view.y = drag.vy - (event.clientY - drag.y) / view.scale;
      apply();
    });
    const stop = () => {
      if (drag !== null && drag.moved) { // the click that ends a drag is not a click on a box
        pane.addEventListener("click", (e) => e.stopPropagation(), { capture: true, once: true });
        setTimeout(() => pane.classList.remove("dragging"), 0);
      }
      drag = null;
    };
    pane.addEventListener("pointerup", stop);
    pane.addEventListener("pointercancel", () => { drag = null; pane.classList.remove("dragging"); });
    window.addEventListener("resize", apply);
    return { view, apply, centreOn, showWhole, keepInView, fitTo, readable, around, open, font };
  }
  const pane = document.getElementById("graph");
  const nodeView = Viewport(pane, svg);
  let viewOpened = false;

  // --- Quiz: each backward step's results stay hidden until the learner types them ----
  // In the node view, one question per edge: the parent's gradient after the step. In the
  // neuron view, one per neuron: its δ = dL/dnet (its weights' gradients follow from it, so
  // they stay hidden too). Within 1% is right; one score for both.
  const quiz = { on: false, answered: new Set(), neurons: new Set(), asked: 0, right: 0, last: "" };
  function hiddenEdges(k) {
    const s = k - F - 1, out = [];
    for (let e = backward.first[s]; e < backward.first[s + 1]; e++) if (!quiz.answered.has(e)) out.push(e);
    return out;
  }
  function quizState() { return { on: quiz.on, asked: quiz.asked, right: quiz.right }; }
  function setQuiz(on) {
    quiz.on = Boolean(on);
    document.getElementById("quiz").textContent = quiz.on ? "quiz: on" : "quiz: off";
    document.getElementById("ask").hidden = !quiz.on;
    scrolledTo = -1;
    render();
    return quizState();
  }
  // The neuron the neuron view asks about here (its δ not yet answered), or null.
  function askedNeuron() {
    if (!NET || !coarse()) return null;
    const s = nsteps[npos];
    return s.kind === "backward" && !quiz.neurons.has(s.n.name) ? s.n : null;
  }
  function atBackwardStep() {
    return coarse() ? csteps[npos].kind === "backward" : position > F && position <= F + B;
  }
  function pendingQuestion() { // is something hidden here that answer() would check?
    if (!quiz.on || !atBackwardStep()) return false;
    return coarse() ? askedNeuron() !== null : hiddenEdges(position).length > 0;
  }
  function mark(x, expected) {
    const value = typeof x === "number" ? x : Number(x);
    const correct = Number.isNaN(expected) ? Number.isNaN(value)
      : Math.abs(value - expected) <= 0.01 * Math.abs(expected) || value === expected;
    quiz.asked += 1;
    if (correct) quiz.right += 1;
    return correct;
  }
  function answer(x) {
    const k = position;
    if (!quiz.on) throw new Error("answer: quiz mode is off (quiz(true) turns it on)");
    if (coarse() && !NET) throw new Error("answer: the time-step view asks nothing; the quiz asks in the node view (granularity(\"node\"))");
    if (!atBackwardStep()) throw new Error("answer: the quiz asks at backward steps");
    if (coarse()) {
      const n = askedNeuron();
      if (n === null) throw new Error("answer: this step's question is answered; step on");
      const expected = deltaOf(n);
      const correct = mark(x, expected);
      quiz.neurons.add(n.name);
      const lines = backwardLines(n, false); // f'(net), then δ with its arithmetic
      quiz.last = correct ? `right: δ = ${short(expected)}` : `not quite: δ = ${short(expected)}\n${lines[1]}\n${lines[2]}`;
      render();
      return { correct, expected };
    }
    const pending = hiddenEdges(k);
    if (!pending.length) throw new Error("answer: this step's questions are answered; step on");
    const e = pending[0];
    const expected = backward.after[e];
    const correct = mark(x, expected);
    quiz.answered.add(e);
    const line = linesOf(k)[1 + e - backward.first[k - F - 1]] || "";
    quiz.last = correct ? `right: ${short(expected)}` : `not quite: ${short(expected)}\n${line}`;
    render();
    return { correct, expected };
  }

  const $ = (id) => document.getElementById(id);
  function currentPhase() {
    return coarse() ? NPHASE[csteps[npos].kind] : phaseOf(position);
  }
  function currentLines() {
    if (!coarse()) return linesOf(position);
    return NET ? neuronLines(npos, quiz.on) : timeLines(npos);
  }
  function renderPanel() {
    const k = position;
    const where = opened ? `${opened.n.name} opened · ` : "";
    $("phase").textContent = `${where}${currentPhase()} · step ${here()} of ${lastPosition()}`;
    // one chain-rule edge per line, so the arithmetic reads down the panel
    const lines = currentLines();
    if (quiz.on && granularity === "node" && k > F && k <= F + B) { // an unanswered edge keeps its product and total hidden
      const first = backward.first[k - F - 1];
      for (const e of hiddenEdges(k)) {
        if (1 + e - first < lines.length) lines[1 + e - first] = lines[1 + e - first].replace(/ = [^=,]*, total .*$/, " = ?, total ?");
      }
      const pending = hiddenEdges(k);
      $("question").textContent = pending.length
        ? `d${rootName}/d${nodes[backward.parent[pending[0]]].name} after this step?` : "all answered: step on";
    } else if (quiz.on && atBackwardStep()) {
      const n = askedNeuron();
      $("question").textContent = n ? `${n.name}: δ = d${rootName}/dnet?` : "answered: step on";
    } else if (quiz.on) $("question").textContent = "the quiz asks at backward steps";
    $("score").textContent = quiz.on ? `${quiz.right} of ${quiz.asked} right${quiz.last ? "\n" + quiz.last : ""}` : "";
    $("text").textContent = lines.join("\n  ");
    $("problems").textContent = forward.problems.join("\n");
    $("position").textContent = `${here()} / ${lastPosition()}`;
    $("scrubber").max = String(lastPosition());
    $("scrubber").value = String(here());
    renderDiagnostics(here());
    $("play").textContent = timer === null ? "▶ play" : "❚❚ pause";
    renderCheck();
  }

  // Finite differences for the selected leaf, beside its backprop gradient.
  function renderCheck() {
    if (selected < 0) return;
    const name = nodes[selected].name;
    if (readOnly[selected]) { // the page cannot redo the forward pass from this leaf
      $("fd").textContent = `${name}: backprop d${rootName}/d${name} = ${backward.grad[selected]}\n` +
        `no finite difference here: ${name} is read-only (${readOnly[selected]})`;
      return;
    }
    const x = values[selected];
    const h = 1e-6 * Math.max(1, Math.abs(x));
    const shifted = values.slice();
    shifted[selected] = x + h;
    const plus = evaluate(shifted).data[graph.root];
    shifted[selected] = x - h;
    const minus = evaluate(shifted).data[graph.root];
    const estimate = (plus - minus) / (2 * h);
    $("fd").textContent =
      `${name}: backprop d${rootName}/d${name} = ${backward.grad[selected]}\n` +
      `(L(x+h) - L(x-h)) / 2h = ${estimate}   (h = ${h.toExponential(1)})`;
  }

  // --- The network view: layers of neurons, backprop as the delta rule ---------------
  // Python found each neuron's nodes in the graph (its net and out, its weights and bias);
  // every number here comes from the same forward and backward passes as the node view.
  const NET = graph.network; // null without a model made of neurons
  const NT = TEXT.network;
  const neurons = []; // every neuron, layer by layer: {l, j, name, activation, net, out, ...}
  if (NET) NET.layers.forEach((layer, l) => layer.neurons.forEach((n, j) => neurons.push({ ...n, l, j })));
  const neuronByName = new Map(neurons.map((n) => [n.name, n]));
  // a node's forward position (1-based) and backward position (1-based, after F)
  const fpos = new Int32Array(count), bpos = new Int32Array(count);
  graph.forward.forEach((i, s) => { fpos[i] = s + 1; });
  graph.backward.forEach((i, s) => { bpos[i] = s + 1; });
  const paramAt = new Map(graph.params.map((p, u) => [p, u]));
  for (const n of neurons) { // the node positions at which it is known (for the node view)
    n.fwdAt = Math.max(...n.nodes.map((i) => fpos[i]));
    n.bwdAt = F + Math.max(...n.nodes.map((i) => bpos[i]));
  }
  // The neuron timeline: start, one forward step per neuron layer by layer, the loss, one
  // backward step per neuron from the output back, one update per layer, the new loss.
  // Each step also has the node position it corresponds to (for state().nodes and the loss).
  const nsteps = [{ kind: "start", at: 0 }];
  if (NET) {
    for (const n of neurons) nsteps.push({ kind: "forward", n, at: n.fwdAt });
    nsteps.push({ kind: "loss", at: F });
    for (let l = NET.layers.length - 1; l >= 0; l--) {
      for (const n of neurons) if (n.l === l) nsteps.push({ kind: "backward", n, at: n.bwdAt });
    }
    const inLayer = new Set();
    NET.layers.forEach((layer, l) => {
      const ps = [];
      for (const n of neurons) if (n.l === l) for (const p of [...n.weights, ...(n.bias === null ? [] : [n.bias])]) if (paramAt.has(p)) { ps.push(p); inLayer.add(p); }
      if (ps.length) nsteps.push({ kind: "update", l, params: ps, at: F + B + 1 + Math.max(...ps.map((p) => paramAt.get(p))) });
    });
    const rest = graph.params.filter((p) => !inLayer.has(p));
    if (rest.length) nsteps.push({ kind: "update", l: -1, params: rest, at: F + B + U });
    if (U) nsteps.push({ kind: "newloss", at: total });
    let most = 0;
    for (const s of nsteps) { most = Math.max(most, s.at); s.at = most; }
    nsteps.forEach((s, k) => { if (s.n) s.n[s.kind === "forward" ? "fwdStep" : "bwdStep"] = k; });
  }
  const NPHASE = { start: "start", forward: "forward", loss: "forward", backward: "backward", weights: "backward", update: "update", newloss: "loss" };

  function slopeOf(act, out) {
    if (act === "relu") return step(out);
    if (act === "tanh") return 1 - out * out;
    if (act === "sigmoid") return out * (1 - out);
    return 1;
  }
  function netOf(n) { return n.fused ? linearSum(operandData(n.net, forward.data)) : forward.data[n.net]; }
  function deltaOf(n) { return n.fused ? backward.grad[n.out] * step(forward.data[n.out]) : backward.grad[n.net]; }
  function flagsOf(n) {
    const net = netOf(n), out = forward.data[n.out];
    if (n.activation === "relu" && net <= 0) return ["dead"];
    if ((n.activation === "tanh" || n.activation === "sigmoid") && Math.abs(slopeOf(n.activation, out)) < 0.01) return ["saturated"];
    return [];
  }
  function inputValue(l, i) { // the value weight i of a layer-l neuron multiplies
    const x = NET.layers[l].inputs[i];
    return typeof x === "number" ? forward.data[x] : number(x[0]);
  }
  function inputName(l, i) {
    return l === 0 ? NET.inputs[i].name : `${NET.layers[l - 1].neurons[i].name}.out`;
  }
  function layerNorm(l) { // sqrt of the sum of its parameters' squared gradients
    let s = 0;
    for (const n of neurons) if (n.l === l) for (const p of [...n.weights, ...(n.bias === null ? [] : [n.bias])]) s += backward.grad[p] * backward.grad[p];
    return Math.sqrt(s);
  }

  // Each neuron's {net, out, delta, flags} at neuron position k (or, with node positions,
  // at node position p): null until known.
  function neuronStates(known) {
    const out = {};
    for (const n of neurons) {
      const [f, b] = known(n);
      const net = f ? netOf(n) : null;
      Object.defineProperty(out, n.name, {
        value: { net, out: f ? forward.data[n.out] : null, delta: b ? deltaOf(n) : null, flags: f ? flagsOf(n) : null },
        enumerable: true, writable: true, configurable: true,
      });
    }
    return out;
  }
  const knownAtStep = (k) => (n) => [n.fwdStep <= k, n.bwdStep <= k];
  const knownAtNode = (p) => (n) => [p >= n.fwdAt, p >= n.bwdAt];

  // The text of neuron position k, as lines (the same numbers as the node view's).
  function vector(write, places) { return "[" + places.map((p) => write(p)).join(", ") + "]"; }
  // With quiz on, a backward step's δ (and what follows from it) is "?" until answered.
  function neuronLines(k, quizzing) {
    const s = nsteps[k], data = forward.data;
    if (s.kind === "start") return [TEXT.start];
    if (s.kind === "forward") {
      const n = s.n, numbers = Numbers();
      // the engine's order: the bias first, then each w·x, left to right
      const b = numbers.add(n.bias === null ? 0 : data[n.bias]);
      const ws = n.weights.map((w) => numbers.add(data[w]));
      const xs = n.weights.map((_, i) => numbers.add(inputValue(n.l, i)));
      const net = numbers.add(netOf(n)), out = numbers.add(data[n.out]);
      numbers.equation(net, [...ws, ...xs, b], (...ys) => linearSum(ys));
      if (n.activation !== "linear") numbers.equation(out, [net], (y) => OPS[n.activation].forward([y]));
      const sl = numbers.add(slopeOf(n.activation, data[n.out]));
      const write = numbers.fit();
      const terms = ws.map((w, i) => fill(NT.term, { w: write(w, true), x: write(xs[i], true) })).join(NT.between_terms);
      const activation = n.activation === "linear" ? NT.no_activation
        : fill(NT.activation, { f: n.activation, net: write(net) });
      const lines = [fill(NT.forward, { name: n.name, terms, bias: write(b, true), net: write(net), activation, out: write(out) })];
      for (const flag of flagsOf(n)) lines.push(flagLine(n, flag, write, net, sl));
      return lines;
    }
    if (s.kind === "loss") {
      const numbers = Numbers();
      const loss = numbers.add(data[graph.root]);
      const last = NET.layers[NET.layers.length - 1].neurons.map((n) => [n, numbers.add(data[n.out])]);
      const write = numbers.fit();
      const outputs = last.map(([n, p]) => fill(NT.output, { name: n.name, out: write(p) })).join(", ");
      return [fill(NT.loss, { name: rootName, loss: write(loss), outputs })];
    }
    if (s.kind === "backward") return backwardLines(s.n, Boolean(quizzing) && !quiz.neurons.has(s.n.name));
    if (s.kind === "update") return updateLines(s, s.l < 0 ? NT.other : NET.layers[s.l].name);
    return linesOf(total);
  }
  // One update step of a group of parameters (a layer, the cell, the others): p = p - lr × grad.
  function updateLines(s, what) {
    const data = forward.data, numbers = Numbers();
    const rate = numbers.add(graph.lr);
    const write = numbers.fit();
    const lines = [fill(NT.update_head, { layer: what, lr: write(rate) })];
    const shown = s.params.slice(0, 2 * STEP.max_edges);
    for (const p of shown) {
      const u = paramAt.get(p), nb = Numbers();
      const places = [data[p], graph.lr, backward.grad[p], backward.updated[u]].map((x) => nb.add(x));
      nb.equation(places[3], places.slice(0, 3), (d, r, g) => d - r * g);
      const w = nb.fit();
      lines.push(fill(TEXT.update, { name: nodes[p].name, data: w(places[0]), lr: w(places[1], true), grad: w(places[2], true), new: w(places[3]) }));
    }
    if (s.params.length > shown.length) lines.push(fill(NT.more, { count: String(s.params.length - shown.length) }));
    return lines;
  }
  // A flag's line, its numbers written as the rest of its text writes them (or on their own).
  function flagLine(n, flag, write, net, sl) {
    if (write === undefined) {
      const numbers = Numbers();
      net = numbers.add(netOf(n));
      sl = numbers.add(slopeOf(n.activation, forward.data[n.out]));
      write = numbers.fit();
    }
    return fill(NT[flag], { name: n.name, f: n.activation, net: write(net), s: write(sl) });
  }
  // A neuron's backward step: dL/dout, f'(net), δ, each weight's gradient and (for a layer's
  // last neuron) the layer as vectors. dL/dout, f'(net) and δ are one set of numbers, so they
  // read the same in the lines that carry them; each weight's line and the vectors have their
  // own (δ shared by every weight's line would need the figures of the hardest of them all).
  // With hidden (the quiz), δ and what gives it away (each dL/dw, the layer's norm) are "?".
  function backwardLines(n, hidden) {
    const data = forward.data, m = n.weights.length, lines = [];
    const delta = deltaOf(n);
    const veil = (write, secret) => (place, operand) => (hidden && secret.includes(place) ? "?" : write(place, operand));
    const next = n.l + 1 < NET.layers.length ? neurons.filter((k) => k.l === n.l + 1) : null;
    const numbers = Numbers();
    const mine = slopePlaces(numbers, n);
    const { g: gp, s: sl, delta: dp } = mine;
    let pairs = null;
    if (next !== null) { // dL/dout = Σ_k w_kj δ_k, over the next layer
      pairs = next.map((k) => [numbers.add(data[k.weights[n.j]]), numbers.add(deltaOf(k))]);
      numbers.equation(gp, pairs.flat(), (...ys) => { let acc = 0; for (let t = 0; t < ys.length; t += 2) acc += ys[t] * ys[t + 1]; return acc; });
    }
    const write = veil(numbers.fit(), [dp]);
    if (next === null) lines.push(fill(NT.from_loss, { name: n.name, root: rootName, g: write(gp) }));
    else {
      const terms = pairs.map(([w, d]) => fill(NT.term, { w: write(w, true), x: write(d, true) })).join(NT.between_terms);
      lines.push(fill(NT.from_next, { name: n.name, root: rootName, terms, g: write(gp) }));
    }
    const fields = { f: n.activation, out: write(mine.out, true), net: write(mine.net), s: write(sl), compare: netOf(n) > 0 ? ">" : "≤" };
    lines.push(fill(NT.slope[n.activation], fields));
    lines.push(fill(NT.delta, { root: rootName, s: write(sl, true), g: write(gp, true), delta: write(dp) }));
    for (let i = 0; i < m; i++) { // each weight's gradient: δ × its input
      const own = Numbers(), x = inputValue(n.l, i);
      const d = own.add(delta), xp = own.add(x), gw = own.add(delta * x);
      own.equation(gw, [d, xp], (a, b) => a * b);
      const w = veil(own.fit(), [d, gw]);
      lines.push(fill(NT.weight, { root: rootName, w: nodes[n.weights[i]].name, input: inputName(n.l, i), delta: w(d, true), x: w(xp, true), g: w(gw) }));
    }
    if (n.bias !== null) lines.push(fill(NT.bias, { root: rootName, b: nodes[n.bias].name, delta: write(dp) }));
    for (const flag of flagsOf(n)) lines.push(flagLine(n, flag, write, mine.net, sl));
    const layer = neurons.filter((k) => k.l === n.l);
    if (n === layer[layer.length - 1]) { // the layer as vectors
      const own = Numbers();
      const each = layer.map((k) => slopePlaces(own, k)), norm = own.add(layerNorm(n.l));
      const w = veil(own.fit(), [each[each.length - 1].delta, norm]);
      lines.push(...matrixLines(n.l, next, w, { each, norm, rows: layer.length, cols: layer[0].weights.length }));
    }
    return lines;
  }
  // A neuron's dL/dout, out, net, f'(net) and δ as places of numbers, with their equations:
  // f'(net) from out (tanh, sigmoid), and δ = f'(net) × dL/dout.
  function slopePlaces(numbers, k) {
    const out = forward.data[k.out];
    const g = numbers.add(backward.grad[k.out]), o = numbers.add(out), net = numbers.add(netOf(k));
    const s = numbers.add(slopeOf(k.activation, out));
    if (k.activation === "tanh" || k.activation === "sigmoid") numbers.equation(s, [o], (y) => slopeOf(k.activation, y));
    const delta = numbers.add(deltaOf(k));
    numbers.equation(delta, [s, g], (a, b) => a * b);
    return { g, out: o, net, s, delta };
  }
  function matrixLines(l, next, write, vectors) {
    const fields = {
      layer: NET.layers[l].name, next: next === null ? "" : NET.layers[l + 1].name, root: rootName,
      g: vector(write, vectors.each.map((e) => e.g)), s: vector(write, vectors.each.map((e) => e.s)),
      delta: vector(write, vectors.each.map((e) => e.delta)),
      rows: String(vectors.rows), cols: String(vectors.cols), norm: write(vectors.norm),
    };
    return [fill(next === null ? NT.matrix_output : NT.matrix_hidden, fields), fill(NT.matrix_weights, fields)];
  }

  // --- The network diagram: inputs, one column per layer, one circle per neuron ----------
  const SVGNS = svg.namespaceURI; // the graph's picture is SVG too
  const netPane = document.getElementById("network");
  let diagram = null; // built on first show, to fill the pane or more (then it pans and zooms)
  let netView = null;
  function make(tag, attrs, parent) {
    const el = document.createElementNS(SVGNS, tag);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
    if (parent) parent.append(el);
    return el;
  }
  function buildDiagram() {
    const columns = [NET.inputs.map((x) => ({ name: x.name })), ...NET.layers.map((layer, l) => neurons.filter((n) => n.l === l)), [{ name: rootName }]];
    const top = 44, bottom = 40, left = 60, right = 150;
    const most = Math.max(...columns.map((c) => c.length));
    // a circle's three lines of text need 44 px, its labels 190 px across: a bigger network
    // is drawn bigger than the pane, and opens around its output
    const paneW = Math.max(netPane.clientWidth, 400), paneH = Math.max(netPane.clientHeight, 300);
    const gap = Math.max(44, Math.min(110, (paneH - top - bottom) / Math.max(1, most - 1)));
    const dx = Math.max(190, (paneW - left - right) / (columns.length - 1));
    const w = left + right + dx * (columns.length - 1), h = Math.max(paneH, top + bottom + gap * (most - 1));
    const root = make("svg", { viewBox: `0 0 ${w} ${h}`, class: "network" }, netPane);
    const radius = Math.max(6, Math.min(16, gap * 0.28));
    const place = columns.map((c, col) => c.map((_, r) => [left + col * dx, top + (h - top - bottom) / 2 + (r - (c.length - 1) / 2) * gap]));
    const edgeLayer = make("g", {}, root), nodeLayer = make("g", {}, root);
    const edges = []; // {el, from: [col, r], n, i}
    NET.layers.forEach((layer, l) => {
      neurons.filter((n) => n.l === l).forEach((n) => n.weights.forEach((p, i) => {
        const [x1, y1] = place[l][i], [x2, y2] = place[l + 1][n.j];
        edges.push({ el: make("line", { x1, y1, x2, y2, class: "weight" }, edgeLayer), n, i, p });
      }));
    });
    const last = columns.length - 1;
    place[last - 1].forEach(([x1, y1]) => make("line", { x1, y1, x2: place[last][0][0], y2: place[last][0][1], class: "to-loss" }, edgeLayer));
    columns.forEach((c, col) => {
      const header = col === 0 ? NT.inputs_header : col === last ? NT.loss_header : NET.layers[col - 1].name;
      make("text", { x: place[col][0][0], y: 18, class: "header" }, root).textContent = header;
    });
    const cells = [];
    columns.forEach((c, col) => c.forEach((item, r) => {
      const [x, y] = place[col][r];
      const g = make("g", { class: col === 0 ? "input" : col === last ? "loss" : "neuron" }, nodeLayer);
      const shape = col === 0 ? make("rect", { x: x - radius, y: y - radius, width: 2 * radius, height: 2 * radius, rx: 3 }, g)
        : make("circle", { cx: x, cy: y, r: radius }, g);
      const label = make("text", { x: x + radius + 4, y: y - 5, class: "name" }, g);
      const values = make("text", { x: x + radius + 4, y: y + 7, class: "values" }, g);
      const delta = make("text", { x: x + radius + 4, y: y + 19, class: "values" }, g);
      label.textContent = item.name;
      const cell = { g, shape, values, delta, item, col, r };
      if (col > 0 && col < last) {
        g.addEventListener("click", () => { openNeuron(item.name); });
        make("title", {}, g).textContent = `${item.name} (${item.activation}): click to open its nodes`;
      }
      cells.push(cell);
    }));
    const legend = make("text", { x: 8, y: h - 10, class: "legend" }, root);
    legend.textContent = NT.legend;
    diagram = { root, edges, cells };
    netView = Viewport(netPane, root);
    netView.open(cells[cells.length - 1].g);
  }

  function renderNetwork(k) {
    if (diagram === null) buildDiagram();
    const s = nsteps[k];
    const states = neuronStates(knownAtStep(k));
    const asked = quiz.on ? askedNeuron() : null; // its δ and its weights' gradients stay hidden
    if (asked) states[asked.name] = { ...states[asked.name], delta: null };
    const node = snapshot(s.at);
    let largestDelta = 0;
    for (const n of neurons) { const d = states[n.name].delta; if (d !== null && Number.isFinite(d)) largestDelta = Math.max(largestDelta, Math.abs(d)); }
    const current = s.n || null;
    for (const c of diagram.cells) {
      let text = "", cls = c.col === 0 ? "input" : "neuron";
      if (c.col === 0) {
        const x = NET.inputs[c.r];
        const v = x.node === null ? number(x.value) : forward.data[x.node];
        text = short(v);
      } else if (c.item.activation === undefined) {
        cls = "loss";
        text = node.loss === null ? "" : short(node.loss);
      } else {
        const st = states[c.item.name];
        if (st.net !== null) text = `net ${short(st.net)} · out ${short(st.out)}`;
        const d = c.item === asked ? "δ ?" : st.delta === null ? "" : `δ ${short(st.delta)}${st.flags.length ? " · " + st.flags.join(", ") : ""}`;
        if (c.delta.textContent !== d) c.delta.textContent = d;
        c.shape.style.fill = st.delta === null ? (st.net === null ? "#ffffff" : "#eeeeee") : gradColour(st.delta, largestDelta);
        if (st.flags && st.flags.length) cls += " " + st.flags.join(" ");
        if (current === c.item) cls += " current";
        if (current && s.kind === "backward" && current.l + 1 === c.item.l) cls += " source";
        if (current && s.kind === "forward" && current.l - 1 === c.item.l) cls += " source";
      }
      if (current && c.col === 0 && current.l === 0) cls += " source";
      c.g.setAttribute("class", cls);
      if (c.values.textContent !== text) c.values.textContent = text;
    }
    // edges: a weight's sign and size; once its gradient is known, the gradient's
    let largestW = 0, largestG = 0;
    for (const e of diagram.edges) {
      largestW = Math.max(largestW, Math.abs(forward.data[e.p]) || 0);
      if (e.n.bwdStep <= k && e.n !== asked) largestG = Math.max(largestG, Math.abs(backward.grad[e.p]) || 0);
    }
    for (const e of diagram.edges) {
      const byGrad = e.n.bwdStep <= k && e.n !== asked;
      const v = byGrad ? backward.grad[e.p] : forward.data[e.p];
      const big = byGrad ? largestG : largestW;
      const width = 0.4 + 3.6 * (big ? Math.min(1, Math.abs(v) / big) : 0);
      let cls = "weight " + (v > 0 ? "plus" : v < 0 ? "minus" : "zero") + (byGrad ? " grad" : "");
      if (current && ((s.kind === "forward" || s.kind === "backward") && e.n === current)) cls += " current";
      if (current && s.kind === "backward" && e.i === current.j && e.n.l === current.l + 1) cls += " current";
      e.el.setAttribute("class", cls);
      e.el.setAttribute("stroke-width", width.toFixed(2));
    }
  }

  // --- The time-step view: a recurrent cell unrolled, one box per time step ------------
  // Python found each call of the cell in the graph (its nodes, the state h_t it made);
  // every number comes from the same forward and backward passes as the node view.
  const REC = graph.recurrent; // null unless the model's cell was unrolled over a sequence
  const RT = TEXT.recurrent;
  const usedBy = []; // the nodes that read each node
  for (let i = 0; i < count; i++) usedBy.push([]);
  for (let i = 0; i < count; i++) for (const a of nodes[i].args || []) if (typeof a === "number") usedBy[a].push(i);
  const times = REC ? REC.steps.map((st, t) => ({
    ...st, t, weights: REC.params, bias: null,
    feeds: [...st.inputs, ...st.state].filter((x) => typeof x === "number"),
  })) : [];
  const timeOf = new Int32Array(count).fill(-1); // the time step that made each node
  for (const u of times) for (const i of u.nodes) timeOf[i] = u.t;
  for (const u of times) {
    u.fwdAt = Math.max(0, ...u.nodes.map((i) => fpos[i]));
    // dL/dh_t is complete once everything that reads h_t has passed its gradient back
    const readers = u.h.flatMap((i) => usedBy[i]);
    u.bwdAt = F + Math.max(1, ...readers.map((i) => bpos[i]));
    u.fromNext = readers.some((i) => timeOf[i] === u.t + 1);
    u.fromAfter = readers.some((i) => timeOf[i] !== u.t + 1) || u.h.includes(graph.root);
  }
  const tsteps = [{ kind: "start", at: 0 }];
  if (REC) {
    for (const u of times) tsteps.push({ kind: "forward", n: u, at: u.fwdAt });
    tsteps.push({ kind: "loss", at: F });
    for (let t = times.length - 1; t >= 0; t--) tsteps.push({ kind: "backward", n: times[t], at: times[t].bwdAt });
    tsteps.push({ kind: "weights", at: F + B });
    const cellParams = new Set(REC.params);
    const mine = graph.params.filter((p) => cellParams.has(p)), rest = graph.params.filter((p) => !cellParams.has(p));
    const after = (ps) => F + B + 1 + Math.max(...ps.map((p) => paramAt.get(p)));
    if (mine.length) tsteps.push({ kind: "update", l: 0, params: mine, at: after(mine) });
    if (rest.length) tsteps.push({ kind: "update", l: -1, params: rest, at: after(rest) });
    if (U) tsteps.push({ kind: "newloss", at: total });
    let most = 0;
    for (const st of tsteps) { most = Math.max(most, st.at); st.at = most; }
    tsteps.forEach((st, k) => { if (st.n) st.n[st.kind === "forward" ? "fwdStep" : "bwdStep"] = k; });
  }
  function norm(xs) { let s = 0; for (const x of xs) s += x * x; return Math.sqrt(s); }
  const hOf = (u) => u.h.map((i) => forward.data[i]);
  const dhOf = (u) => u.h.map((i) => backward.grad[i]);
  // Each box's {h, c, dh, norm} (h_t, c_t, dL/dh_t and its norm), null until known.
  function timeStates(known) {
    const out = {};
    for (const u of times) {
      const [f, b] = known(u);
      Object.defineProperty(out, u.name, {
        value: {
          h: f ? hOf(u) : null, c: f && u.c ? u.c.map((i) => forward.data[i]) : null,
          dh: b ? dhOf(u) : null, norm: b ? norm(dhOf(u)) : null,
        },
        enumerable: true, writable: true, configurable: true,
      });
    }
    return out;
  }
  function valuesOf(refs) { return refs.map((x) => (typeof x === "number" ? forward.data[x] : number(x[0]))); }
  // The text of time-step position k, as lines.
  function timeLines(k) {
    const st = tsteps[k], data = forward.data, T = times.length;
    if (st.kind === "start") return [TEXT.start];
    if (st.kind === "forward") {
      const u = st.n, numbers = Numbers();
      const hs = u.h.map((i) => numbers.add(data[i])), xs = valuesOf(u.inputs).map((x) => numbers.add(x));
      const ss = valuesOf(u.state).map((x) => numbers.add(x));
      const cs = u.c ? u.c.map((i) => numbers.add(data[i])) : null;
      const write = numbers.fit();
      const t = u.t + 1;
      const lines = [fill(RT.forward, { name: u.name, t, p: t - 1, cell: REC.cell, h: vector(write, hs), x: vector(write, xs), state: vector(write, ss) })];
      if (cs) lines.push(fill(RT.cell_state, { t, c: vector(write, cs) }));
      return lines;
    }
    if (st.kind === "loss") {
      const numbers = Numbers(), loss = numbers.add(data[graph.root]), write = numbers.fit();
      return [fill(RT.loss, { name: rootName, loss: write(loss), t: T })];
    }
    if (st.kind === "backward") return timeBackwardLines(st.n);
    if (st.kind === "weights") {
      const lines = [fill(RT.weights, { count: String(T) })];
      const tensors = new Map(); // weight_ih, weight_hh, bias_ih, bias_hh: each one's gradient
      for (const p of REC.params) {
        const name = nodes[p].name.replace(/\[.*$/, "");
        if (!tensors.has(name)) tensors.set(name, []);
        tensors.get(name).push(backward.grad[p]);
      }
      for (const [tensor, grads] of tensors) {
        const numbers = Numbers(), n = numbers.add(norm(grads)), write = numbers.fit();
        lines.push(fill(RT.tensor, { root: rootName, tensor, norm: write(n) }));
      }
      return lines;
    }
    if (st.kind === "update") return updateLines(st, st.l < 0 ? NT.other : REC.name ? `${RT.cell} (${REC.name})` : RT.cell);
    return linesOf(total);
  }
  function timeBackwardLines(u) {
    const t = u.t + 1, next = times[u.t + 1] || null, lines = [];
    const numbers = Numbers();
    const gs = dhOf(u).map((g) => numbers.add(g)), n = numbers.add(norm(dhOf(u)));
    const write = numbers.fit();
    const from = u.fromNext && u.fromAfter ? RT.from_both : u.fromNext ? RT.from_next : RT.from_after;
    lines.push(fill(from, { name: u.name, root: rootName, t, g: vector(write, gs), next: next ? next.name : "" }));
    if (next && u.fromNext && !u.fromAfter && REC.activation) { // the delta rule through time
      const own = Numbers();
      const hn = next.h.map((i) => forward.data[i]);
      const g = dhOf(next).map((x) => own.add(x));
      const sl = hn.map((h) => own.add(slopeOf(REC.activation, h)));
      const d = hn.map((h, j) => own.add(backward.grad[next.h[j]] * slopeOf(REC.activation, h)));
      d.forEach((place, j) => own.equation(place, [sl[j], g[j]], (a, b) => a * b));
      const w = own.fit();
      lines.push(fill(RT.delta, { root: rootName, n: t + 1, f: REC.activation, g: vector(w, g), s: vector(w, sl), delta: vector(w, d) }));
      lines.push(fill(RT.through, { root: rootName, t, n: t + 1 }));
    }
    lines.push(fill(RT.norm, { root: rootName, t, norm: write(n) }));
    if (next) {
      const own = Numbers();
      const a = own.add(norm(dhOf(u))), b = own.add(norm(dhOf(next))), r = own.add(norm(dhOf(u)) / norm(dhOf(next)));
      own.equation(r, [a, b], (x, y) => x / y);
      const w = own.fit();
      const ratio = norm(dhOf(u)) / norm(dhOf(next));
      lines.push(fill(RT.ratio, { root: rootName, t, n: t + 1, norm: w(a), next: w(b), ratio: w(r), trend: ratio < 1 ? RT.shrinks : RT.grows }));
    }
    return lines;
  }

  // --- The time-step diagram: one box per time step, in rows, then the loss -------------
  let timeDiagram = null;
  function buildTimeDiagram() {
    const margin = 24, boxW = 108, boxH = 66, gap = 34, rowGap = 40, top = 20;
    const paneW = Math.max(netPane.clientWidth, 400);
    const perRow = Math.max(2, Math.floor((paneW - 2 * margin + gap) / (boxW + gap)));
    const items = [...times, null]; // the loss after the last box
    const rows = Math.ceil(items.length / perRow);
    const w = 2 * margin + perRow * boxW + (perRow - 1) * gap, h = top + rows * (boxH + rowGap) + 30;
    const root = make("svg", { viewBox: `0 0 ${w} ${h}`, class: "network time" }, netPane);
    const at = (k) => [margin + (k % perRow) * (boxW + gap), top + Math.floor(k / perRow) * (boxH + rowGap)];
    const links = make("g", {}, root), layer = make("g", {}, root);
    const arrows = []; // arrows[t]: from box t-1 (or nothing) into box t; the last into the loss
    items.forEach((_, k) => {
      if (k === 0) return;
      const [x1, y1] = at(k - 1), [x2, y2] = at(k);
      const d = y1 === y2 ? `M ${x1 + boxW} ${y1 + boxH / 2} H ${x2}`
        : `M ${x1 + boxW / 2} ${y1 + boxH} V ${y1 + boxH + rowGap / 2} H ${x2 + boxW / 2} V ${y2}`;
      const path = make("path", { d, class: "flow" }, links);
      const [tx, ty, dir] = y1 === y2 ? [x2, y2 + boxH / 2, "right"] : [x2 + boxW / 2, y2, "down"];
      const head = dir === "right" ? `${tx},${ty} ${tx - 7},${ty - 4} ${tx - 7},${ty + 4}` : `${tx},${ty} ${tx - 4},${ty - 7} ${tx + 4},${ty - 7}`;
      const tip = make("polygon", { points: head, class: "flow" }, links);
      arrows[k] = { path, tip };
    });
    const cells = items.map((u, k) => {
      const [x, y] = at(k);
      const g = make("g", { class: u ? "box" : "loss" }, layer);
      const shape = u ? make("rect", { x, y, width: boxW, height: boxH, rx: 6 }, g)
        : make("circle", { cx: x + 18, cy: y + boxH / 2, r: 16 }, g);
      const lines = [0, 1, 2, 3].map((r) => make("text", { x: u ? x + 8 : x + 40, y: y + 15 + r * 15, class: r === 0 ? "name" : "values" }, g));
      lines[0].textContent = u ? u.name : rootName;
      if (u) {
        g.addEventListener("click", () => { openNeuron(u.name); });
        make("title", {}, g).textContent = `${u.name}: click to open its nodes`;
      }
      return { g, shape, lines, u };
    });
    const legend = make("text", { x: 8, y: h - 10, class: "legend" }, root);
    legend.textContent = RT.legend;
    timeDiagram = { root, cells, arrows };
    netView = Viewport(netPane, root);
    netView.open(cells[cells.length - 1].g);
  }
  function renderTime(k) {
    if (timeDiagram === null) buildTimeDiagram();
    const st = tsteps[k], states = timeStates(knownAtStep(k));
    const node = snapshot(st.at);
    const norms = times.map((u) => states[u.name].norm).filter((x) => x !== null && x > 0 && Number.isFinite(x));
    const lo = Math.log(Math.min(...norms)), hi = Math.log(Math.max(...norms));
    for (const c of timeDiagram.cells) {
      let cls = c.u ? "box" : "loss";
      const set = (r, text) => { if (c.lines[r].textContent !== text) c.lines[r].textContent = text; };
      if (!c.u) {
        set(1, node.loss === null ? "" : short(node.loss));
      } else {
        const sv = states[c.u.name];
        const xs = valuesOf(c.u.inputs);
        set(1, fill(RT.box_x, { x: xs.length <= 2 ? xs.map(short).join(", ") : `[${xs.length}]` }));
        set(2, sv.h === null ? "" : fill(RT.box_h, { norm: short(norm(sv.h)) }));
        set(3, sv.norm === null ? "" : fill(RT.box_g, { norm: short(sv.norm) }));
        // log scale: the gradients of a long sequence span many powers of ten
        let strength = 0;
        if (sv.norm !== null && sv.norm > 0 && Number.isFinite(sv.norm)) strength = hi > lo ? (Math.log(sv.norm) - lo) / (hi - lo) : 1;
        c.shape.style.fill = sv.norm === null ? (sv.h === null ? "#ffffff" : "#eeeeee") : gradColour(0.05 + strength, 1.05);
        if (st.n === c.u) cls += " current";
        if (st.kind === "backward" && st.n.t + 1 === c.u.t) cls += " source";
        if (st.kind === "forward" && st.n.t - 1 === c.u.t) cls += " source";
      }
      c.g.setAttribute("class", cls);
    }
    timeDiagram.arrows.forEach((a, j) => {
      if (!a) return;
      const lit = st.n && ((st.kind === "forward" && st.n.t === j) || (st.kind === "backward" && st.n.t + 1 === j));
      const back = st.kind === "backward" && lit;
      for (const el of [a.path, a.tip]) el.setAttribute("class", `flow${lit ? " current" : ""}${back ? " back" : ""}`);
    });
    const current = timeDiagram.cells.find((c) => c.u && c.u === st.n);
    if (current) netView.keepInView([current.g]);
  }

  // The diagnostics panel: flagged neurons and each layer's gradient norm, once known; for a
  // time-step view, each box's ‖dL/dh‖ once known.
  function renderDiagnostics(k) {
    const box = document.getElementById("diagnosis");
    if (!box) return;
    if (REC) {
      const states = coarse() ? timeStates(knownAtStep(k)) : timeStates(knownAtNode(position));
      const lines = [];
      for (let t = times.length - 1; t >= 0; t--) {
        const sv = states[times[t].name];
        if (sv.norm === null) continue;
        const numbers = Numbers(), n = numbers.add(sv.norm), write = numbers.fit();
        lines.push(fill(RT.diagnosis, { name: times[t].name, root: rootName, t: t + 1, norm: write(n) }));
      }
      box.textContent = lines.length ? lines.join("\n") : RT.no_diagnosis;
      return;
    }
    if (!NET) return;
    const states = coarse() ? neuronStates(knownAtStep(k)) : neuronStates(knownAtNode(position));
    const lines = [];
    for (const n of neurons) {
      const st = states[n.name];
      if (st.flags) for (const flag of st.flags) lines.push(flagLine(n, flag));
    }
    NET.layers.forEach((layer, l) => {
      const done = neurons.filter((n) => n.l === l).every((n) => states[n.name].delta !== null);
      if (done) {
        const numbers = Numbers(), norm = numbers.add(layerNorm(l)), write = numbers.fit();
        lines.push(fill(NT.norm, { layer: layer.name, norm: write(norm) }));
      }
    });
    box.textContent = lines.length ? lines.join("\n") : NT.no_diagnosis;
  }

  // --- Granularity, and a neuron opened into its scalar graph --------------------------
  // The coarse view: "neuron" with a network, "time" with an unrolled cell, else none.
  const COARSE = NET ? "neuron" : REC ? "time" : null;
  const csteps = NET ? nsteps : tsteps;
  let granularity = COARSE || "node";
  let npos = 0; // the position in the coarse view's timeline
  let opened = null; // {n, positions: node positions of its own steps, at}
  function coarse() { return COARSE !== null && granularity === COARSE && !opened; }
  function here() { return opened ? opened.at : coarse() ? npos : position; }
  function lastPosition() { return opened ? opened.positions.length - 1 : coarse() ? csteps.length - 1 : total; }
  function setGranularity(g) {
    if (g !== "neuron" && g !== "node" && g !== "time") throw new RangeError(`granularity: "neuron", "time" or "node", got ${g}`);
    if (g === "neuron" && !NET) throw new Error("granularity: this graph is not a network (explore(loss, model=model) makes one)");
    if (g === "time" && !REC) throw new Error("granularity: this graph is not a recurrent cell unrolled over a sequence (explore(loss, model=model) with an RNNCell, LSTMCell or GRUCell makes one)");
    if (opened) closeNeuron();
    if (g === COARSE && granularity === "node") { // the last coarse step at or before here
      npos = 0;
      for (let k = 0; k < csteps.length; k++) if (csteps[k].at <= position) npos = k;
    }
    granularity = g;
    if (g === COARSE) position = csteps[npos].at;
    scrolledTo = -1;
    render();
    return granularity;
  }
  // A neuron or a time step opened into its scalar graph, stepping through its own nodes.
  const unitByName = new Map([...neurons, ...times].map((u) => [u.name, u]));
  function openNeuron(name) {
    const n = unitByName.get(name);
    if (n === undefined) throw new Error(`open: no ${REC ? "time step" : "neuron"} named ${JSON.stringify(name)}`);
    const positions = [...new Set([...n.nodes.map((i) => fpos[i]), ...n.nodes.map((i) => F + bpos[i])])].sort((a, b) => a - b);
    const inBackward = coarse() ? npos >= (n.bwdStep || 0) : position > F;
    const first = positions.findIndex((p) => p > F);
    opened = { n, positions, at: inBackward && first >= 0 ? first : 0, from: opened ? opened.from : granularity };
    granularity = "node";
    position = positions[opened.at];
    const inputs = n.feeds || NET.layers[n.l].inputs.filter((x) => typeof x === "number");
    for (const i of [...n.nodes, ...n.weights, ...(n.bias === null ? [] : [n.bias]), ...inputs]) {
      for (const el of [boxes[i], ops[i]]) if (el) el.classList.add("mine");
      for (const e of edgesInto[i]) e.el.classList.add("mine");
    }
    svg.classList.add("opened");
    pane.hidden = false; // laid out, so the neuron's nodes can be measured
    netPane.hidden = true;
    if (!viewOpened) { viewOpened = true; nodeView.open(boxes[graph.root]); }
    // its nodes and inputs fill the pane; too many to read so: readable, around the step's node
    nodeView.fitTo([...n.nodes, ...n.weights, ...inputs].flatMap((i) => [boxes[i], ops[i]]).filter(Boolean));
    if (!nodeView.readable()) nodeView.around(boxes[focusOf(position).node]);
    scrolledTo = -1;
    render();
    return name;
  }
  function closeNeuron() {
    if (!opened) return null;
    const from = opened.from;
    for (const el of svg.querySelectorAll(".mine")) el.classList.remove("mine");
    svg.classList.remove("opened");
    opened = null;
    granularity = from;
    if (from === COARSE) position = csteps[npos].at;
    scrolledTo = -1;
    render();
    return null;
  }

  // --- control: buttons, keys, playing, the leaves' fields -------------------------
  let timer = null;
  function goto(k) {
    const last = lastPosition();
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k > last) {
      throw new RangeError(`goto: position must be a whole number from 0 to ${last}, got ${k}`);
    }
    if (opened) { opened.at = k; position = opened.positions[k]; }
    else if (coarse()) { npos = k; position = csteps[k].at; }
    else position = k;
    render();
  }
  function play() {
    if (timer !== null) { clearInterval(timer); timer = null; renderPanel(); return; }
    if (here() === lastPosition()) goto(0);
    timer = setInterval(() => {
      if (here() >= lastPosition()) { clearInterval(timer); timer = null; renderPanel(); return; }
      goto(here() + 1);
    }, 500);
    renderPanel();
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
    if (readOnly[i]) throw new Error(`setLeaf: ${name} is read-only: ${readOnly[i]}`);
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
        note.textContent = `${short(values[i])} (read-only: ${readOnly[i]})`;
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
    $("prev").addEventListener("click", () => goto(Math.max(0, here() - 1)));
    $("next").addEventListener("click", () => goto(Math.min(lastPosition(), here() + 1)));
    $("last").addEventListener("click", () => goto(lastPosition()));
    $("close").addEventListener("click", closeNeuron);
    $("granularity").addEventListener("click", () => {
      if (opened) closeNeuron();
      else if (COARSE) setGranularity(granularity === COARSE ? "node" : COARSE);
    });
    $("granularity").hidden = !COARSE;
    $("play").addEventListener("click", play);
    // A graph that fits the window without shrinking its text much is shown whole;
    // a bigger one starts at full size, where its text stays readable.
    $("zoom").addEventListener("click", () => (pane.hidden ? netView : nodeView).showWhole());
    $("quiz").addEventListener("click", () => setQuiz(!quiz.on));
    $("ask").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("reply").value;
      if (text.trim() === "" || !pendingQuestion()) return;
      answer(Number(text));
      $("reply").value = "";
    });
    const scrubber = $("scrubber");
    scrubber.addEventListener("input", () => goto(Number(scrubber.value)));
    document.addEventListener("keydown", (event) => {
      // keys typed into a leaf's field belong to the field
      if (event.target instanceof HTMLInputElement && event.target !== scrubber) return;
      const keys = {
        ArrowLeft: () => goto(Math.max(0, here() - 1)),
        ArrowRight: () => goto(Math.min(lastPosition(), here() + 1)),
        " ": play,
        Home: () => goto(0),
        End: () => goto(lastPosition()),
        Escape: closeNeuron,
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
    steps: lastPosition,
    goto,
    state() {
      const s = snapshot(position);
      const out = {};
      for (let i = 0; i < count; i++) { // defineProperty: a label such as "__proto__" is a name too
        Object.defineProperty(out, nodes[i].name, {
          value: { data: s.data[i], grad: s.grad[i] }, enumerable: true, writable: true, configurable: true,
        });
      }
      return {
        step: here(), phase: currentPhase(), text: coarse() ? (NET ? neuronLines(npos) : timeLines(npos)).join("\n") : textOf(position),
        nodes: out, loss: s.loss, quiz: quizState(), granularity, open: opened ? opened.n.name : null,
        ...(NET ? { neurons: coarse() ? neuronStates(knownAtStep(npos)) : neuronStates(knownAtNode(position)) } : {}),
        ...(REC ? { boxes: coarse() ? timeStates(knownAtStep(npos)) : timeStates(knownAtNode(position)) } : {}),
      };
    },
    setLeaf,
    network: () => (REC ? {
      kind: "recurrent", cell: REC.cell, name: REC.name, hidden: REC.hidden,
      inputs: times.flatMap((u) => u.inputs.map((x, i) => (typeof x === "number" ? nodes[x].name : `${u.name}.x[${i}]`))),
      layers: [],
      boxes: times.map((u) => ({
        name: u.name, h: u.h.map((i) => nodes[i].name), c: u.c ? u.c.map((i) => nodes[i].name) : null,
        inputs: u.inputs.map((x, i) => (typeof x === "number" ? nodes[x].name : `${u.name}.x[${i}]`)),
      })),
      output: REC.output,
    } : NET ? {
      kind: "layers",
      inputs: NET.inputs.map((x) => x.name),
      layers: NET.layers.map((layer) => ({ name: layer.name, neurons: layer.neurons.map((n) => ({ name: n.name, activation: n.activation })) })),
      output: NET.output,
    } : null),
    granularity: (g) => (g === undefined ? granularity : setGranularity(g)),
    open: openNeuron,
    close: closeNeuron,
    quiz: setQuiz,
    answer,
    ops: () => Object.keys(OPS),
  };

  control();
  render();
})();
