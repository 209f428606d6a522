// A visitor as the counter panel describes them: the summary card at the counter, the
// incoming card, and the blocks both share (purpose, needs, notes, procedures, documents,
// answers, earlier and later counters). Built from the server's view and the catalog.

import { clockTime, h } from "/static/dom.js";
import { shownTicket } from "/panels/counter-model.js";

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
  if (visit.protected) out.push(h("span", { class: "badge protected" }, "🛡 ", t("protected")));
  if (visit.priority) out.push(h("span", { class: "badge priority" }, "★ ", t("priority")));
  for (const need of intake.needs) out.push(h("span", { class: "badge need" }, catalog.needLabel(t, need)));
  if (intake.language && intake.language !== "ja") {
    out.push(h("span", { class: "badge lang" }, `${t("language")}: ${catalog.languageLabel(t, intake.language)}`));
  }
  if (intake.interpreter === "sgn") out.push(h("span", { class: "badge lang" }, `🤟 ${t("sign_language_arranged")}`));
  else if (intake.interpreter) {
    out.push(h("span", { class: "badge lang" }, `${t("interpreter_arranged")}: ${catalog.languageLabel(t, intake.interpreter)}`));
  }
  if (intake.party_size > 1) out.push(h("span", { class: "badge" }, t("party", { n: intake.party_size })));
  return out.length ? h("p", { class: "badges" }, out) : null;
}

function procedureItems(ctx, visit, step, { buttons = false } = {}) {
  const { t, catalog, department } = ctx;
  return h(
    "ol",
    { class: "procedures" },
    // A procedure's key is its place in the step, for the whole visit: completing one never
    // renumbers the others (so "1" then "2" does what the clerk read).
    step.procedures.map((p, index) => {
      const proc = catalog.procedure(p.id);
      const name = catalog.procedureName(t, p.id, department);
      const open = !p.done;
      const digit = index + 1;
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
                title: t("a_complete_proc_label", { name }),
                "aria-keyshortcuts": digit <= 9 ? String(digit) : null,
              },
              t("a_complete_proc_n"),
              digit <= 9 ? h("kbd", {}, String(digit)) : null,
              // Named by what it shows, then which procedure (voice control says what it sees).
              h("span", { class: "visually-hidden" }, `: ${name}`),
            )
          : null,
      );
    }),
  );
}

/** Why the visitor comes to this step only now: 「婚姻届の受理後」. */
function afterLine(ctx, step) {
  const { t, catalog, department } = ctx;
  if (!step.after || !step.after.length) return null;
  const list = step.after.map((id) => catalog.procedureName(t, id, department)).join("・");
  return h("p", { class: "step-after" }, t("after_accepted", { list }));
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
          d.met_by ? h("span", { class: "doc-by" }, ` ${t("doc_by", { doc: catalog.documentName(t, d.met_by) })}`) : null,
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
    case "out":
      return t("where_out", { queue: catalog.queueLabel(t, where.queue), time: clockTime(visit.out?.back_by, ctx.timezone) });
    default:
      return where.kind || "";
  }
}

function etaText(t, eta) {
  if (eta === null || eta === undefined) return t("eta_unknown");
  return eta <= 0 ? t("eta_now") : t("eta_min", { n: eta });
}

/** A protected visitor: no board or voice calls them, so the clerk does (or the alias). */
function protectedCall(ctx, visit) {
  const { t } = ctx;
  if (!visit.protected) return null;
  const called = visit.status === "called";
  return h(
    "div",
    { class: `protected-call${called ? " calling" : ""}`, role: called ? "alert" : null, id: "protected-call" },
    h("p", { class: "protected-title" }, "🛡 ", t("protected")),
    visit.alias
      ? h("p", { class: "protected-how" }, t("protected_alias", { alias: visit.alias }))
      : h("p", { class: "protected-how" }, called ? t("protected_in_person_now") : t("protected_in_person")),
    h("p", { class: "muted" }, t("protected_hint")),
  );
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
      // A protected visitor's number is not shown large (a panel may face the public): their
      // alias, or the shield when they are called in person; the number of record stays small.
      h("h3", { id: "serving-ticket", class: "ticket big" }, shownTicket(t, visit)),
      visit.protected ? h("p", { class: "muted record-ticket" }, t("record_ticket", { ticket: visit.ticket })) : null,
      h(
        "p",
        { class: `state ${visit.status}` },
        h("span", { class: "state-label" }, called ? t("state_called") : t("state_serving")),
        " ",
        h("span", { class: "timer", dataset: { elapsed: String(since) }, "aria-label": called ? t("since_call") : t("since_start") }, ctx.clock.elapsed(since)),
        step.calls > 1 ? h("span", { class: "muted" }, ` · ${t("calls_count", { n: step.calls })}`) : null,
      ),
    ),
    protectedCall(ctx, visit),
    h("p", { class: "purpose" }, t("purpose", { purpose: purposeText(ctx, visit) })),
    // A family seated at a booth (issue 22b): the clerk goes there; "complete" releases it.
    visit.booth ? h("p", { class: "booth-at", "data-testid": "booth-at" }, t("booth_at", { booth: ctx.catalog.boothLabel(t, visit.booth) })) : null,
    // The site's no-show rule, as it applies to this visitor now (priority or not).
    called && visit.briefing && visit.briefing.no_show
      ? h("p", { class: `no-show-rule ${visit.briefing.no_show}` }, t(`no_show_${visit.briefing.no_show}`))
      : null,
    badges(ctx, visit),
    noteBlock("handoff", t("handoff"), step.note),
    noteBlock("staff", t("staff_note"), visit.intake.note),
    h("h4", {}, t("procedures_here")),
    afterLine(ctx, step),
    procedureItems(ctx, visit, step, { buttons: true }),
    documentsBlock(ctx, visit),
    answersBlock(ctx, visit),
    journeyBlock(ctx, visit, visit.current),
  );
}

export function incomingCard(ctx, visit) {
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
    afterLine(ctx, step),
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
