// The dashboard page: fetch JSON from the app, draw it with Plotly, redraw when the export changes.
// Everything from the server is put into the page with textContent (never innerHTML).
"use strict";

const POLL_MS = Number(document.body.dataset.pollMs) || 12000;
const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"] };
const state = { version: undefined, panels: [], busy: false };

const $ = (id) => document.getElementById(id);
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function filters() {
  const out = {};
  for (const name of ["start", "end", "country"]) if ($(name).value) out[name] = $(name).value;
  return out;
}

function query() {
  const params = new URLSearchParams(filters()).toString();
  return params ? `?${params}` : "";
}

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString("en-GB", {
    weekday: "short", day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC",
  }) + " UTC";
}

function buildPanels(panels) {
  const grid = $("panels");
  grid.replaceChildren();
  for (const panel of panels) {
    const card = el("article", { class: panel.wide ? "card wide" : "card", id: `card-${panel.id}`, "data-panel": panel.id });
    const header = el("header");
    const heading = el("div");
    heading.append(el("h2", {}, panel.title), el("p", { class: "subtitle" }, panel.subtitle));
    const tags = el("div", { class: "tags" });
    for (const f of panel.filters) tags.append(el("span", { class: "tag" }, f));
    header.append(heading, tags);
    const plot = el("div", { class: "plot", id: `plot-${panel.id}`, "data-state": "loading" });
    const empty = el("div", { class: "empty", id: `empty-${panel.id}` }, "loading…");
    plot.hidden = true;
    card.append(header, plot, empty);
    grid.append(card);
  }
}

async function renderPanel(panel, q) {
  const plot = $(`plot-${panel.id}`);
  const empty = $(`empty-${panel.id}`);
  let body;
  try {
    body = await getJSON(`/api/panels/${panel.id}${q}`);
  } catch (error) {
    body = { status: "error", message: `could not load: ${error.message}` };
  }
  if (body.status === "ok") {
    empty.hidden = true;
    plot.hidden = false;
    await Plotly.react(plot, body.figure.data, body.figure.layout, PLOT_CONFIG);
  } else {
    plot.hidden = true;
    if (plot.data) Plotly.purge(plot);
    empty.hidden = false;
    empty.textContent = body.message;
  }
  plot.dataset.state = body.status;
}

function renderKpis(kpis) {
  const formats = {
    plays: (v) => compact.format(v),
    hours_played: (v) => compact.format(v),
    avg_daily_active_users: (v) => whole.format(v),
    avg_session_minutes: (v) => `${v.toFixed(1)} min`,
    skip_rate: (v) => `${(v * 100).toFixed(1)}%`,
  };
  for (const card of document.querySelectorAll(".kpi")) {
    const item = kpis[card.dataset.kpi];
    const value = card.querySelector(".value");
    const missing = !item || item.value === null || item.value === undefined;
    card.classList.toggle("missing", missing);
    value.textContent = missing ? (item ? item.message || `no data yet for ${item.mart}` : "—") : formats[card.dataset.kpi](item.value);
  }
}

async function refreshPanels() {
  const q = query();
  history.replaceState(null, "", `${location.pathname}${q}`);
  const kpis = getJSON(`/api/kpis${q}`).then(renderKpis).catch(() => {});
  await Promise.all([kpis, ...state.panels.map((panel) => renderPanel(panel, q))]);
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes) + 1);
}

async function refreshAll(status) {
  $("no-data").hidden = status.has_data;
  $("newest-event").textContent = when(status.newest_event_at);
  $("exported-at").textContent = when(status.exported_at);
  const meta = await getJSON("/api/meta");
  if (!state.panels.length) {
    state.panels = meta.panels;
    buildPanels(meta.panels);
  }
  for (const name of ["start", "end"]) {
    $(name).min = meta.min_date || "";
    $(name).max = meta.max_date || "";
  }
  const select = $("country");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "All countries"));
  for (const code of meta.countries) select.append(el("option", { value: code }, code));
  select.value = meta.countries.includes(chosen) ? chosen : "";
  select.disabled = !meta.countries.length;
  select.title = meta.countries.length ? "" : "no country marts exported yet";
  await refreshPanels();
}

async function poll() {
  const live = $("live");
  try {
    const status = await getJSON("/api/status");
    live.className = "live on";
    const version = `${status.exported_at}|${status.newest_event_at}`;
    if (version !== state.version && !state.busy) {
      state.busy = true;
      try {
        await refreshAll(status);
        state.version = version;
      } finally {
        state.busy = false;
      }
    }
  } catch (error) {
    live.className = "live error";
    live.title = `cannot reach the dashboard server: ${error.message}`;
  }
}

function validDates() {
  const { start, end } = filters();
  if (start && end && start > end) {
    $("filter-error").textContent = "“From” must not be after “To”.";
    return false;
  }
  $("filter-error").textContent = "";
  return true;
}

document.addEventListener("DOMContentLoaded", () => {
  const initial = new URLSearchParams(location.search);
  for (const name of ["start", "end"]) if (initial.get(name)) $(name).value = initial.get(name);
  if (initial.get("country")) $("country").append(el("option", { value: initial.get("country") }, initial.get("country")));
  $("country").value = initial.get("country") || "";

  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    if (validDates() && state.panels.length) refreshPanels();
  });
  $("country").addEventListener("change", () => { if (validDates() && state.panels.length) refreshPanels(); });
  $("reset").addEventListener("click", () => {
    for (const name of ["start", "end", "country"]) $(name).value = "";
    validDates();
    if (state.panels.length) refreshPanels();
  });
  poll();
  setInterval(poll, POLL_MS);
});
