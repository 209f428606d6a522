// Rendering of the counter panel's lists and status areas from the derived model
// (counter-model.js). Each function returns fresh nodes; the controller swaps them in and
// keeps focus. Visitor cards live in counter-visit.js.

import { clockTime, h } from "/static/dom.js";
import { keyFor } from "/panels/counter-keys.js";
import { shownTicket } from "/panels/counter-model.js";
import { incomingCard, whereText } from "/panels/counter-visit.js";

export { servingCard, whereText } from "/panels/counter-visit.js";

/** What the serving area says when nobody stands at the counter. */
export function idleCard(ctx, model, actor) {
  const { t } = ctx;
  const counter = model.counter;
  if (!counter) return h("p", { class: "idle" }, t("no_counter_msg"));
  if (counter.status === "closed") return h("p", { class: "idle closed" }, t("closed_msg"));
  if (counter.status === "paused") return h("p", { class: "idle paused" }, t("paused_msg"));
  const parts = [];
  if (counter.clerk && counter.clerk !== actor) parts.push(h("p", { class: "warn" }, t("taken_msg", { clerk: counter.clerk })));
  const head = counter.next ? model.visits[counter.next] : null;
  if (!head) {
    parts.push(h("p", { class: "idle empty" }, t("idle_empty")));
    return parts;
  }
  parts.push(h("p", { class: "idle ready" }, t("idle_ready"), " ", h("kbd", {}, keyFor("callNext"))));
  // A protected visitor this department has not met yet: that they are next, no more.
  if (head.stub) return [...parts, h("p", { class: "muted" }, t("idle_next_protected"))];
  const queued = head.steps[head.current].queued_at;
  parts.push(
    h("p", { class: "muted" }, t("idle_next", { ticket: head.ticket, wait: t("waited", { t: t("minutes", { n: ctx.clock.minutes(queued) }) }) })),
  );
  return parts;
}

/** The waiting lines this counter calls from, in call order. */
export function queueSection(ctx, model, canCall) {
  const { t, catalog } = ctx;
  return model.lines.map((line) => {
    const q = line.queue;
    const stats = q
      ? t("queue_stats", {
          waiting: q.waiting,
          wait: q.estimated_wait === null ? t("unknown_wait") : t("minutes", { n: q.estimated_wait }),
          open: q.open_counters,
        }) + (q.out ? ` · ↗${t("out_h", { n: q.out })}` : "")
      : "";
    return h(
      "div",
      { class: "line", dataset: { queue: line.id } },
      h("h3", {}, catalog.queueLabel(t, line.id), " ", h("span", { class: "muted stats" }, stats)),
      line.visits.length
        ? h(
            "ol",
            { class: "line-items" },
            line.visits.map((v, i) => lineItem(ctx, v, i, canCall, model.counter && model.counter.next)),
          )
        : h("p", { class: "muted" }, t("queue_empty")),
      outList(ctx, line),
    );
  });
}

/** Visitors of a line who stepped out (いったん外出): their back-by time, whether their call
 *  was held, and "Back" for when they return to the counter. */
function outList(ctx, line) {
  const { t, timezone } = ctx;
  if (!line.out.length) return null;
  const now = ctx.clock.now();
  return h(
    "div",
    { class: "out-list" },
    h("h4", {}, "↗ ", t("out_h", { n: line.out.length })),
    h(
      "ul",
      { class: "out-items" },
      line.out.map((v) => {
        const out = v.out || {};
        const overdue = now > out.back_by;
        return h(
          "li",
          { class: overdue ? "out-item overdue" : "out-item", dataset: { visit: v.id, ticket: v.ticket } },
          h("span", { class: "ticket" }, v.ticket),
          h("span", { class: "badge out" }, "↗ ", t("out_badge", { time: clockTime(out.back_by, timezone) })),
          v.position !== null && v.position !== undefined ? h("span", { class: "muted" }, t("out_ahead", { n: v.position })) : null,
          out.held_at ? h("span", { class: "badge held" }, "⏸ ", t("out_held")) : null,
          !out.held_at && out.asked_at ? h("span", { class: "badge asked" }, "✉ ", t("out_asked")) : null,
          overdue ? h("span", { class: "badge overdue" }, "⚠ ", t("out_overdue", { time: clockTime(out.until, timezone) })) : null,
          h(
            "button",
            {
              type: "button",
              class: "secondary small",
              "data-action": "stepBack",
              "data-visit": v.id,
              "data-focus-key": `back-${v.id}`,
              "aria-label": t("step_back_label", { ticket: v.ticket }),
            },
            t("step_back"),
          ),
        );
      }),
    ),
  );
}

function lineItem(ctx, visit, index, canCall, nextId) {
  const { t, catalog, department } = ctx;
  const step = visit.steps[visit.current];
  return h(
    "li",
    { class: visit.priority ? "line-item priority" : "line-item", dataset: { visit: visit.id, ticket: visit.ticket } },
    h("span", { class: "pos", "aria-hidden": "true" }, String(index + 1)),
    h("span", { class: "ticket" }, visit.ticket),
    visit.protected ? h("span", { class: "badge protected" }, "🛡 ", t("protected")) : null,
    visit.priority ? h("span", { class: "badge priority" }, "★ ", t("priority")) : null,
    visit.id === nextId ? h("span", { class: "badge next" }, "▶ ", t("next_up"), h("kbd", {}, keyFor("callNext"))) : null,
    h("span", { class: "waited", dataset: { waited: String(step.queued_at) } }, t("waited", { t: t("minutes", { n: ctx.clock.minutes(step.queued_at) }) })),
    h("span", { class: "procs" }, step.procedures.map((p) => catalog.procedureName(t, p.id, department)).join("・")),
    step.note ? h("span", { class: "badge handoff-mark" }, `✎ ${t("handoff")}`) : null,
    visit.intake.needs.length ? h("span", { class: "badge need" }, visit.intake.needs.map((n) => catalog.needLabel(t, n)).join("・")) : null,
    h(
      "button",
      {
        type: "button",
        class: "secondary small",
        "data-action": "callTicket",
        "data-visit": visit.id,
        "data-focus-key": `call-${visit.id}`,
        "aria-label": t("call_this_label", { ticket: visit.ticket }),
        disabled: !canCall,
      },
      t("call_this"),
    ),
    h(
      "button",
      {
        type: "button",
        class: "secondary small",
        "data-action": "stepOut",
        "data-visit": visit.id,
        "data-focus-key": `out-${visit.id}`,
        "aria-label": t("step_out_label", { ticket: visit.ticket }),
      },
      "↗ ",
      t("step_out"),
    ),
  );
}

/** Visitors parked at this department's step, with a way back to the line. */
export function parkedSection(ctx, model, canUnpark) {
  const { t } = ctx;
  if (!model.parked.length) return null;
  return [
    h("h3", {}, t("parked_h"), " ", h("kbd", {}, keyFor("unpark"))),
    h(
      "ul",
      { class: "parked" },
      model.parked.map((v) =>
        h(
          "li",
          { dataset: { visit: v.id } },
          h("span", { class: "ticket" }, v.ticket),
          " ",
          h("span", { class: "muted" }, (v.steps[v.current].note || "").split("\n").pop()),
          " ",
          h(
            "button",
            {
              type: "button",
              class: "secondary small",
              "data-action": "unpark",
              "data-visit": v.id,
              "data-focus-key": `unpark-${v.id}`,
              "aria-label": t("unpark_this_label", { ticket: v.ticket }),
              disabled: !canUnpark,
            },
            t("unpark_this"),
          ),
        ),
      ),
    ),
  ];
}

/**
 * Bereavement corner (issue 22b): families seated at a booth who need this department now,
 * each with a button to take the request and go to the booth; then those whose turn here
 * comes after another department.
 */
export function boothSection(ctx, model, canTake) {
  const { t, catalog, department } = ctx;
  if (!model.boothRequests.length && !model.boothLater.length) return null;
  const procs = (visit, step) => step.procedures.filter((p) => !p.done).map((p) => catalog.procedureName(t, p.id, department)).join("・");
  return h(
    "div",
    { class: "booth-lane", "data-testid": "booth-lane" },
    h("h3", {}, t("booth_h")),
    model.boothRequests.length
      ? h(
          "ul",
          { class: "booth-requests" },
          model.boothRequests.map((v) => {
            const step = v.steps[v.current];
            const booth = catalog.boothLabel(t, v.booth);
            return h(
              "li",
              { class: "booth-request", dataset: { visit: v.id, booth: v.booth } },
              h("p", { class: "booth-need" }, t("booth_needs", { booth, procs: procs(v, step) })),
              h("p", { class: "muted" }, `${v.ticket} · `, h("span", { dataset: { waited: String(step.queued_at) } }, t("waited", { t: t("minutes", { n: ctx.clock.minutes(step.queued_at) }) }))),
              h(
                "button",
                {
                  type: "button",
                  "data-action": "takeBooth",
                  "data-visit": v.id,
                  "data-focus-key": `take-${v.id}`,
                  "aria-label": t("booth_take_label", { booth }),
                  disabled: !canTake,
                },
                t("booth_take"),
              ),
            );
          }),
        )
      : null,
    model.boothLater.length
      ? h(
          "ul",
          { class: "booth-later muted" },
          model.boothLater.map((v) => {
            const step = v.steps[v.briefing.step];
            return h("li", { dataset: { visit: v.id } }, t("booth_later", { booth: catalog.boothLabel(t, v.booth), procs: procs(v, step) }));
          }),
        )
      : null,
  );
}

/** Visitors heading for this department: the panel's "we are expecting you" list. */
export function incomingSection(ctx, model) {
  const { t } = ctx;
  const cards = model.incoming.map((v) => incomingCard(ctx, v));
  const elsewhere = model.elsewhere.length
    ? [
        h("h3", {}, t("elsewhere_h")),
        h(
          "ul",
          { class: "elsewhere" },
          model.elsewhere.map((v) => h("li", {}, h("span", { class: "ticket" }, v.ticket), " ", whereText(ctx, v))),
        ),
      ]
    : null;
  return [cards.length ? h("ul", { class: "incoming-list" }, cards) : h("p", { class: "muted" }, t("incoming_empty")), elsewhere];
}

/** The last visitors this department finished with, and where they went. */
export function recentSection(ctx, model) {
  const { t, catalog, timezone } = ctx;
  if (!model.recent.length) return h("p", { class: "muted" }, t("recent_empty"));
  return h(
    "ul",
    { class: "recent" },
    model.recent.map((r) => {
      let next;
      if (r.next_counter) next = t("rec_next_counter", { counter: r.next_counter });
      else if (r.next_queue) next = t("rec_next_queue", { queue: catalog.queueLabel(t, r.next_queue) });
      else if (r.status === "done") next = t("rec_home");
      else next = t("rec_closed", { status: t.has(`visit_${r.status}`) ? t(`visit_${r.status}`) : r.status });
      return h(
        "li",
        { dataset: { visit: r.id, ticket: r.ticket } },
        h("span", { class: "ticket" }, r.ticket),
        ` · ${t("counter_option", { number: r.counter })} · ${clockTime(r.done_at, timezone)} · `,
        h("span", { class: "rec-next" }, next),
      );
    }),
  );
}

/** The department's counters at a glance (who is open, who serves whom). */
export function countersSection(ctx, model, counterId) {
  const { t } = ctx;
  return h(
    "ul",
    { class: "dept-counters" },
    model.departmentCounters.map((c) => {
      const visit = c.visit ? model.visits[c.visit] : null;
      return h(
        "li",
        { class: `dept-counter ${c.status}${c.id === counterId ? " mine" : ""}` },
        h("strong", {}, t("counter_option", { number: c.number })),
        c.id === counterId ? ` ${t("mine")}` : "",
        " · ",
        t(`status_${c.status}`),
        c.status === "open" ? ` · ${visit ? shownTicket(t, visit) : t("counter_free")}` : "",
      );
    }),
  );
}
