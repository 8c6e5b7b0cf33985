/* global document, Node */
// DOM helpers. Every value from the server becomes a text node or textContent: nothing built
// from data is ever parsed as HTML, so a payload such as <img onerror=...> stays text.

const SAFE_ATTRIBUTES = new Set([
  "class",
  "title",
  "type",
  "value",
  "disabled",
  "hidden",
  "colspan",
  "placeholder",
  "selected",
  "aria-label",
]);

/** An element with safe attributes (`data-*` and a fixed list) and text or element children. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (!SAFE_ATTRIBUTES.has(name) && !name.startsWith("data-")) throw new Error(`attribute ${name} is not allowed`);
    node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.append(child);
    else node.append(document.createTextNode(String(child)));
  }
}

/** Replaces every child of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

/** A button that runs `onClick`. */
export function button(label, onClick, attributes = {}) {
  const node = el("button", { type: "button", ...attributes }, label);
  node.addEventListener("click", onClick);
  return node;
}

/** A coloured badge for a state. */
export function badge(state) {
  return el("span", { class: `pill state-${String(state).replace(/[^a-z-]/g, "")}`, "data-state": state }, state);
}

/** "3.2 s", "4 min", "2 h" for a duration in ms. */
export function duration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return "";
  const abs = Math.abs(ms);
  const sign = ms < 0 ? "-" : "";
  if (abs < 10_000) return `${sign}${(abs / 1000).toFixed(1)} s`;
  if (abs < 120_000) return `${sign}${Math.round(abs / 1000)} s`;
  if (abs < 7_200_000) return `${sign}${Math.round(abs / 60_000)} min`;
  if (abs < 172_800_000) return `${sign}${Math.round(abs / 3_600_000)} h`;
  return `${sign}${Math.round(abs / 86_400_000)} d`;
}

/** Local time of an epoch ms. */
export function clock(ms) {
  return ms === undefined ? "" : new Date(ms).toLocaleTimeString();
}
