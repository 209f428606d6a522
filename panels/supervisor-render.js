// The live view's sections as DOM, from the server's `supervisor` view (entities) and the
// catalog. No office rule is decided here: alerts, thresholds, the watch list and the times
// from which something counts as late all come from the server.

import { clockTime, h } from "/static/dom.js";

const WATCH_ORDER = { parked: 0, called: 1, serving: 2, out: 3, requeued: 4, no_show: 5 };
const NO_SHOWS_SHOWN = 5;

/** Office names from the catalog, in the page's language. */
export class Names {
  constructor(catalog) {
    this.catalog = catalog;
    this.queues = new Map(catalog.queues.map((q) => [q.id, q]));
    this.counters = new Map(catalog.counters.map((c) => [c.id, c]));
    this.departments = new Map(catalog.departments.map((d) => [d.id, d]));
    this.boards = new Map(catalog.boards.map((b) => [b.id, b]));
  }

  queue(t, id) {
    const q = this.queues.get(id);
    return q ? `${q.series} ${t.label(q.label)}` : id;
  }

  counter(t, id) {
    const c = this.counters.get(id);
    return c ? t("counter_n", { n: c.number }) : id;
  }

  department(t, id) {
    const d = this.departments.get(id);
    return d ? t.label(d.name) : id;
  }

  board(t, id) {
    const b = this.boards.get(id);
    return b ? t.label(b.name) : id;
  }

  procedure(t, id) {
    const p = this.catalog.procedures[id];
    return p ? t.label(p.name) : id;
  }
}

function minutesText(t, value) {
  return value == null ? t("no_counter") : t("minutes", { n: value });
}

// --- alerts -------------------------------------------------------------------------------------

/** Queues in alert, each with the closed or paused counters that could serve it. */
export function alertItems(ctx) {
  const { entities, names, t } = ctx;
  const queues = entities.queues || {};
  const counters = entities.counters || {};
  return ctx.catalog.queues
    .filter((q) => queues[q.id] && queues[q.id].alert)
    .map((q) => {
      const entity = queues[q.id];
      const spare = Object.values(counters).filter(
        (c) => c.status !== "open" && (c.queues || []).includes(q.id),
      );
      const values = {
        queue: names.queue(t, q.id),
        wait: entity.estimated_wait,
        limit: entity.alert_minutes,
        waiting: entity.waiting,
        open: entity.open_counters,
      };
      return { queue: q.id, kind: entity.alert, text: t(`alert_${entity.alert}`, values), spare };
    });
}

export function alertList(ctx, items) {
  const { t, names } = ctx;
  return items.map((item) =>
    h(
      "li",
      { class: "alert-item", dataset: { queue: item.queue, kind: item.kind } },
      h("strong", { class: "alert-mark" }, `⚠ ${t("alert_mark")}`),
      " ",
      h("span", { class: "alert-text" }, item.text),
      item.spare.length
        ? h(
            "span",
            { class: "alert-spare" },
            " ",
            t("alert_hint", { counters: item.spare.map((c) => names.counter(t, c.id)).join("、") }),
            " ",
            item.spare.slice(0, 3).map((c) =>
              h(
                "button",
                {
                  type: "button",
                  class: "small",
                  dataset: { action: "open", counter: c.id, focusKey: `alert-open-${c.id}` },
                  disabled: !ctx.live,
                },
                `${names.counter(t, c.id)} ${t("a_open")}`,
              ),
            ),
          )
        : null,
    ),
  );
}

// --- queues -------------------------------------------------------------------------------------

function trendCell(t, trend) {
  if (!trend || !trend.direction) return h("span", { class: "trend", dataset: { trend: "unknown" } }, t("trend_unknown"));
  const delta = Math.abs((trend.estimated_wait ?? 0) - (trend.estimated_wait_before ?? 0));
  const key = `trend_${trend.direction}`;
  return h("span", { class: "trend", dataset: { trend: trend.direction } }, t(key, { n: delta }));
}

export function queueRows(ctx) {
  const { entities, names, t, trend, clock } = ctx;
  const queues = entities.queues || {};
  return ctx.catalog.queues
    .filter((q) => queues[q.id])
    .map((q) => {
      const e = queues[q.id];
      const longest = e.oldest_queued_at != null ? clock.minutes(e.oldest_queued_at) : null;
      const late = e.longest_alert_at != null && clock.now() >= e.longest_alert_at;
      const changed = e.alert_minutes !== e.configured_alert_minutes;
      return h(
        "tr",
        { dataset: { queue: q.id, alert: e.alert || "" }, class: e.alert ? "in-alert" : "" },
        h(
          "th",
          { scope: "row" },
          h("span", { class: "series" }, q.series),
          " ",
          t.label(q.label),
          e.alert ? h("span", { class: "badge alert" }, `⚠ ${t("alert_mark")}`) : null,
        ),
        h(
          "td",
          { class: "num waiting" },
          t("persons", { n: e.waiting }),
          // Stepped out, keeping their place: not in the wait, but they will come back.
          e.out ? h("small", { class: "out-count", dataset: { out: String(e.out) } }, ` ↗${t("out_count", { n: e.out })}`) : null,
        ),
        h(
          "td",
          { class: `num longest${late ? " late" : ""}`, dataset: { since: e.oldest_queued_at ?? "", lateAt: e.longest_alert_at ?? "" } },
          longest == null ? "—" : t("minutes", { n: longest }),
          late ? h("span", { class: "badge warn" }, t("over_limit")) : null,
        ),
        h("td", { class: "num estimate" }, e.waiting ? minutesText(t, e.estimated_wait) : "—"),
        h("td", {}, trendCell(t, trend[q.id])),
        h("td", { class: "num" }, String(e.open_counters)),
        h(
          "td",
          { class: "threshold" },
          t("threshold_value", { n: e.alert_minutes }),
          changed ? h("small", { class: "muted" }, t("threshold_changed", { n: e.configured_alert_minutes })) : null,
        ),
        h(
          "td",
          { class: "row-actions" },
          h(
            "button",
            { type: "button", class: "secondary small", dataset: { action: "line", queue: q.id, focusKey: `line-${q.id}` } },
            t("a_line"),
            h("span", { class: "visually-hidden" }, ` ${names.queue(t, q.id)}`),
          ),
          h(
            "button",
            { type: "button", class: "secondary small", disabled: !ctx.live, dataset: { action: "threshold", queue: q.id, focusKey: `th-${q.id}` } },
            t("a_threshold"),
            h("span", { class: "visually-hidden" }, ` ${names.queue(t, q.id)}`),
          ),
        ),
      );
    });
}

// --- counters -----------------------------------------------------------------------------------

function servingCell(ctx, counter) {
  const { entities, t } = ctx;
  const visit = counter.visit ? (entities.visits || {})[counter.visit] : null;
  if (visit) {
    const step = visit.steps[visit.current] || {};
    const since = visit.status === "serving" ? step.started_at : step.called_at;
    return h(
      "span",
      { class: "serving", dataset: { status: visit.status } },
      h("span", { class: "ticket" }, visit.ticket),
      visit.protected ? h("span", { class: "badge info" }, "🛡 ", t("protected")) : null,
      " ",
      h("span", { class: "serving-state" }, t(visit.status === "serving" ? "state_serving" : "state_called")),
      " ",
      h("span", { class: "elapsed", dataset: { elapsed: since || "" } }, since ? ctx.clock.elapsed(since) : ""),
    );
  }
  if (counter.status === "open" && counter.idle_since) {
    return h("span", { class: "idle muted", dataset: { idleSince: counter.idle_since } }, t("idle_for", { t: ctx.clock.elapsed(counter.idle_since) }));
  }
  return h("span", { class: "muted" }, "—");
}

/** What opening a closed or paused counter now would do to its lines (the server's what-if). */
function whatIf(ctx, counter) {
  const { names, t } = ctx;
  const lines = counter.what_if || [];
  if (!lines.length) return null;
  const parts = lines.map((l) =>
    t("what_if_line", { queue: names.queues.get(l.queue)?.series || l.queue, before: l.before ?? "—", after: l.after ?? "—" }),
  );
  return h("p", { class: "what-if", dataset: { whatIf: counter.id } }, `${t("what_if_title")}: ${parts.join("、")}`);
}

export function counterRows(ctx) {
  const { entities, names, t } = ctx;
  const counters = entities.counters || {};
  return ctx.catalog.counters
    .filter((c) => counters[c.id])
    .map((c) => {
      const e = counters[c.id];
      const label = c.label ? t.label(c.label) : "";
      const name = names.counter(t, c.id);
      const button = (action, text, enabled, extra = "") =>
        h(
          "button",
          {
            type: "button",
            class: `small ${action === "open" ? "" : "secondary"}`.trim(),
            disabled: !ctx.live || !enabled,
            dataset: { action, counter: c.id, focusKey: `${action}-${c.id}` },
          },
          text,
          h("span", { class: "visually-hidden" }, ` ${name}${extra}`),
        );
      return h(
        "tr",
        { dataset: { counter: c.id, status: e.status } },
        h(
          "th",
          { scope: "row" },
          h("span", { class: "counter-number" }, name),
          label ? h("small", { class: "muted" }, ` ${label}`) : null,
          h("span", { class: "department" }, names.department(t, c.department)),
        ),
        h("td", {}, h("span", { class: "status-badge", dataset: { status: e.status } }, t(`status_${e.status}`))),
        h("td", {}, e.status !== "closed" ? e.clerk_name || e.clerk || "—" : "—"),
        h("td", {}, servingCell(ctx, e)),
        h(
          "td",
          { class: "calls-from" },
          (e.queues || []).map((q) => h("span", { class: "queue-chip", title: names.queue(t, q) }, names.queues.get(q)?.series || q)),
          e.reassigned ? h("span", { class: "badge info" }, t("reassigned")) : null,
        ),
        h(
          "td",
          { class: "row-actions" },
          whatIf(ctx, e),
          button("open", t("a_open"), e.status !== "open"),
          button("pause", t("a_pause"), e.status === "open"),
          button("close", t("a_close"), e.status !== "closed" && !e.visit),
          button("assign", t("a_assign"), true),
        ),
      );
    });
}

// --- watch list ---------------------------------------------------------------------------------

/** Entries of the watch list to show now: parked, requeued and no-shows always; visitors at a
 * counter, or stepped out, once the server's `flag_at` (a long wait, the back-by time) has passed. */
export function watchItems(ctx) {
  const now = ctx.clock.now();
  const all = Object.values(ctx.entities.watch || {}).filter(
    (w) => !["called", "serving", "out"].includes(w.kind) || now >= w.flag_at,
  );
  all.sort((a, b) => WATCH_ORDER[a.kind] - WATCH_ORDER[b.kind] || b.since - a.since);
  const noShows = all.filter((w) => w.kind === "no_show");
  return [...all.filter((w) => w.kind !== "no_show"), ...noShows.slice(0, NO_SHOWS_SHOWN)];
}

export function watchList(ctx, items) {
  const { t, clock } = ctx;
  if (!items.length) return [h("li", { class: "muted" }, t("watch_none"))];
  return items.map((w) => {
    const values = {
      ticket: w.ticket,
      t: t("minutes", { n: clock.minutes(w.since) }),
      at: clockTime(w.since, ctx.timezone),
      counter: w.counter,
      n: w.requeues || 0,
      back: w.back_by ? clockTime(w.back_by, ctx.timezone) : "",
    };
    return h(
      "li",
      { class: "watch-item", dataset: { kind: w.kind, visit: w.id } },
      h("span", { class: "badge", dataset: { kind: w.kind } }, w.kind === "no_show" ? "✕" : "!"),
      " ",
      t(`watch_${w.kind}`, values),
      w.note ? h("span", { class: "muted note" }, ` — ${w.note}`) : null,
      w.kind === "parked"
        ? h(
            "button",
            { type: "button", class: "small secondary", disabled: !ctx.live, dataset: { action: "unpark", visit: w.id, ticket: w.ticket, focusKey: `unpark-${w.id}` } },
            t("a_unpark"),
          )
        : null,
      w.kind === "requeued"
        ? h(
            "button",
            { type: "button", class: "small secondary", disabled: !ctx.live, dataset: { action: "move", visit: w.id, ticket: w.ticket, queue: w.queue, focusKey: `move-${w.id}` } },
            t("a_move"),
          )
        : null,
    );
  });
}

// --- notices ------------------------------------------------------------------------------------

export function noticeList(ctx) {
  const { t, names } = ctx;
  const notices = Object.values(ctx.entities.notices || {}).sort((a, b) => b.at - a.at);
  if (!notices.length) return [h("li", { class: "muted" }, t("notices_none"))];
  return notices.map((n) =>
    h(
      "li",
      { class: "notice-item", dataset: { notice: n.id } },
      h("p", { class: "notice-text", lang: "ja" }, n.text.ja),
      n.text.en ? h("p", { class: "notice-text", lang: "en" }, n.text.en) : null,
      h(
        "p",
        { class: "muted small" },
        t("notice_posted", { at: clockTime(n.at, ctx.timezone) }),
        " · ",
        n.boards.length ? n.boards.map((b) => names.board(t, b)).join("、") : t("notice_where_all"),
      ),
      h(
        "button",
        { type: "button", class: "small secondary", disabled: !ctx.live, dataset: { action: "withdraw", notice: n.id, focusKey: `withdraw-${n.id}` } },
        t("a_withdraw"),
      ),
    ),
  );
}

// --- number leases of guide phones ------------------------------------------------------------

/** Numbers set aside on guide phones for issuing offline: who holds how many, which. */
export function leaseList(ctx) {
  const { t } = ctx;
  const leases = Object.values(ctx.entities.leases || {}).sort((a, b) => a.by.localeCompare(b.by) || a.device.localeCompare(b.device));
  if (!leases.length) return [h("li", { class: "muted" }, t("leases_none"))];
  return leases.map((l) =>
    h(
      "li",
      { class: "lease-item", dataset: { device: l.device } },
      h("strong", {}, l.by_name || l.by),
      ` · ${t("leases_count", { n: l.count })} · `,
      h("span", { class: "muted small" }, `${t("leases_device")} ${l.device.slice(0, 8)}`),
      h(
        "p",
        { class: "small" },
        Object.entries(l.numbers)
          .map(([series, numbers]) => `${series}${String(Math.min(...numbers)).padStart(3, "0")}–${String(Math.max(...numbers)).padStart(3, "0")} (${numbers.length})`)
          .join("  "),
      ),
    ),
  );
}

export function boardChecks(ctx) {
  const { t, names } = ctx;
  return ctx.catalog.boards.map((b) =>
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "board", value: b.id, checked: true }),
      ` ${names.board(t, b.id)}`,
    ),
  );
}

// --- the line of one queue (dialog) -------------------------------------------------------------

export function lineItems(ctx, queueId) {
  const { entities, t, clock } = ctx;
  const line = ((entities.queues || {})[queueId] || {}).line || [];
  const visits = entities.visits || {};
  if (!line.length) return [h("li", { class: "muted" }, t("dlg_line_empty"))];
  return line
    .map((id) => visits[id])
    .filter(Boolean)
    .map((v) => {
      const step = v.steps[v.current] || {};
      return h(
        "li",
        { dataset: { visit: v.id } },
        h("span", { class: "ticket" }, v.ticket),
        " ",
        h("span", { class: "muted" }, t("dlg_line_waited", { t: t("minutes", { n: clock.minutes(step.queued_at) }) })),
        v.priority ? h("span", { class: "badge info" }, t("dlg_priority")) : null,
        v.protected ? h("span", { class: "badge info" }, "🛡 ", t("protected")) : null,
        // Only a supervisor may make a protected visit an ordinary one again.
        v.protected
          ? h(
              "button",
              { type: "button", class: "small secondary", disabled: !ctx.live, dataset: { action: "unprotect", visit: v.id, ticket: v.ticket, focusKey: `unprotect-${v.id}` } },
              t("a_unprotect"),
              h("span", { class: "visually-hidden" }, ` ${v.ticket}`),
            )
          : null,
        " ",
        h(
          "button",
          { type: "button", class: "small secondary", disabled: !ctx.live, dataset: { action: "move", visit: v.id, ticket: v.ticket, queue: queueId, focusKey: `move-${v.id}` } },
          t("a_move"),
          h("span", { class: "visually-hidden" }, ` ${v.ticket}`),
        ),
      );
    });
}

/**
 * The bereavement corner (issue 22b): each booth, the family there, who is with them or
 * asked to come, and who comes next; today's bookings still to arrive.
 */
export function boothList(ctx) {
  const { t, names } = ctx;
  const booths = Object.values(ctx.entities.booths || {});
  const now = ctx.clock.now();
  const who = (departments) => departments.map((d) => t.label(d.name)).join("・");
  return booths.map((b) => {
    const hold = (b.holds || []).find((x) => x.hold_from <= now && now < x.hold_until);
    let state;
    if (!b.visit) state = hold ? t("booth_held", { slot: hold.slot }) : t("booth_free");
    else if (b.status === "serving") state = t("booth_with", { who: who(b.departments), counter: b.counter });
    else state = t("booth_asking", { who: who(b.departments), queue: names.queue(t, b.queue) });
    return h(
      "li",
      { class: `booth-item ${b.visit ? b.status : hold ? "held" : "free"}`, dataset: { booth: b.id } },
      h("strong", {}, t.label(b.label)),
      b.visit ? h("span", { class: "ticket" }, ` ${b.ticket}`) : null,
      h("p", { class: "booth-now" }, state, b.visit ? " · " : null, b.visit ? h("span", { class: "muted", dataset: { elapsed: String(b.since) } }, ctx.clock.elapsed(b.since)) : null),
      b.visit ? h("p", { class: "booth-next small" }, b.next_departments.length ? t("booth_next", { who: who(b.next_departments) }) : t("booth_last")) : null,
      (b.holds || []).length
        ? h("p", { class: "muted small" }, t("booth_bookings", { slots: b.holds.map((x) => x.slot).join(", ") }))
        : null,
    );
  });
}
