// Charts of the supervisor screens, drawn by the vendored uPlot (static/vendor/uplot). The
// server computes every figure (/api/sites/{site}/figures); this module only plots them.
// Each chart also gets a short text summary (aria-label), since a canvas says nothing to a
// screen reader; the printable report carries the same figures as tables.

import uPlot from "/static/vendor/uplot/uPlot.esm.js";

// Colour-blind-safe palette (Okabe–Ito); lines also differ by dash, so colour is never alone.
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
const DASHES = [[], [10, 4], [2, 3], [12, 3, 2, 3], [6, 6], [1, 2], [14, 2], [4, 2, 1, 2]];
const HEIGHT = 220;
const FONT = '13px "Noto Sans CJK JP", "Noto Sans JP", system-ui, sans-serif';

const charts = new Map(); // element id -> {plot, observer}

function place(el, opts, data) {
  const old = charts.get(el.id);
  if (old) {
    old.observer.disconnect();
    old.plot.destroy();
  }
  el.replaceChildren();
  const width = Math.max(280, Math.floor(el.clientWidth || el.parentElement.clientWidth || 480));
  const plot = new uPlot({ ...opts, width, height: opts.height || HEIGHT }, data, el);
  const observer = new ResizeObserver(() => {
    const next = Math.max(280, Math.floor(el.clientWidth));
    if (next && Math.abs(next - plot.width) > 2) plot.setSize({ width: next, height: plot.height });
  });
  observer.observe(el);
  charts.set(el.id, { plot, observer });
  return plot;
}

function axis(extra = {}) {
  return { font: FONT, stroke: "#222", grid: { stroke: "#e3e3e3", width: 1 }, ticks: { stroke: "#bbb" }, ...extra };
}

function timeZoneDate(timezone) {
  return (ts) => uPlot.tzDate(new Date(ts * 1000), timezone);
}

/** Say in words what a chart shows (its aria-label). */
function describe(el, text) {
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", text);
}

function empty(el, t) {
  const old = charts.get(el.id);
  if (old) {
    old.observer.disconnect();
    old.plot.destroy();
    charts.delete(el.id);
  }
  const p = document.createElement("p");
  p.className = "muted chart-empty";
  p.textContent = t("chart_empty");
  el.replaceChildren(p);
  describe(el, t("chart_empty"));
}

/**
 * Lines over the day, one per queue: `values` is {queue: [..]} aligned with `times`.
 * `queues` = [{id, name}] in display order.
 */
export function lineChart(el, { times, values, queues, timezone, unit, t }) {
  if (!times || times.length < 2) return empty(el, t);
  const shown = queues.filter((q) => values[q.id]);
  const hhmm = new Intl.DateTimeFormat("ja-JP", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: timezone });
  const series = [
    { label: t("chart_time"), value: (u, v) => (v == null ? "—" : hhmm.format(new Date(v * 1000))) },
    ...shown.map((q, i) => ({
      label: q.name,
      stroke: COLOURS[i % COLOURS.length],
      dash: DASHES[i % DASHES.length],
      width: 2,
      spanGaps: false,
      value: (u, v) => (v == null ? "—" : `${v}${unit}`),
    })),
  ];
  const data = [times, ...shown.map((q) => values[q.id])];
  place(el, {
    tzDate: timeZoneDate(timezone),
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(5, Math.ceil((max || 0) * 1.1))] } },
    axes: [axis({ values: (u, splits) => splits.map((v) => hhmm.format(new Date(v * 1000))) }), axis({ size: 48 })],
    series,
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  }, data);
  const last = shown.map((q) => `${q.name} ${values[q.id][values[q.id].length - 1] ?? "—"}${unit}`).join("、");
  describe(el, last);
}

/** Vertical bars: arrivals per hour (`counts` has 24 entries, local hours). */
export function hourBars(el, { counts, t }) {
  const hours = counts.map((n, hour) => ({ n, hour })).filter((x) => x.n > 0);
  if (!hours.length) return empty(el, t);
  const first = Math.min(8, hours[0].hour);
  const last = Math.max(17, hours[hours.length - 1].hour);
  const xs = [];
  const ys = [];
  for (let hour = first; hour <= last; hour += 1) {
    xs.push(hour);
    ys.push(counts[hour] || 0);
  }
  place(el, {
    scales: { x: { time: false, range: [first - 0.5, last + 0.5] }, y: { range: (u, min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] } },
    axes: [axis({ values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? `${v}時` : "")) }), axis({ size: 44 })],
    series: [
      { label: t("chart_hour"), value: (u, v) => (v == null ? "—" : `${v}時台`) },
      {
        label: t("chart_tickets"),
        fill: "#0072B2cc",
        stroke: "#0072B2",
        width: 1,
        paths: uPlot.paths.bars({ size: [0.7, 60] }),
        points: { show: false },
      },
    ],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  }, [xs, ys]);
  describe(el, xs.map((hour, i) => `${hour}時台 ${ys[i]}`).join("、"));
}

/**
 * Horizontal bars: p50 and p90 of service minutes per procedure (`rows` = [{name, p50, p90}],
 * largest first; at most `limit` shown).
 */
export function procedureBars(el, { rows, t, limit = 10 }) {
  const shown = rows.slice(0, limit);
  if (!shown.length) return empty(el, t);
  const xs = shown.map((_, i) => i);
  const names = shown.map((r) => r.name);
  const short = names.map((n) => (n.length > 11 ? `${n.slice(0, 10)}…` : n));
  place(el, {
    height: Math.max(HEIGHT, 34 * shown.length + 60),
    scales: {
      x: { time: false, ori: 1, dir: -1, range: [-0.6, shown.length - 0.4] },
      y: { ori: 0, dir: 1, range: (u, min, max) => [0, Math.max(5, Math.ceil(max * 1.1))] },
    },
    axes: [
      axis({ scale: "x", side: 3, size: 170, gap: 6, grid: { show: false }, splits: () => xs, values: () => short }),
      axis({ scale: "y", side: 2, size: 40 }),
    ],
    series: [
      { label: t("chart_procedure"), value: (u, v) => (v == null ? "—" : names[v] || "") },
      {
        label: t("chart_p50"),
        fill: "#0072B2cc",
        stroke: "#0072B2",
        width: 1,
        paths: uPlot.paths.bars({ size: [0.4, 18], align: 1 }),
        points: { show: false },
        value: (u, v) => (v == null ? "—" : `${v}`),
      },
      {
        label: t("chart_p90"),
        fill: "#D55E0099",
        stroke: "#D55E00",
        width: 1,
        paths: uPlot.paths.bars({ size: [0.4, 18], align: -1 }),
        points: { show: false },
        value: (u, v) => (v == null ? "—" : `${v}`),
      },
    ],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  }, [xs, shown.map((r) => r.p50), shown.map((r) => r.p90)]);
  describe(el, shown.map((r) => `${r.name} ${r.p50}/${r.p90}`).join("、"));
}

/** Draw the three day charts and the procedure chart from one figures document. */
export function drawFigures(ids, figures, { queues, procedureName, timezone, t }) {
  const series = figures.series;
  for (const [key, id] of Object.entries(ids)) if (!document.getElementById(id)) delete ids[key];
  if (ids.waiting) {
    lineChart(document.getElementById(ids.waiting), {
      times: series && series.times, values: series ? series.waiting : {}, queues, timezone, unit: t("persons", { n: "" }), t,
    });
  }
  if (ids.estimate) {
    lineChart(document.getElementById(ids.estimate), {
      times: series && series.times, values: series ? series.estimated_wait : {}, queues, timezone, unit: t("minutes", { n: "" }), t,
    });
  }
  if (ids.arrivals) hourBars(document.getElementById(ids.arrivals), { counts: figures.arrivals_by_hour, t });
  if (ids.service) {
    const rows = Object.entries(figures.service_by_procedure)
      .filter(([, s]) => s.count > 0)
      .sort((a, b) => b[1].count - a[1].count)
      .map(([pid, s]) => ({ name: procedureName(pid), p50: Math.round((s.p50 / 60) * 10) / 10, p90: Math.round((s.p90 / 60) * 10) / 10 }));
    procedureBars(document.getElementById(ids.service), { rows, t });
  }
}
