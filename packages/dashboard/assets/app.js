/* global document, CSS, performance, fetch, EventSource, sessionStorage, btoa, URLSearchParams, confirm, TextEncoder */
import { linePlot, timeline } from "./plot.js";
import { badge, button, clock, duration, el, fill } from "./render.js";

const $ = (id) => document.getElementById(id);
const api = (path) => `api/${path}`;

const state = {
  config: undefined,
  jobs: new Map(), // queue name -> { state, requestType, cursors: [], cursor, next }
  hb: { state: "", search: "", cursors: [""], next: null },
  dl: { cursors: ["1"], next: null },
  lastEvents: 0,
  lastChanges: -1,
};

function notice(text, isError = false) {
  const node = $("notice");
  node.textContent = text;
  node.className = isError ? "error" : "";
}

async function getJson(path) {
  const response = await fetch(api(path), { headers: { accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body;
}

// ---- credentials and actions -------------------------------------------------------------

function authorization() {
  const scheme = state.config?.actions;
  const secret = sessionStorage.getItem("dashboard.secret") ?? "";
  if (scheme === "bearer" && secret) return `Bearer ${secret}`;
  if (scheme === "basic" && secret) {
    const user = sessionStorage.getItem("dashboard.user") ?? "";
    return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${secret}`)))}`;
  }
  return undefined;
}

async function act(path, body, done) {
  const headers = { "x-dashboard-action": "1", "content-type": "application/json" };
  const auth = authorization();
  if (auth) headers.authorization = auth;
  try {
    const response = await fetch(api(path), { method: "POST", headers, body: JSON.stringify(body ?? {}) });
    const result = await response.json();
    if (!response.ok) {
      notice(`refused: ${result.error?.message ?? `HTTP ${response.status}`}`, true);
      return;
    }
    notice(done(result));
    state.lastEvents = 0;
    await refreshAll();
  } catch (error) {
    notice(`failed: ${error.message}`, true);
  }
}

function setUpAuth() {
  const scheme = state.config.actions;
  if (!scheme) {
    $("read-only").hidden = false;
    return;
  }
  const form = $("auth");
  form.hidden = false;
  if (scheme === "custom") {
    $("auth-secret").hidden = true;
    $("auth-save").hidden = true;
  }
  if (scheme === "basic") {
    $("auth-user").hidden = false;
    $("auth-secret").placeholder = "password";
  }
  const show = () => {
    $("auth-state").textContent = authorization() || scheme === "custom" ? "actions enabled" : "actions locked";
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("dashboard.secret", $("auth-secret").value);
    sessionStorage.setItem("dashboard.user", $("auth-user").value);
    $("auth-secret").value = "";
    show();
    notice("credentials kept for this tab");
  });
  show();
}

const canAct = () => Boolean(state.config?.actions);

// ---- queues ----------------------------------------------------------------------------

function queueState(name) {
  if (!state.jobs.has(name)) state.jobs.set(name, { state: "buried", requestType: "", cursors: [""], next: null });
  return state.jobs.get(name);
}

async function refreshQueues() {
  const { queues } = await getJson("queues");
  const list = $("queue-list");
  for (const queue of queues) {
    let card = list.querySelector(`[data-queue="${CSS.escape(queue.name)}"]`);
    if (!card) {
      card = buildQueueCard(queue);
      list.append(card);
    }
    renderQueue(card, queue);
    // A list is read again only when the counts moved (or the operator asked): an idle file
    // queue is not re-read every second for every open page.
    const view = queueState(queue.name);
    const key = JSON.stringify(queue.stats);
    if (queue.can.list && key !== view.statsKey) {
      view.statsKey = key;
      await refreshJobs(queue.name, card);
    }
  }
}

function buildQueueCard(queue) {
  const view = queueState(queue.name);
  const select = el(
    "select",
    { "aria-label": "state", "data-role": "state" },
    ...["buried", "ready", "delayed", "reserved"].map((s) => el("option", { value: s }, s)),
  );
  select.addEventListener("change", () => {
    view.state = select.value;
    view.cursors = [""];
    for (const node of select.closest(".queue").querySelectorAll("[data-bulk]"))
      node.textContent = `${node.dataset.bulk} all ${view.state}`;
    void refreshJobs(queue.name);
  });
  const type = el("input", { type: "search", placeholder: "request type", "data-role": "request-type" });
  type.addEventListener("change", () => {
    view.requestType = type.value;
    view.cursors = [""];
    void refreshJobs(queue.name);
  });
  const bulk = (action) =>
    button(
      `${action} all ${view.state}`,
      () => {
        if (!confirm(`${action} every ${view.state} job${view.requestType ? ` of type ${view.requestType}` : ""} in ${queue.name}?`))
          return;
        void act(
          `queues/${encodeURIComponent(queue.name)}/bulk`,
          { action, state: view.state, ...(view.requestType ? { requestType: view.requestType } : {}) },
          (r) => `${action}: ${r.changed} of ${r.matched} jobs`,
        );
      },
      { "data-bulk": action, class: action === "delete" ? "danger" : undefined },
    );
  const card = el(
    "div",
    { class: "queue", "data-queue": queue.name },
    el("h3", {}, el("span", {}, queue.name), el("span", { class: "muted" }, queue.adapter), el("span", { "data-role": "paused" })),
    el("div", { class: "stats", "data-role": "stats" }),
    el("div", { class: "plots", "data-role": "plots" }),
    el(
      "div",
      { class: "toolbar", "data-role": "toolbar" },
      select,
      type,
      queue.can.bulk && canAct() ? [bulk("retry"), bulk("kick"), bulk("delete")] : null,
      el("span", { "data-role": "pause" }),
    ),
    queue.can.list
      ? [
          el(
            "table",
            { "data-role": "jobs" },
            el(
              "thead",
              {},
              el("tr", {}, ...["id", "type", "attempts", "priority", "reason / holder", "payload", ""].map((h) => el("th", {}, h))),
            ),
            el("tbody"),
          ),
          el(
            "div",
            { class: "pager" },
            button("first", () => {
              view.cursors = [""];
              void refreshJobs(queue.name);
            }),
            el("span", { "data-role": "page" }),
            button(
              "next",
              () => {
                if (view.next) view.cursors.push(view.next);
                void refreshJobs(queue.name);
              },
              { "data-role": "next" },
            ),
          ),
        ]
      : el("p", { class: "muted" }, "this queue cannot list its jobs"),
  );
  return card;
}

function renderQueue(card, queue) {
  const stats = queue.stats;
  fill(
    card.querySelector('[data-role="stats"]'),
    ...["ready", "delayed", "reserved", "buried"].map((s) =>
      el("span", { class: "stat", "data-stat": s }, el("b", {}, String(stats[s])), s),
    ),
  );
  fill(
    card.querySelector('[data-role="paused"]'),
    stats.paused ? el("span", { class: "pill off" }, "paused") : null,
    queue.error ? el("span", { class: "pill off", title: queue.error }, `unavailable: ${queue.error}`) : null,
  );
  const pause = card.querySelector('[data-role="pause"]');
  // Rebuilt only when the state flips: a button replaced on every live update would slip out
  // from under the operator's click.
  const pausedKey = String(Boolean(stats.paused));
  if (queue.can.pause && canAct() && pause.dataset.paused !== pausedKey) {
    pause.dataset.paused = pausedKey;
    fill(
      pause,
      stats.paused
        ? button("resume", () => void act(`queues/${encodeURIComponent(queue.name)}/resume`, {}, () => `${queue.name} resumed`), {
            "data-action": "resume",
          })
        : button("pause", () => void act(`queues/${encodeURIComponent(queue.name)}/pause`, {}, () => `${queue.name} paused`), {
            "data-action": "pause",
          }),
    );
  }
  const depth = queue.samples.map((s) => s.ready + s.delayed + s.reserved + s.buried);
  fill(
    card.querySelector('[data-role="plots"]'),
    linePlot("depth", depth, { color: "#3b82c4" }),
    linePlot(
      "drained/s (derived)",
      queue.rates.map((r) => r.drainedPerSecond),
      { color: "#2e9d5b" },
    ),
    linePlot(
      "failed/s (buried growth)",
      queue.rates.map((r) => r.failedPerSecond),
      { color: "#d64541" },
    ),
  );
}

async function refreshJobs(name, card = $("queue-list").querySelector(`[data-queue="${CSS.escape(name)}"]`)) {
  const view = queueState(name);
  const params = new URLSearchParams({ state: view.state, limit: "50" });
  const cursor = view.cursors[view.cursors.length - 1];
  if (cursor) params.set("cursor", cursor);
  if (view.requestType) params.set("requestType", view.requestType);
  const page = await getJson(`queues/${encodeURIComponent(name)}/jobs?${params}`);
  view.next = page.cursor;
  card.querySelector('[data-role="next"]').disabled = !page.cursor;
  card.querySelector('[data-role="page"]').textContent = `page ${view.cursors.length}`;
  const rows = page.jobs.map((job) => {
    const actions = [];
    if (canAct() && (job.state === "buried" || job.state === "delayed")) {
      actions.push(
        button(
          "retry",
          () => void act(`queues/${encodeURIComponent(name)}/jobs/${encodeURIComponent(job.id)}/retry`, {}, () => `job ${job.id} retried`),
          { "data-action": "retry" },
        ),
      );
    }
    if (canAct() && job.state !== "reserved") {
      actions.push(
        button(
          "delete",
          () => {
            if (confirm(`delete job ${job.id}?`))
              void act(`queues/${encodeURIComponent(name)}/jobs/${encodeURIComponent(job.id)}/delete`, {}, () => `job ${job.id} deleted`);
          },
          { "data-action": "delete", class: "danger" },
        ),
      );
    }
    return el(
      "tr",
      { "data-job-id": job.id },
      el("td", {}, job.id),
      el("td", {}, job.requestType),
      el("td", {}, String(job.attempts)),
      el("td", {}, String(job.priority)),
      el("td", {}, job.buryReason ?? job.leaseHolder ?? (job.readyAt ? `ready at ${clock(job.readyAt)}` : "")),
      el("td", { class: "payload" }, job.payload + (job.payloadTruncated ? " …" : "")),
      el("td", {}, actions),
    );
  });
  fill(
    card.querySelector('[data-role="jobs"] tbody'),
    rows.length ? rows : el("tr", {}, el("td", { colspan: 7, class: "muted" }, `no ${view.state} jobs`)),
  );
}

// ---- heartbeats ------------------------------------------------------------------------

async function refreshHeartbeats() {
  const hb = state.hb;
  const params = new URLSearchParams({ limit: "100", sort: "worst" });
  if (hb.state) params.set("state", hb.state);
  if (hb.search) params.set("search", hb.search);
  const cursor = hb.cursors[hb.cursors.length - 1];
  if (cursor) params.set("cursor", cursor);
  const [page, { transitions }] = await Promise.all([getJson(`heartbeats?${params}`), getJson("heartbeats/transitions?limit=500")]);
  hb.next = page.cursor;
  renderCounts(page.counts);
  $("hb-next").disabled = !page.cursor;
  $("hb-page").textContent = `${page.total} processes, page ${hb.cursors.length}`;
  fill(
    $("hb-table").tBodies[0],
    page.processes.map((p) =>
      el(
        "tr",
        { "data-process": p.process },
        el("td", {}, p.process),
        el("td", {}, badge(p.state)),
        el("td", {}, duration(p.forMs)),
        el("td", {}, `${p.lastKind} ${duration(p.lastAgoMs)} ago`),
        el("td", {}, p.seconds === undefined ? "" : `${p.seconds} s`),
        el("td", {}, duration(p.deadlineInMs)),
      ),
    ),
  );
  const now = Date.now();
  // The window follows the history kept: from one minute up to ten.
  const earliest = transitions.length ? transitions[0].wallAt : now;
  fill($("hb-timeline"), timeline(transitions, now, { windowMs: Math.min(600_000, Math.max(60_000, now - earliest + 5_000)) }));
}

function renderCounts(counts) {
  fill(
    $("hb-counts"),
    button(`all ${Object.values(counts).reduce((a, b) => a + b, 0)}`, () => filterState(""), {
      class: state.hb.state === "" ? "active" : undefined,
    }),
    Object.entries(counts).map(([name, count]) =>
      button(`${name} ${count}`, () => filterState(name), {
        class: `pill state-${name}${state.hb.state === name ? " active" : ""}`,
        "data-count": name,
      }),
    ),
  );
}

function filterState(name) {
  state.hb.state = name;
  state.hb.cursors = [""];
  void refreshHeartbeats();
}

// ---- events ----------------------------------------------------------------------------

async function refreshEvents() {
  const dl = state.dl;
  const [{ streams }, letters] = await Promise.all([
    getJson("events/streams"),
    getJson(`events/dead-letters?limit=50&cursor=${dl.cursors[dl.cursors.length - 1]}`),
  ]);
  fill(
    $("streams").tBodies[0],
    streams.map((s) =>
      el(
        "tr",
        { "data-stream": s.name },
        el("td", {}, s.name),
        el("td", {}, s.subjects.join(", ")),
        el("td", {}, String(s.messages)),
        el(
          "td",
          {},
          s.consumers.map((c) => el("div", {}, `${c.name}: ${c.pending} / ${c.inFlight} / ${c.redelivered}`)),
        ),
      ),
    ),
  );
  dl.next = letters.cursor;
  $("dl-next").disabled = !letters.cursor;
  $("dl-total").textContent = `(${letters.total})`;
  const rows = letters.deadLetters.map((d) =>
    el(
      "tr",
      { "data-dead-letter": String(d.seq) },
      el("td", {}, String(d.seq)),
      el("td", {}, d.event),
      el("td", {}, d.actor),
      el("td", {}, d.reason),
      el("td", {}, d.error),
      el("td", {}, String(d.attempts)),
      el("td", {}, clock(d.at)),
      el("td", { class: "payload" }, d.bodyOmitted ? "(body too large, not kept)" : d.payload + (d.payloadTruncated ? " …" : "")),
      el(
        "td",
        {},
        canAct() && !d.bodyOmitted
          ? button("replay", () => void act(`events/dead-letters/${d.seq}/replay`, {}, (r) => `replayed on ${r.subject}`), {
              "data-action": "replay",
            })
          : null,
        canAct()
          ? button(
              "delete",
              () => {
                if (confirm(`delete dead letter ${d.seq}?`))
                  void act(`events/dead-letters/${d.seq}/delete`, {}, () => `dead letter ${d.seq} deleted`);
              },
              { "data-action": "delete", class: "danger" },
            )
          : null,
      ),
    ),
  );
  fill($("dead-letters").tBodies[0], rows.length ? rows : el("tr", {}, el("td", { colspan: 9, class: "muted" }, "no dead letters")));
}

// ---- probes ----------------------------------------------------------------------------

async function refreshProbes() {
  const { checks, total } = await getJson("probes?limit=200");
  $("probe-total").textContent = checks.length < total ? `(the worst ${checks.length} of ${total})` : `(${total})`;
  const now = Date.now();
  fill(
    $("checks").tBodies[0],
    checks.map((c) =>
      el(
        "tr",
        { "data-check": c.name },
        el("td", {}, c.name),
        el(
          "td",
          {},
          Object.entries(c.location)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
        ),
        el("td", {}, c.state === undefined ? "" : badge(c.severity ?? "expected"), c.state === undefined ? "" : ` ${c.state}`),
        el("td", {}, c.values.map((v) => `${v.name}=${v.value ?? "null"}${v.unit ?? ""}`).join(" ")),
        el("td", {}, c.comment ?? ""),
        el("td", {}, `${duration(now - c.receivedAt)} ago`),
      ),
    ),
  );
}

// ---- live updates ----------------------------------------------------------------------

let refreshing = false;
let again = false;

/** Refreshes every visible section; calls that arrive meanwhile collapse into one more round. */
async function refreshAll() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  const started = performance.now();
  try {
    const c = state.config;
    const tasks = [];
    if (c.queues.length) tasks.push(refreshQueues());
    if (c.heartbeats) tasks.push(refreshHeartbeats());
    if (c.probes) tasks.push(refreshProbes());
    if (c.events && Date.now() - state.lastEvents > 2000) {
      state.lastEvents = Date.now();
      tasks.push(refreshEvents());
    }
    const results = await Promise.allSettled(tasks);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) notice(`refresh failed: ${failed.reason.message}`, true);
  } finally {
    // Read by the benchmark: how long one round of fetching and rendering took.
    document.body.dataset.refreshMs = String(Math.round(performance.now() - started));
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes ?? 0) + 1);
    refreshing = false;
    if (again) {
      again = false;
      void refreshAll();
    }
  }
}

function connectLive() {
  const live = new EventSource(api("live"));
  const pill = $("live");
  live.addEventListener("open", () => {
    pill.textContent = "live";
    pill.className = "pill on";
  });
  live.addEventListener("error", () => {
    pill.textContent = "reconnecting";
    pill.className = "pill off";
  });
  live.addEventListener("summary", () => {
    void refreshAll();
  });
}

async function main() {
  state.config = await getJson("config");
  document.title = state.config.title;
  $("title").textContent = state.config.title;
  setUpAuth();
  $("queues").hidden = state.config.queues.length === 0;
  $("heartbeats").hidden = !state.config.heartbeats;
  $("events").hidden = !state.config.events;
  $("probes").hidden = !state.config.probes;
  $("hb-search").addEventListener("input", (event) => {
    state.hb.search = event.target.value;
    state.hb.cursors = [""];
    void refreshHeartbeats();
  });
  $("hb-first").addEventListener("click", () => {
    state.hb.cursors = [""];
    void refreshHeartbeats();
  });
  $("hb-next").addEventListener("click", () => {
    if (state.hb.next) state.hb.cursors.push(state.hb.next);
    void refreshHeartbeats();
  });
  $("dl-first").addEventListener("click", () => {
    state.dl.cursors = ["1"];
    state.lastEvents = 0;
    void refreshAll();
  });
  $("dl-next").addEventListener("click", () => {
    if (state.dl.next) state.dl.cursors.push(state.dl.next);
    state.lastEvents = 0;
    void refreshAll();
  });
  await refreshAll();
  document.body.dataset.ready = "true";
  connectLive();
}

main().catch((error) => notice(`the dashboard could not start: ${error.message}`, true));
