// The micrograd training explorer: a recorded training run, one step at a time.
//
// Python recorded, at each kept step, the parameters (in named_parameters() order, names sent
// once), the loss, the learning rate, the accuracy and each layer's gradient norm. This page
// computes every prediction itself from a step's parameters, in float64, in the engine's
// order (a neuron's weighted sum left to right from its bias, then its activation), so that
// predict() equals the model's output. A clicked point opens in the network explorer, in a
// frame: the page sets that step's parameters and the point's numbers through the explorer's
// own setLeaf, and the explorer does the rest. Parts:
//   the model    forward passes, classes, the flags over the data
//   drawing      the boundary, the points, the network, the curves
//   the explorer one point, opened in a frame
//   control      buttons, keys, the scrubber, dragging and adding points; the contract
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("micrograd-training").textContent);
  const T = DATA.text;
  const $ = (id) => document.getElementById(id);
  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, (_, key) => fields[key]);
  }
  // JSON has no NaN or infinities: Python sent those as "nan", "inf", "-inf".
  function number(x) {
    if (typeof x === "number") return x;
    return x === "nan" ? NaN : x === "inf" ? Infinity : -Infinity;
  }
  // A number to 4 significant figures, as Python's format(x, ".4g") writes it.
  function fmt(x, digits = 4) {
    if (x === null || x === undefined) return "—";
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return "0";
    const strip = (s) => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);
    const e = Number(x.toExponential(digits - 1).split("e")[1]);
    if (e < -4 || e >= digits) {
      const [m, power] = x.toExponential(digits - 1).split("e");
      const p = Number(power);
      return strip(m) + "e" + (p < 0 ? "-" : "+") + String(Math.abs(p)).padStart(2, "0");
    }
    return strip(x.toFixed(Math.max(0, digits - 1 - e)));
  }
  // An object keyed by names: defineProperty, so that a name such as "__proto__" is a key too.
  function keyed(names, values) {
    const out = {};
    names.forEach((name, i) => Object.defineProperty(out, name, {
      value: values[i], enumerable: true, writable: true, configurable: true,
    }));
    return out;
  }

  // --- The recorded steps --------------------------------------------------------------
  const S = DATA.steps;
  const N = S.iteration.length;
  const NAMES = DATA.names;
  const nameIndex = new Map(NAMES.map((n, i) => [n, i]));
  const lossAt = S.loss.map(number);
  const lrAt = S.lr.map((r) => (r === null ? null : number(r)));
  const accuracyAt = S.accuracy;
  const normsAt = S.grad_norms.map((row) => row.map(number));
  // Every step's parameters, one after another: little-endian float64, in base64.
  const PARAMS = (() => {
    const bytes = Uint8Array.from(atob(S.params), (c) => c.charCodeAt(0));
    const view = new DataView(bytes.buffer), out = new Float64Array(bytes.length / 8);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  })();
  const P = NAMES.length;
  function paramsAt(k) { return PARAMS.subarray(k * P, (k + 1) * P); }
  let current = 0;

  // --- The model: layers of neurons, as micrograd computes them ----------------------------
  const ACT = { linear: 0, relu: 1, tanh: 2, sigmoid: 3 };
  const LAYERS = DATA.layers.map((layer) => ({
    name: layer.name,
    n: layer.neurons.length,
    nin: layer.neurons[0].weights.length,
    w: Int32Array.from(layer.neurons.flatMap((n) => n.weights)), // a row per neuron
    b: Int32Array.from(layer.neurons.map((n) => (n.bias === null ? -1 : n.bias))),
    act: Uint8Array.from(layer.neurons.map((n) => ACT[n.activation])),
    neurons: layer.neurons,
    out: new Float64Array(layer.neurons.length),
  }));
  const D = LAYERS[0].nin;
  const OUTPUTS = LAYERS[LAYERS.length - 1].n;
  const RULE = DATA.task.rule, CLASSES = DATA.task.classes;
  function sigmoid(x) { // as micrograd.floats.sigmoid: exp of a non-positive number only
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  }
  function activate(code, z) {
    if (code === 1) return z <= 0 ? 0 : z; // relu: NaN stays NaN, as in the engine
    if (code === 2) return Math.tanh(z);
    if (code === 3) return sigmoid(z);
    return z;
  }
  function slope(code, out) { // f'(net) from the output, as the engine's rules read it
    if (code === 2) return 1 - out * out;
    if (code === 3) return out * (1 - out);
    return 1;
  }
  // The outputs for input x with parameters p (the last layer's buffer: copy to keep it).
  // visit(l, j, net, out), if given, sees every neuron.
  function forward(p, x, visit) {
    let xs = x;
    for (let l = 0; l < LAYERS.length; l++) {
      const L = LAYERS[l], out = L.out, nin = L.nin;
      for (let j = 0; j < L.n; j++) {
        const bias = L.b[j];
        let acc = bias < 0 ? 0 : p[bias];
        const row = j * nin;
        for (let i = 0; i < nin; i++) acc = acc + p[L.w[row + i]] * xs[i];
        out[j] = activate(L.act[j], acc);
        if (visit) visit(l, j, acc, out[j]);
      }
      xs = out;
    }
    return xs;
  }
  function prediction(y) { return OUTPUTS === 1 ? y[0] : Array.from(y); }
  function classOf(y) {
    if (RULE === null) return null;
    if (RULE === "argmax") { // the first of equal largest scores, as list.index(max(...))
      let best = 0;
      for (let j = 1; j < y.length; j++) if (y[j] > y[best]) best = j;
      return best;
    }
    return y[0] > (RULE === "half" ? 0.5 : 0) ? CLASSES[1] : CLASSES[0];
  }
  function checkInput(x, who) {
    if (!Array.isArray(x) || x.length !== D || !x.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new TypeError(`${who}: x must be a list of ${D} finite numbers, got ${JSON.stringify(x)}`);
    }
  }
  function predict(x) {
    checkInput(x, "predict");
    return prediction(forward(paramsAt(current), x));
  }
  const SQ = DATA.square;
  function at(lo, hi, i, n) { return lo + (hi - lo) * i / (n - 1); } // Python's order too
  function boundary(n) {
    if (SQ === null) throw new Error(`boundary: the inputs have ${D} dimensions; the boundary needs 2`);
    if (!Number.isInteger(n) || n < 2) throw new RangeError(`boundary: n must be a whole number >= 2, got ${n}`);
    const p = paramsAt(current), rows = [];
    for (let r = 0; r < n; r++) {
      const y = at(SQ.y[0], SQ.y[1], r, n), row = [];
      for (let c = 0; c < n; c++) row.push(prediction(forward(p, [at(SQ.x[0], SQ.x[1], c, n), y])));
      rows.push(row);
    }
    return rows;
  }
  // Dead and saturated neurons over every data point (the recorded data, not moved points).
  function neuronFlags(k) {
    const p = paramsAt(k), count = DATA.inputs.length;
    const dead = LAYERS.map((L) => new Int32Array(L.n)), flat = LAYERS.map((L) => new Int32Array(L.n));
    for (const x of DATA.inputs) {
      forward(p, x, (l, j, net, out) => {
        const code = LAYERS[l].act[j];
        if (code === 1 && net <= 0) dead[l][j]++;
        if ((code === 2 || code === 3) && Math.abs(slope(code, out)) < DATA.saturated) flat[l][j]++;
      });
    }
    return LAYERS.map((L, l) => L.neurons.map((n, j) => ({
      name: n.name,
      dead: dead[l][j], saturated: flat[l][j], count,
      flags: count && dead[l][j] === count ? ["dead"] : count && flat[l][j] === count ? ["saturated"] : [],
    })));
  }

  // --- The points: the data, and any the learner moves or adds ------------------------------
  const points = DATA.inputs.map((x, i) => ({ x: x.slice(), target: DATA.targets[i], added: false, moved: false }));
  function pointInfo(i) {
    const pt = points[i];
    const y = forward(paramsAt(current), pt.x);
    const predicted = classOf(y);
    return {
      x: pt.x.slice(), target: pt.target, prediction: prediction(y), predicted,
      misclassified: predicted === null ? null : Number(predicted) !== Number(pt.target),
      added: pt.added, moved: pt.moved,
    };
  }
  function checkPoint(i, who) {
    if (!Number.isInteger(i) || i < 0 || i >= points.length) {
      throw new RangeError(`${who}: point must be a whole number from 0 to ${points.length - 1}, got ${i}`);
    }
  }

  // --- Drawing: colours -------------------------------------------------------------------
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  const rgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  function classColour(label) {
    const k = CLASSES.findIndex((c) => Number(c) === Number(label));
    return PALETTE[(k < 0 ? 0 : k) % PALETTE.length];
  }
  // Regression: the output's range over the plot at this step, white to blue.
  let range = [0, 1];
  function valueColour(v) {
    const s = Math.max(0, Math.min(1, (v - range[0]) / (range[1] - range[0] || 1))) || 0;
    return "#" + [0x3a, 0x76, 0xc4].map((c) => Math.round(255 + (c - 255) * s * 0.9).toString(16).padStart(2, "0")).join("");
  }
  // How sure the network is at a grid point, 0 to 1: shades the region's colour.
  function strength(y) {
    if (RULE === "argmax") {
      let most = -Infinity;
      for (const v of y) most = Math.max(most, v);
      let sum = 0;
      for (const v of y) sum += Math.exp(v - most);
      const k = y.length;
      return Math.max(0, (1 / sum - 1 / k) / (1 - 1 / k));
    }
    if (RULE === "half") return Math.min(1, Math.abs(y[0] - 0.5) * 2);
    return Math.min(1, Math.abs(y[0]));
  }

  // --- Drawing: the boundary and the points -----------------------------------------------
  const SVGNS = "http://www.w3.org/2000/svg";
  function make(tag, attrs, parent) {
    const el = document.createElementNS(SVGNS, tag);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
    if (parent) parent.append(el);
    return el;
  }
  const PLOT = 380, GRID = 50;
  const canvas = $("grid"), pointLayer = $("points");
  const toScreen = (x, y) => [(x - SQ.x[0]) / (SQ.x[1] - SQ.x[0]) * PLOT, PLOT - (y - SQ.y[0]) / (SQ.y[1] - SQ.y[0]) * PLOT];
  const toData = (sx, sy) => [SQ.x[0] + sx / PLOT * (SQ.x[1] - SQ.x[0]), SQ.y[0] + (PLOT - sy) / PLOT * (SQ.y[1] - SQ.y[0])];
  if (SQ !== null) { // grid point c sits at pixel c's centre: the canvas reaches half a cell past
    const cell = PLOT / (GRID - 1);
    canvas.style.width = canvas.style.height = `${PLOT + cell}px`;
    canvas.style.left = canvas.style.top = `${-cell / 2}px`;
    pointLayer.setAttribute("viewBox", `0 0 ${PLOT} ${PLOT}`);
  } else {
    canvas.hidden = true;
    pointLayer.setAttribute("hidden", "");
    $("no-plot").hidden = false;
    $("no-plot").textContent = fill(T.no_boundary, { d: D });
    $("new-class-label").hidden = true;
  }
  const image = canvas.getContext("2d").createImageData(GRID, GRID);
  const outputs = new Float64Array(GRID * GRID); // the grid's first outputs, row by row
  function drawBoundary() {
    if (SQ === null) return;
    const p = paramsAt(current), px = image.data;
    const colours = CLASSES.map((c) => rgb(classColour(c)));
    const classes = new Int32Array(GRID * GRID), sure = new Float64Array(GRID * GRID);
    const x = [0, 0];
    for (let r = 0; r < GRID; r++) {
      x[1] = at(SQ.y[0], SQ.y[1], r, GRID);
      for (let c = 0; c < GRID; c++) {
        x[0] = at(SQ.x[0], SQ.x[1], c, GRID);
        const out = forward(p, x), g = r * GRID + c;
        outputs[g] = out[0];
        if (RULE !== null) {
          const label = classOf(out);
          classes[g] = CLASSES.findIndex((k) => Number(k) === Number(label));
          sure[g] = strength(out);
        }
      }
    }
    if (RULE === null) {
      let low = Infinity, high = -Infinity;
      for (const v of outputs) if (Number.isFinite(v)) { low = Math.min(low, v); high = Math.max(high, v); }
      range = low <= high ? [low, high] : [0, 1];
      $("plot-legend").textContent = fill(T.regression_legend, { low: fmt(range[0]), high: fmt(range[1]) }) + " · " + T.point_hint;
    }
    for (let g = 0; g < GRID * GRID; g++) {
      const r = Math.floor(g / GRID), c = g % GRID;
      const colour = RULE === null ? rgb(valueColour(outputs[g])) : colours[classes[g]] || [255, 255, 255];
      const a = RULE === null ? 1 : 0.16 + 0.34 * sure[g];
      const o = ((GRID - 1 - r) * GRID + c) * 4; // row 0 of the grid is the bottom
      for (let q = 0; q < 3; q++) px[o + q] = Math.round(255 + (colour[q] - 255) * a);
      px[o + 3] = 255;
    }
    canvas.getContext("2d").putImageData(image, 0, 0);
  }
  let openedPoint = null;
  function drawPoints() {
    if (SQ === null) return;
    pointLayer.replaceChildren();
    points.forEach((pt, i) => {
      const info = pointInfo(i);
      const [sx, sy] = toScreen(pt.x[0], pt.x[1]);
      const fillColour = RULE === null ? valueColour(number(Array.isArray(pt.target) ? pt.target[0] : pt.target)) : classColour(pt.target);
      const shape = pt.added || pt.moved
        ? make("rect", { x: sx - 5, y: sy - 5, width: 10, height: 10, transform: `rotate(45 ${sx} ${sy})` }, pointLayer)
        : make("circle", { cx: sx, cy: sy, r: 5 }, pointLayer);
      shape.setAttribute("class", "point" + (openedPoint === i ? " open" : ""));
      shape.setAttribute("fill", fillColour);
      shape.dataset.i = String(i);
      if (openedPoint === i) make("circle", { cx: sx, cy: sy, r: 10, class: "ring" }, pointLayer);
      if (info.misclassified) {
        make("path", { d: `M${sx - 4} ${sy - 4}L${sx + 4} ${sy + 4}M${sx - 4} ${sy + 4}L${sx + 4} ${sy - 4}`, class: "miss" }, pointLayer);
      }
    });
  }

  // --- Drawing: the network at this step --------------------------------------------------
  const netSvg = $("network");
  netSvg.setAttribute("class", "net");
  let biggest = 0; // the largest |weight| over the whole run: widths compare across steps
  for (let k = 0; k < N; k++) {
    const p = paramsAt(k);
    for (const L of LAYERS) for (const i of L.w) if (Number.isFinite(p[i])) biggest = Math.max(biggest, Math.abs(p[i]));
  }
  let diagram = null;
  function buildNetwork() {
    netSvg.replaceChildren();
    const w = Math.max(netSvg.clientWidth, 300), h = Math.max(netSvg.clientHeight, 200);
    netSvg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    const columns = [Array.from({ length: D }, (_, i) => `x[${i}]`), ...LAYERS.map((L) => L.neurons.map((n) => n.name))];
    const top = 30, bottom = 10, left = 40, right = 110;
    const dx = (w - left - right) / (columns.length - 1);
    const most = Math.max(...columns.map((c) => c.length));
    const gap = Math.min(60, (h - top - bottom) / Math.max(1, most));
    const radius = Math.max(2.5, Math.min(9, gap * 0.36));
    const place = columns.map((c, col) => c.map((_, r) => [left + col * dx, top + (h - top - bottom) / 2 + (r - (c.length - 1) / 2) * gap]));
    const edgeLayer = make("g", {}, netSvg), nodeLayer = make("g", {}, netSvg);
    const edges = [];
    LAYERS.forEach((L, l) => {
      for (let j = 0; j < L.n; j++) for (let i = 0; i < L.nin; i++) {
        const [x1, y1] = place[l][i], [x2, y2] = place[l + 1][j];
        edges.push({ el: make("line", { x1, y1, x2, y2 }, edgeLayer), p: L.w[j * L.nin + i], x1, y1, x2, y2 });
      }
    });
    const cells = [];
    columns.forEach((c, col) => {
      const header = col === 0 ? "inputs" : `${LAYERS[col - 1].name} (${LAYERS[col - 1].neurons[0].activation})`;
      make("text", { x: place[col][0][0], y: 14, class: "header" }, netSvg).textContent = header;
      c.forEach((name, r) => {
        const [x, y] = place[col][r];
        const g = make("g", {}, nodeLayer);
        if (col === 0) make("rect", { x: x - radius, y: y - radius, width: 2 * radius, height: 2 * radius, rx: 2 }, g);
        else make("circle", { cx: x, cy: y, r: radius }, g);
        const title = make("title", {}, g);
        const flag = make("text", { x: x + radius + 3, y: y + 3.5, class: "flag" }, g);
        if (col === 0) {
          title.textContent = name;
          flag.setAttribute("x", x - radius - 3);
          flag.setAttribute("text-anchor", "end");
          if (c.length <= 8) flag.textContent = name;
        }
        cells.push({ g, title, flag, col, r, name });
      });
    });
    // A network small enough to read whole shows every weight and bias as a number.
    const labelled = edges.length <= 24;
    if (labelled) {
      const seen = new Map();
      for (const e of edges) { // a third of the way along, staggered where lines meet
        const t = 0.3 + 0.12 * ((seen.get(e.x1 + "," + e.y1) || 0) % 3);
        seen.set(e.x1 + "," + e.y1, (seen.get(e.x1 + "," + e.y1) || 0) + 1);
        e.label = make("text", { x: e.x1 + (e.x2 - e.x1) * t, y: e.y1 + (e.y2 - e.y1) * t - 3, class: "weight-value" }, netSvg);
      }
    }
    diagram = { edges, cells, small: most > 20, labelled };
  }
  function drawNetwork(flags) {
    if (diagram === null) buildNetwork();
    const p = paramsAt(current);
    for (const e of diagram.edges) {
      const v = p[e.p];
      e.el.setAttribute("class", v > 0 ? "plus" : v < 0 ? "minus" : "zero");
      e.el.setAttribute("stroke-width", (0.3 + 3.7 * Math.sqrt(biggest ? Math.min(1, Math.abs(v) / biggest) : 0)).toFixed(2));
      if (e.label) e.label.textContent = `w ${fmt(v)}`;
    }
    for (const cell of diagram.cells) {
      if (cell.col === 0) continue;
      const l = cell.col - 1, f = flags[l][cell.r], n = LAYERS[l].neurons[cell.r];
      cell.g.setAttribute("class", f.flags.join(" "));
      const bias = n.bias === null ? "" : `, bias ${fmt(p[n.bias])}`;
      cell.title.textContent = `${n.name} (${n.activation})${bias}` +
        (LAYERS[l].act[cell.r] === 1 ? `: dead on ${f.dead} of ${f.count} points` : "") +
        (LAYERS[l].act[cell.r] >= 2 ? `: saturated on ${f.saturated} of ${f.count} points` : "");
      const text = f.flags.length ? f.flags[0] : "";
      const short = cell.col === LAYERS.length ? n.name : n.name.split(".").pop(); // outputs in full
      const bits = diagram.labelled && n.bias !== null ? [short, `b ${fmt(p[n.bias])}`, text] : [short, text];
      const label = diagram.small ? text : bits.filter(Boolean).join(" ");
      if (cell.flag.textContent !== label) cell.flag.textContent = label;
    }
  }

  // --- Drawing: curves over training, with a marker at this step ----------------------------
  function chart(svg, series, options) {
    svg.replaceChildren();
    const w = Math.max(svg.clientWidth, 200), h = Math.max(svg.clientHeight, 120);
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    const m = { left: 46, right: options.right ? 40 : 12, top: 10, bottom: 26 };
    const xs = S.iteration;
    const x0 = xs[0], x1 = xs[N - 1] === x0 ? x0 + 1 : xs[N - 1];
    const sx = (x) => m.left + (x - x0) / (x1 - x0) * (w - m.left - m.right);
    make("line", { x1: m.left, y1: h - m.bottom, x2: w - m.right, y2: h - m.bottom, class: "axis" }, svg);
    make("line", { x1: m.left, y1: m.top, x2: m.left, y2: h - m.bottom, class: "axis" }, svg);
    make("text", { x: m.left, y: h - m.bottom + 13, class: "tick", "text-anchor": "middle" }, svg).textContent = String(x0);
    make("text", { x: sx(x1), y: h - m.bottom + 13, class: "tick", "text-anchor": "end" }, svg).textContent = String(xs[N - 1]);
    make("text", { x: (m.left + w - m.right) / 2, y: h - 3, class: "label", "text-anchor": "middle" }, svg).textContent = T.iteration;
    const drawn = series.map((s) => {
      const sy = (v) => m.top + (1 - s.scale(v)) * (h - m.top - m.bottom);
      let d = "";
      let joined = false; // a gap where a value is not a finite number on the plot
      s.values.forEach((v, k) => {
        const y = v === null ? NaN : sy(v);
        if (!Number.isFinite(y)) { joined = false; return; }
        d += (joined ? "L" : "M") + sx(xs[k]).toFixed(1) + " " + y.toFixed(1);
        joined = true;
      });
      const line = make("path", { d, class: "series " + (s.cls || "") }, svg);
      if (s.colour) line.setAttribute("stroke", s.colour);
      if (s.axis) {
        const xAxis = s.axis === "left" ? m.left - 3 : w - m.right + 3;
        const anchor = s.axis === "left" ? "end" : "start";
        for (const t of s.ticks) {
          make("text", { x: xAxis, y: sy(t) + 3.5, class: "tick", "text-anchor": anchor }, svg).textContent = fmt(t, 3);
        }
      }
      const colour = s.colour || (s.cls === "accuracy" ? "#2ca02c" : "#3a76c4");
      const dot = make("circle", { r: 4, class: "dot", fill: colour }, svg);
      return { s, sy, dot, colour };
    });
    const marker = make("line", { y1: m.top, y2: h - m.bottom, class: "marker" }, svg);
    const label = make("text", { y: options.labelAt ? m.top + (h - m.top - m.bottom) * options.labelAt : m.top + 10, class: "marker-text" }, svg);
    const spans = drawn.map(({ colour }, k) => {
      const span = make("tspan", { fill: colour }, label);
      if (options.stacked && k > 0) { span.setAttribute("dy", "13"); }
      return span;
    });
    return (k) => {
      const x = sx(xs[k]);
      marker.setAttribute("x1", x); marker.setAttribute("x2", x);
      const right = x > (m.left + w - m.right) / 2;
      label.setAttribute("x", right ? x - 6 : x + 6);
      label.setAttribute("text-anchor", right ? "end" : "start");
      drawn.forEach(({ s, sy, dot }, j) => {
        const v = s.values[k];
        const y = v === null ? NaN : sy(v);
        const shown = Number.isFinite(y);
        dot.setAttribute("visibility", shown ? "visible" : "hidden");
        if (shown) { dot.setAttribute("cx", x); dot.setAttribute("cy", y); }
        spans[j].textContent = (j && !options.stacked ? " · " : "") + `${s.name} ${fmt(v)}`;
        if (options.stacked) spans[j].setAttribute("x", right ? x - 6 : x + 6);
      });
    };
  }
  const LAYER_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  let markCurve = null, markNorms = null;
  function buildCurves() {
    const finite = lossAt.filter(Number.isFinite);
    const top = Math.max(1e-12, ...finite.map(Math.abs)), low = Math.min(0, ...finite);
    const lossSeries = { name: T.curve_loss, cls: "loss", values: lossAt, scale: (v) => (v - low) / (top - low), axis: "left", ticks: [low, (low + top) / 2, top] };
    const series = [lossSeries];
    if (RULE !== null) series.push({ name: T.curve_accuracy, cls: "accuracy", values: accuracyAt, scale: (v) => v, axis: "right", ticks: [0, 0.5, 1] });
    markCurve = chart($("curve"), series, { right: RULE !== null, labelAt: 0.4 });
    const positive = normsAt.flat().filter((v) => Number.isFinite(v) && v > 0);
    const lo = Math.log10(positive.length ? Math.min(...positive) : 1e-3), hi = Math.log10(positive.length ? Math.max(...positive) : 1);
    const span = hi - lo || 1;
    const scale = (v) => (v > 0 ? (Math.log10(v) - lo) / span : NaN);
    markNorms = chart($("norms"), LAYERS.map((L, l) => ({
      name: L.name, colour: LAYER_COLOURS[l % LAYER_COLOURS.length], values: normsAt.map((row) => row[l]),
      scale, axis: l === 0 ? "left" : null, ticks: [10 ** lo, 10 ** ((lo + hi) / 2), 10 ** hi],
    })), { right: false, stacked: true });
  }

  // --- The panel: this step's numbers, and the chosen point -----------------------------------
  function renderNumbers(flags) {
    const count = DATA.inputs.length;
    const lines = [
      fill(T.loss, { loss: fmt(lossAt[current]) }) +
        (accuracyAt[current] === null ? "" : "   " + fill(T.accuracy, { accuracy: fmt(accuracyAt[current]) })),
      lrAt[current] === null ? T.no_lr : fill(T.lr, { lr: fmt(lrAt[current]) }),
      T.norms_head,
      ...LAYERS.map((L, l) => fill(T.norm, { layer: L.name, norm: fmt(normsAt[current][l]) })),
      count === 1 ? T.flags_head_one : fill(T.flags_head, { count }),
    ];
    const named = { dead: [], saturated: [] };
    for (const layer of flags) for (const f of layer) for (const flag of f.flags) named[flag].push(f.name);
    for (const flag of ["dead", "saturated"]) {
      if (named[flag].length) lines.push(fill(T[flag], { names: named[flag].join(", "), limit: DATA.saturated }));
    }
    if (!named.dead.length && !named.saturated.length) lines.push(T.no_flags);
    $("numbers").textContent = lines.join("\n");
  }
  function targetText(t) { return Array.isArray(t) ? `[${t.map((v) => fmt(number(v))).join(", ")}]` : fmt(number(t)); }
  function pointText(i) {
    const info = pointInfo(i);
    const shown = Array.isArray(info.prediction) ? `[${info.prediction.map((v) => fmt(v)).join(", ")}]` : fmt(info.prediction);
    const verdict = info.misclassified === null ? "" : ` → class ${info.predicted}` + (info.misclassified ? T.wrong : T.right);
    return fill(T.point, { i, x: info.x.map((v) => fmt(v)).join(", "), target: targetText(info.target), prediction: shown, verdict });
  }

  function render() {
    const flags = neuronFlags(current);
    $("position").textContent = fill(T.position, { k: current, last: N - 1, iteration: S.iteration[current] });
    $("boundary-step").textContent = fill(T.at_step, { k: current });
    $("scrubber").max = String(N - 1);
    $("scrubber").value = String(current);
    $("play").textContent = timer === null ? "▶ play" : "❚❚ pause";
    drawBoundary();
    drawPoints();
    drawNetwork(flags);
    if (markCurve === null) buildCurves();
    markCurve(current);
    markNorms(current);
    renderNumbers(flags);
    renderExplorerBar();
  }

  // --- The explorer: one point, opened in a frame --------------------------------------------
  const EXP = DATA.explorer;
  const box = $("explorer"), frame = $("explorer-frame");
  let api = null, loadedKey = null, held = new Map(), queue = Promise.resolve(), note = "";
  let explorerStep = null; // the step whose parameters the explorer holds
  const texts = new Map(); // the explorer's pages, unzipped once each
  async function unzip(key) {
    if (!texts.has(key)) {
      const bytes = Uint8Array.from(atob(EXP.templates[key]), (c) => c.charCodeAt(0));
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      texts.set(key, await new Response(stream).text());
    }
    return texts.get(key);
  }
  async function load(key) {
    const text = await unzip(key);
    api = null; loadedKey = null; held = new Map();
    await new Promise((resolve) => { frame.addEventListener("load", resolve, { once: true }); frame.srcdoc = text; });
    api = frame.contentWindow.micrograd;
    if (!api) throw new Error("openPoint: the explorer did not start");
    loadedKey = key;
  }
  function keyOf(target) { return EXP.byClass ? String(Number(target)) : ""; }
  // The explorer's leaves for point i at this step: the parameters, the inputs, the target.
  function leafValues(i) {
    const p = paramsAt(current), pt = points[i], values = [];
    for (const name of EXP.params) values.push([name, p[nameIndex.get(name)]]);
    EXP.inputs.forEach((name, k) => values.push([name, pt.x[k]]));
    const targets = Array.isArray(pt.target) ? pt.target.map(number)
      : EXP.oneHot ? EXP.target.map((_, k) => (k === Number(pt.target) ? 1 : 0)) : [number(pt.target)];
    EXP.target.forEach((name, k) => values.push([name, targets[k]]));
    return values;
  }
  function push(i) { // only what changed: each setLeaf recomputes the explorer's whole page
    for (const [name, value] of leafValues(i)) {
      if (Object.is(held.get(name), value)) continue;
      api.setLeaf(name, value);
      held.set(name, value);
    }
  }
  function refresh() {
    clearTimeout(pending);
    pending = null;
    if (openedPoint === null || api === null) return;
    try { push(openedPoint); explorerStep = current; note = lrNote(); } catch (error) { note = String(error.message || error); }
    renderExplorerBar();
  }
  // Each setLeaf recomputes and redraws the whole explorer (a step's parameters are hundreds
  // of them): while the learner scrubs, plays or holds a key, it catches up once they stop.
  let pending = null;
  function refreshSoon() {
    if (openedPoint === null || api === null) return;
    clearTimeout(pending);
    pending = setTimeout(() => { if (timer === null) refresh(); }, 250);
    renderExplorerBar();
  }
  function lrNote() {
    const run = lrAt[current];
    return EXP.lr !== null && run !== null && run !== EXP.lr ? fill(T.explorer_lr, { lr: fmt(EXP.lr), run: fmt(run) }) : "";
  }
  function renderExplorerBar() {
    if (openedPoint === null) return;
    const k = explorerStep === null ? current : explorerStep;
    $("explorer-head").textContent = fill(T.explorer_head, {
      point: openedPoint, k, iteration: S.iteration[k], loss: DATA.task.loss,
    });
    $("explorer-point").textContent = pointText(openedPoint);
    $("explorer-note").textContent = explorerStep !== null && explorerStep !== current
      ? fill(T.explorer_behind, { k: current }) : note;
  }
  function place() { // the explorer covers the right side, below the controls
    box.style.top = `${$("controls").getBoundingClientRect().bottom}px`;
    box.style.left = `${$("left").getBoundingClientRect().right}px`;
  }
  function openPoint(i) {
    checkPoint(i, "openPoint");
    if (EXP.unavailable) return Promise.reject(new Error(`openPoint: ${EXP.unavailable}`));
    const run = async () => {
      openedPoint = i;
      place();
      box.classList.remove("closed"); // shown before loading: the explorer lays out at its size
      note = T.explorer_loading;
      render();
      const key = keyOf(points[i].target);
      if (loadedKey !== key) await load(key);
      if (openedPoint !== i) return i; // closed, or another point opened, meanwhile
      push(i);
      explorerStep = current;
      note = lrNote();
      renderExplorerBar();
      return i;
    };
    queue = queue.then(run, run);
    return queue;
  }
  function closePoint() {
    openedPoint = null;
    explorerStep = null;
    box.classList.add("closed");
    render();
    return null;
  }

  // --- control: buttons, keys, the scrubber, points -------------------------------------------
  let timer = null;
  function goto(k) { // the contract's: an open explorer follows at once
    move(k);
    refresh();
  }
  function move(k) { // the controls': an open explorer follows once they stop
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k > N - 1) {
      throw new RangeError(`goto: step must be a whole number from 0 to ${N - 1}, got ${k}`);
    }
    current = k;
    render();
    refreshSoon();
  }
  function play() {
    if (timer !== null) { clearTimeout(timer); timer = null; render(); refreshSoon(); return; }
    if (current === N - 1) move(0);
    const tick = () => {
      if (current >= N - 1) { timer = null; render(); refreshSoon(); return; }
      move(current + 1);
      timer = setTimeout(tick, 150);
    };
    timer = setTimeout(tick, 150);
    render();
  }
  function movePoint(i, x) {
    checkPoint(i, "movePoint");
    checkInput(x, "movePoint");
    points[i].x = x.slice();
    points[i].moved = !points[i].added;
    drawPoints();
    if (openedPoint === i) refresh();
    renderExplorerBar();
    return pointInfo(i);
  }
  function addPoint(x, target) {
    checkInput(x, "addPoint");
    if (RULE !== null && !CLASSES.some((c) => Number(c) === Number(target))) {
      throw new RangeError(`addPoint: target must be one of ${JSON.stringify(CLASSES)}, got ${JSON.stringify(target)}`);
    }
    points.push({ x: x.slice(), target, added: true, moved: false });
    drawPoints();
    return points.length - 1;
  }

  function control() {
    $("first").addEventListener("click", () => move(0));
    $("prev").addEventListener("click", () => move(Math.max(0, current - 1)));
    $("next").addEventListener("click", () => move(Math.min(N - 1, current + 1)));
    $("last").addEventListener("click", () => move(N - 1));
    $("play").addEventListener("click", play);
    $("explorer-close").addEventListener("click", closePoint);
    const scrubber = $("scrubber");
    let wanted = null; // the scrubber moves faster than pages draw: the latest position, once a frame
    scrubber.addEventListener("input", () => {
      if (wanted === null) requestAnimationFrame(() => { const k = wanted; wanted = null; move(k); });
      wanted = Number(scrubber.value);
    });
    document.addEventListener("keydown", (event) => {
      const t = event.target;
      if ((t instanceof HTMLInputElement && t !== scrubber) || t instanceof HTMLSelectElement) return;
      const keys = {
        ArrowLeft: () => move(Math.max(0, current - 1)),
        ArrowRight: () => move(Math.min(N - 1, current + 1)),
        " ": play,
        Home: () => move(0),
        End: () => move(N - 1),
        Escape: closePoint,
      };
      const action = keys[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    });
    // The new point's class, for double-clicks on the plot.
    const choose = $("new-class");
    if (RULE === null) $("new-class-label").hidden = true;
    for (const c of CLASSES) {
      const option = document.createElement("option");
      option.value = String(c);
      option.textContent = String(c);
      choose.append(option);
    }
    if (CLASSES.length) choose.value = String(CLASSES[CLASSES.length - 1]);
    if (SQ === null) return;
    const where = (event) => {
      const r = pointLayer.getBoundingClientRect();
      return toData((event.clientX - r.left) / r.width * PLOT, (event.clientY - r.top) / r.height * PLOT);
    };
    let drag = null;
    pointLayer.addEventListener("pointerdown", (event) => {
      const i = event.target.dataset ? event.target.dataset.i : undefined;
      if (i === undefined) return;
      drag = { i: Number(i), x: event.clientX, y: event.clientY, moved: false };
      pointLayer.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    pointLayer.addEventListener("pointermove", (event) => {
      if (drag === null) return;
      if (!drag.moved && Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < 3) return;
      if (!drag.moved) { drag.moved = true; if (openedPoint !== drag.i) openPoint(drag.i).catch(showError); }
      movePoint(drag.i, where(event));
    });
    pointLayer.addEventListener("pointerup", () => {
      if (drag !== null && !drag.moved) openPoint(drag.i).catch(showError);
      drag = null;
    });
    pointLayer.addEventListener("dblclick", (event) => {
      if (event.target.dataset && event.target.dataset.i !== undefined) return;
      const mean = DATA.targets.length ? DATA.targets.map((t) => number(Array.isArray(t) ? t[0] : t)).reduce((a, b) => a + b, 0) / DATA.targets.length : 0;
      const target = RULE === null ? (OUTPUTS === 1 ? mean : new Array(OUTPUTS).fill(0)) : CLASSES.find((c) => String(c) === choose.value);
      openPoint(addPoint(where(event), target)).catch(showError);
    });
  }
  function showError(error) {
    note = String(error.message || error);
    renderExplorerBar();
  }
  window.addEventListener("resize", () => { diagram = null; markCurve = null; place(); render(); });

  if (DATA.stride > 1) {
    $("sampling").textContent = fill(T.sampled, { stride: DATA.stride, kept: N, total: DATA.calls, limit: DATA.limit });
  } else {
    $("sampling").textContent = fill(T.every, { total: DATA.calls });
  }
  if (RULE !== null) { // the classes' colours first, then what the marks mean
    const legend = $("plot-legend");
    legend.textContent = "";
    for (const c of CLASSES) {
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = classColour(c);
      legend.append(swatch, fill(T.class_name, { label: c }) + " ");
    }
    legend.append("· " + T.boundary_legend + " · " + T.point_hint);
  }

  // --- The page's contract, for tests and for pages that embed this one -------------------------
  const training = {
    steps: () => N,
    goto,
    state() {
      return {
        step: current, iteration: S.iteration[current], loss: lossAt[current],
        accuracy: accuracyAt[current], lr: lrAt[current],
        params: keyed(NAMES, Array.from(paramsAt(current))),
        grad_norms: keyed(LAYERS.map((L) => L.name), normsAt[current]),
      };
    },
    predict,
    boundary,
    square: () => (SQ === null ? null : { x: SQ.x.slice(), y: SQ.y.slice() }),
    openPoint,
    closePoint,
    points: () => points.map((_, i) => pointInfo(i)),
    movePoint,
    addPoint,
    flags: () => keyed(LAYERS.flatMap((L) => L.neurons.map((n) => n.name)), neuronFlags(current).flat().map((f) => f.flags)),
  };
  window.micrograd = {
    training,
    // A point's explorer once one is open, else the training run's.
    state: () => (openedPoint !== null && api !== null ? api.state() : training.state()),
    explorer: () => (openedPoint !== null ? api : null),
  };

  control();
  render();
})();
