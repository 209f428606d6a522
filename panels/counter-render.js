// Rendering of the counter panel's sections from the derived model (counter-model.js).
// Each function returns fresh nodes; the controller swaps them in and keeps focus.

import { clockTime, h } from "/panels/counter-dom.js";
import { keyFor } from "/panels/counter-keys.js";

/** The purpose a clerk greets the visitor with: the life events the guide chose. */
export function purposeText(ctx, visit) {
  const { t, catalog } = ctx;
  const names = visit.intake.events.map((id) => catalog.eventName(t, id));
  return names.length ? names.join("・") : t("purpose_extra");
}

function badges(ctx, visit) {
  const { t, catalog } = ctx;
  const intake = visit.intake;
  const out = [];
  if (visit.priority) out.push(h("span", { class: "badge priority" }, "★ ", t("priority")));
  for (const need of intake.needs) out.push(h("span", { class: "badge need" }, catalog.needLabel(t, need)));
  if (intake.language && intake.language !== "ja") {
    out.push(h("span", { class: "badge lang" }, `${t("language")}: ${catalog.languageLabel(t, intake.language)}`));
  }
  if (intake.interpreter) out.push(h("span", { class: "badge lang" }, `${t("interpreter")}: ${intake.interpreter}`));
  if (intake.party_size > 1) out.push(h("span", { class: "badge" }, t("party", { n: intake.party_size })));
  return out.length ? h("p", { class: "badges" }, out) : null;
}

function procedureItems(ctx, visit, step, { buttons = false } = {}) {
  const { t, catalog, department } = ctx;
  let digit = 0;
  return h(
    "ol",
    { class: "procedures" },
    step.procedures.map((p) => {
      const proc = catalog.procedure(p.id);
      const name = catalog.procedureName(t, p.id, department);
      const open = !p.done;
      if (open) digit += 1;
      const extraNote = p.note && !(step.note || "").includes(p.note) ? p.note : "";
      return h(
        "li",
        { class: p.done ? "proc done" : "proc", dataset: { procedure: p.id } },
        h("span", { class: "proc-state" }, p.done ? `✓ ${t("done")}` : `□ ${t("not_done")}`),
        " ",
        h("span", { class: "proc-name" }, name),
        proc && proc.consultation ? h("span", { class: "badge consult" }, `◎ ${t("consultation")}`) : null,
        p.added_by ? h("span", { class: "added-by" }, t("added_by", { who: p.added_by })) : null,
        extraNote ? h("span", { class: "proc-note" }, extraNote) : null,
        buttons && open
          ? h(
              "button",
              {
                type: "button",
                class: "secondary small",
                "data-action": "completeProcedure",
                "data-procedure": p.id,
                "data-focus-key": `proc-${p.id}`,
                "aria-label": t("a_complete_proc_label", { name }),
                "aria-keyshortcuts": digit <= 9 ? String(digit) : null,
              },
              t("a_complete_proc_n"),
              digit <= 9 ? h("kbd", {}, String(digit)) : null,
            )
          : null,
      );
    }),
  );
}

function noteBlock(cls, title, text) {
  if (!text) return null;
  return h("div", { class: `note ${cls}` }, h("strong", {}, title), h("p", {}, text));
}

function documentsBlock(ctx, visit) {
  const { t, catalog } = ctx;
  const docs = visit.briefing ? visit.briefing.documents : [];
  if (!docs.length) return null;
  return h(
    "div",
    { class: "block documents" },
    h("h4", {}, t("documents")),
    h(
      "ul",
      {},
      docs.map((d) =>
        h(
          "li",
          { class: d.have ? "doc have" : "doc check" },
          h("span", { class: "doc-state" }, d.have ? `✓ ${t("doc_have")}` : `! ${t("doc_check")}`),
          " ",
          catalog.documentName(t, d.id),
        ),
      ),
    ),
  );
}

function answersList(ctx, visit, ids) {
  const { t, catalog } = ctx;
  const answers = visit.intake.answers;
  if (!ids.length) return h("p", { class: "muted" }, t("no_answers"));
  return h(
    "dl",
    { class: "answers" },
    ids.map((id) => [
      h("dt", {}, t.label(catalog.question(id)?.text) || id),
      h("dd", {}, catalog.answerText(t, id, answers[id])),
    ]),
  );
}

function answersBlock(ctx, visit) {
  const { t } = ctx;
  const relevant = visit.briefing ? visit.briefing.answers : [];
  const all = Object.keys(visit.intake.answers);
  return h(
    "div",
    { class: "block answers-block" },
    h("h4", {}, t("answers")),
    answersList(ctx, visit, relevant),
    all.length > relevant.length
      ? h(
          "details",
          { dataset: { key: `answers-${visit.id}` }, open: ctx.isOpen(`answers-${visit.id}`) },
          h("summary", { "data-focus-key": `answers-${visit.id}` }, t("all_answers")),
          answersList(ctx, visit, all),
        )
      : null,
  );
}

function journeyBlock(ctx, visit, index) {
  const { t, catalog, department } = ctx;
  const earlier = visit.steps.slice(0, index).filter((s) => s.status === "done" || s.status === "cancelled");
  const later = visit.steps.slice(index + 1).filter((s) => s.status !== "done" && s.status !== "cancelled");
  if (!earlier.length && !later.length) return null;
  return h(
    "div",
    { class: "block journey" },
    earlier.length
      ? [
          h("h4", {}, t("earlier")),
          h(
            "ul",
            {},
            earlier.map((s) =>
              h(
                "li",
                {},
                s.counter ? `${t("counter_option", { number: catalog.counterNumber(s.counter) })} · ` : "",
                catalog.queueLabel(t, s.queue),
                ": ",
                s.procedures.map((p) => `${p.done ? "✓" : "→"} ${catalog.procedureName(t, p.id, department)}`).join("、") ||
                  t("transferred"),
              ),
            ),
          ),
        ]
      : null,
    later.length
      ? [h("h4", {}, t("later")), h("p", {}, later.map((s) => catalog.queueLabel(t, s.queue)).join(" → "))]
      : null,
  );
}

/** Where the visitor is now, in words. */
export function whereText(ctx, visit) {
  const { t, catalog } = ctx;
  const where = visit.where || {};
  switch (where.kind) {
    case "writing":
      return t("where_writing");
    case "waiting": {
      const pos = visit.position === null || visit.position === undefined ? "?" : t("position", { n: visit.position + 1 });
      return t("where_waiting", { queue: catalog.queueLabel(t, where.queue), pos });
    }
    case "called":
      return t("where_called", { counter: where.counter });
    case "serving":
      return t("where_serving", { counter: where.counter });
    case "parked":
      return t("where_parked");
    default:
      return where.kind || "";
  }
}

function etaText(t, eta) {
  if (eta === null || eta === undefined) return t("eta_unknown");
  return eta <= 0 ? t("eta_now") : t("eta_min", { n: eta });
}

/** The summary card of the visitor at this counter: greet them by their purpose. */
export function servingCard(ctx, visit) {
  const { t } = ctx;
  const step = visit.steps[visit.current];
  const called = visit.status === "called";
  const since = called ? step.called_at : step.started_at || step.called_at;
  return h(
    "article",
    { class: `visit-card serving-card ${visit.status}`, "aria-labelledby": "serving-ticket" },
    called ? h("p", { class: "greeting", lang: t.lang }, t("greeting")) : null,
    h(
      "header",
      { class: "card-head" },
      h("h3", { id: "serving-ticket", class: "ticket big" }, visit.ticket),
      h(
        "p",
        { class: `state ${visit.status}` },
        h("span", { class: "state-label" }, called ? t("state_called") : t("state_serving")),
        " ",
        h("span", { class: "timer", dataset: { elapsed: String(since) }, "aria-label": called ? t("since_call") : t("since_start") }, ctx.clock.elapsed(since)),
        step.calls > 1 ? h("span", { class: "muted" }, ` · ${t("calls_count", { n: step.calls })}`) : null,
      ),
    ),
    h("p", { class: "purpose" }, t("purpose", { purpose: purposeText(ctx, visit) })),
    badges(ctx, visit),
    noteBlock("handoff", t("handoff"), step.note),
    noteBlock("staff", t("staff_note"), visit.intake.note),
    h("h4", {}, t("procedures_here")),
    procedureItems(ctx, visit, step, { buttons: true }),
    documentsBlock(ctx, visit),
    answersBlock(ctx, visit),
    journeyBlock(ctx, visit, visit.current),
  );
}

/** What the serving area says when nobody stands at the counter. */
export function idleCard(ctx, model, actor) {
  const { t } = ctx;
  const counter = model.counter;
  if (!counter) return h("p", { class: "idle" }, t("no_counter_msg"));
  if (counter.status === "closed") return h("p", { class: "idle closed" }, t("closed_msg"));
  if (counter.status === "paused") return h("p", { class: "idle paused" }, t("paused_msg"));
  const parts = [];
  if (counter.clerk && counter.clerk !== actor) parts.push(h("p", { class: "warn" }, t("taken_msg", { clerk: counter.clerk })));
  const heads = model.lines.map((l) => l.visits[0]).filter(Boolean);
  parts.push(h("p", { class: "idle ready" }, t("idle_ready"), " ", h("kbd", {}, keyFor("callNext"))));
  if (heads.length) {
    const head = heads[0];
    const queued = head.steps[head.current].queued_at;
    parts.push(h("p", { class: "muted" }, t("idle_next", { ticket: head.ticket, wait: t("waited", { t: t("minutes", { n: ctx.clock.minutes(queued) }) }) })));
  } else {
    parts.push(h("p", { class: "muted" }, t("idle_empty")));
  }
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
        })
      : "";
    return h(
      "div",
      { class: "line", dataset: { queue: line.id } },
      h("h3", {}, catalog.queueLabel(t, line.id), " ", h("span", { class: "muted stats" }, stats)),
      line.visits.length
        ? h(
            "ol",
            { class: "line-items" },
            line.visits.map((v, i) => lineItem(ctx, v, i, canCall)),
          )
        : h("p", { class: "muted" }, t("queue_empty")),
    );
  });
}

function lineItem(ctx, visit, index, canCall) {
  const { t, catalog, department } = ctx;
  const step = visit.steps[visit.current];
  return h(
    "li",
    { class: visit.priority ? "line-item priority" : "line-item", dataset: { visit: visit.id, ticket: visit.ticket } },
    h("span", { class: "pos", "aria-hidden": "true" }, String(index + 1)),
    h("span", { class: "ticket" }, visit.ticket),
    visit.priority ? h("span", { class: "badge priority" }, "★ ", t("priority")) : null,
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

function incomingCard(ctx, visit) {
  const { t } = ctx;
  const index = visit.briefing.step;
  const step = visit.steps[index];
  return h(
    "li",
    { class: "visit-card incoming-card", dataset: { visit: visit.id, ticket: visit.ticket } },
    h(
      "header",
      { class: "card-head" },
      h("h3", { class: "ticket" }, visit.ticket),
      h("p", { class: "eta" }, `${t("eta")}: `, h("strong", {}, etaText(t, visit.briefing.eta))),
    ),
    h("p", { class: "where" }, whereText(ctx, visit)),
    h("p", { class: "purpose" }, purposeText(ctx, visit)),
    badges(ctx, visit),
    noteBlock("handoff", t("handoff"), step.note),
    noteBlock("staff", t("staff_note"), visit.intake.note),
    h("h4", {}, t("procedures_here")),
    procedureItems(ctx, visit, step),
    h(
      "details",
      { class: "more", dataset: { key: `more-${visit.id}` }, open: ctx.isOpen(`more-${visit.id}`) },
      h("summary", { "data-focus-key": `more-${visit.id}` }, t("details")),
      documentsBlock(ctx, visit),
      answersBlock(ctx, visit),
      journeyBlock(ctx, visit, index),
    ),
  );
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
        c.status === "open" ? ` · ${visit ? visit.ticket : t("counter_free")}` : "",
      );
    }),
  );
}
