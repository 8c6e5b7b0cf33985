/* global document */
// Plots drawn as SVG by hand: a line of values over time, and a timeline of state changes.
const NS = "http://www.w3.org/2000/svg";

function svgNode(tag, attributes) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/**
 * A line plot of `values` (oldest first) in a `width` x `height` box, with its label and the last
 * and largest value. An empty series draws an empty box.
 */
export function linePlot(label, values, { width = 220, height = 48, color = "#3b82c4", unit = "" } = {}) {
  const box = document.createElement("div");
  box.className = "plot";
  const caption = document.createElement("div");
  caption.className = "label";
  const finite = values.filter((v) => Number.isFinite(v));
  const max = finite.length === 0 ? 0 : Math.max(...finite);
  const min = finite.length === 0 ? 0 : Math.min(0, ...finite);
  const last = finite.length === 0 ? "–" : round(finite[finite.length - 1]);
  caption.textContent = `${label}: ${last}${unit} (max ${round(max)}${unit})`;
  const svg = svgNode("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  svg.append(svgNode("line", { x1: 0, y1: height - 1, x2: width, y2: height - 1, stroke: "#dde1e6" }));
  if (values.length > 1) {
    const span = max - min || 1;
    const step = width / (values.length - 1);
    let d = "";
    values.forEach((v, i) => {
      const y = height - 2 - ((Number.isFinite(v) ? v - min : 0) / span) * (height - 4);
      d += `${i === 0 ? "M" : "L"}${(i * step).toFixed(1)},${y.toFixed(1)}`;
    });
    svg.append(svgNode("path", { d, fill: "none", stroke: color, "stroke-width": 1.5 }));
  }
  box.append(caption, svg);
  return box;
}

const round = (v) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100);

const STATE_COLORS = {
  starting: "#3b82c4",
  up: "#2e9d5b",
  degraded: "#b86bd6",
  late: "#d99a1c",
  down: "#d64541",
  stopped: "#8a94a0",
  evicted: "#c5cbd2",
};

/**
 * A timeline of heartbeat transitions over the last `windowMs`: one row per process (the most
 * recently changed ones), each row coloured by state from one transition to the next.
 */
export function timeline(transitions, now, { windowMs = 600_000, rows = 12, width = 900 } = {}) {
  const rowHeight = 16;
  const labelWidth = 180;
  const byProcess = new Map();
  for (const t of transitions) {
    if (!byProcess.has(t.process)) byProcess.set(t.process, []);
    byProcess.get(t.process).push(t);
  }
  const names = [...byProcess.keys()].sort((a, b) => last(byProcess.get(b)).wallAt - last(byProcess.get(a)).wallAt).slice(0, rows);
  const height = Math.max(1, names.length) * rowHeight + 18;
  const svg = svgNode("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "heartbeat timeline" });
  const start = now - windowMs;
  const x = (t) => labelWidth + Math.max(0, Math.min(1, (t - start) / windowMs)) * (width - labelWidth - 4);
  names.forEach((name, row) => {
    const y = row * rowHeight;
    const text = svgNode("text", { x: 0, y: y + 12, "font-size": 11, fill: "#1d232b" });
    text.textContent = name.length > 28 ? `${name.slice(0, 27)}…` : name;
    svg.append(text);
    const list = byProcess.get(name);
    list.forEach((t, i) => {
      const end = i + 1 < list.length ? list[i + 1].wallAt : now;
      if (end < start) return;
      const rect = svgNode("rect", {
        x: x(t.wallAt),
        y: y + 2,
        width: Math.max(1, x(end) - x(t.wallAt)),
        height: rowHeight - 4,
        fill: STATE_COLORS[t.to] ?? "#999",
      });
      const title = svgNode("title", {});
      title.textContent = `${name}: ${t.from ?? "new"} → ${t.to}`;
      rect.append(title);
      svg.append(rect);
    });
  });
  const axis = svgNode("text", { x: labelWidth, y: height - 4, "font-size": 10, fill: "#6b7480" });
  axis.textContent = windowMs < 120_000 ? `last ${Math.round(windowMs / 1000)} s → now` : `last ${Math.round(windowMs / 60_000)} min → now`;
  svg.append(axis);
  return svg;
}

const last = (list) => list[list.length - 1];
