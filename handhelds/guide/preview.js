// The itinerary preview: what the server's plan says, laid out for the guide and the visitor.
// Every fact here comes from the plan (POST /api/sites/{site}/plan) or the catalog; nothing
// is decided in this file.

import { h } from "/static/dom.js";
import { lang, text, ui } from "./i18n.js";

/** Where a queue waits: label, floor and the numbers of the counters serving it. */
export function place(catalog, queueId) {
  const queue = catalog.queues.find((q) => q.id === queueId);
  const departments = catalog.departments.filter((d) => queue && queue.departments.includes(d.id));
  const floor = (departments.find((d) => d.floor) || {}).floor || "";
  const counters = catalog.counters.filter((c) => c.queues.includes(queueId)).map((c) => c.number);
  return { label: queue ? text(queue.label) : queueId, floor, counters };
}

/** "総合受付（1F）" */
export function placeName(catalog, queueId) {
  const where = place(catalog, queueId);
  if (!where.floor) return where.label;
  return lang() === "ja" ? `${where.label}（${where.floor}）` : `${where.label} (${where.floor})`;
}

function procName(catalog, pid) {
  const proc = catalog.procedures[pid];
  return proc ? text(proc.name) : pid;
}

/** A document's name without its parenthetical detail: 「マイナンバーカード」. */
function shortName(name) {
  return name.replace(/\s*[（(].*$/, "");
}

/** The one-line summary shown under the wizard at every step. */
export function summary(plan) {
  if (!plan) return "";
  const parts = [ui("preview_summary", { p: plan.steps.reduce((n, s) => n + s.procedures.length, 0), s: plan.steps.length })];
  const missing = plan.documents.filter((d) => !d.have).length;
  if (missing) parts.push(ui("preview_summary_missing", { n: missing }));
  if (plan.self_service.length) parts.push(`${ui("self_service")} ${plan.self_service.length}`);
  return parts.join(" · ");
}

/** The full preview: itinerary by counter, documents, forms, self-service and advice. */
export function renderPreview(catalog, plan, draft) {
  const root = h("div", { class: "preview", "data-testid": "preview" });
  if (!plan) return root;

  if (plan.steps.length) {
    root.append(
      h("h3", {}, ui("itinerary")),
      h(
        "ol",
        { class: "itinerary" },
        plan.steps.map((step, i) => {
          const where = place(catalog, step.queue);
          return h(
            "li",
            { class: "stop", "data-queue": step.queue },
            h(
              "div",
              { class: "stop-head" },
              h("span", { class: "stop-no", "aria-hidden": "true" }, String(i + 1)),
              h("strong", { class: "stop-label" }, where.label),
              where.floor ? h("span", { class: "floor" }, where.floor) : null,
            ),
            where.counters.length
              ? h("div", { class: "counters" }, ui("counters_at", { list: where.counters.join("・") }))
              : null,
            // Why this stop comes here: the notifications it waits for.
            step.after && step.after.length
              ? h(
                  "p",
                  { class: "stop-after" },
                  ui("after_accepted", { list: step.after.map((p) => procName(catalog, p)).join("・") }),
                )
              : null,
            h(
              "ul",
              { class: "procs" },
              step.procedures.map((pid) => {
                const proc = catalog.procedures[pid] || {};
                return h(
                  "li",
                  { "data-procedure": pid },
                  h("span", { class: "proc-name" }, procName(catalog, pid)),
                  proc.consultation ? h("span", { class: "badge consult" }, `◎ ${ui("consultation")}`) : null,
                  proc.deadline
                    ? h("span", { class: "deadline" }, `${ui("deadline")}: ${text(proc.deadline)}`)
                    : null,
                );
              }),
            ),
          );
        }),
      ),
    );
  }

  if (plan.self_service.length || plan.possible_self_service.length) {
    root.append(selfService(catalog, plan));
  }

  if (plan.no_visit.length) {
    root.append(
      h("h3", {}, ui("no_visit")),
      h(
        "ul",
        { class: "no-visit" },
        plan.no_visit.map((pid) => h("li", {}, h("span", { "aria-hidden": "true" }, "✓ "), procName(catalog, pid))),
      ),
    );
  }

  if (plan.documents.length) {
    root.append(
      h("h3", {}, ui("documents")),
      h(
        "ul",
        { class: "documents" },
        plan.documents.map((doc) =>
          h(
            "li",
            { class: doc.have ? "have" : "missing", "data-document": doc.document },
            h("span", { class: "mark", "aria-hidden": "true" }, doc.have ? "✓" : "!"),
            h(
              "span",
              { class: "doc-body" },
              h("span", { class: "doc-name" }, text((catalog.documents[doc.document] || {}).name, doc.document)),
              h(
                "span",
                { class: "doc-state" },
                doc.met_by
                  ? ui("doc_have_by", { doc: shortName(text((catalog.documents[doc.met_by] || {}).name, doc.met_by)) })
                  : doc.have
                    ? ui("doc_have")
                    : ui("doc_missing"),
              ),
              h(
                "span",
                { class: "doc-for" },
                ui("doc_for", { list: doc.procedures.map((p) => procName(catalog, p)).join("、") }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  if (plan.forms.length) {
    root.append(
      h("h3", {}, ui("forms")),
      h(
        "ul",
        { class: "forms-list" },
        plan.forms.map((fid) => h("li", { "data-form": fid }, text((catalog.forms[fid] || {}).name, fid))),
      ),
    );
  }

  const advice = draft.events
    .map((e) => catalog.life_events[e])
    .filter((event) => event && event.advice)
    .map((event) => h("li", {}, h("strong", {}, text(event.name)), " — ", text(event.advice)));
  if (advice.length) root.append(h("h3", {}, ui("advice")), h("ul", { class: "advice" }, advice));
  return root;
}

function selfService(catalog, plan) {
  const box = h("section", { class: "self-service", "aria-label": ui("self_service") });
  const byRoute = new Map();
  for (const d of plan.self_service) {
    if (!byRoute.has(d.route)) byRoute.set(d.route, []);
    byRoute.get(d.route).push(d.procedure);
  }
  if (byRoute.size) {
    box.append(h("h3", {}, ui("self_service")));
    for (const [route, procs] of byRoute) box.append(routeCard(catalog, route, procs, false));
  }
  const possible = new Map();
  for (const d of plan.possible_self_service) {
    if (!possible.has(d.route)) possible.set(d.route, []);
    possible.get(d.route).push(d.procedure);
  }
  if (possible.size) {
    box.append(h("h3", {}, ui("self_service_possible")));
    for (const [route, procs] of possible) box.append(routeCard(catalog, route, procs, true));
  }
  return box;
}

function routeCard(catalog, route, procs, possible) {
  const info = catalog.self_service[route] || {};
  return h(
    "div",
    { class: possible ? "route possible" : "route", "data-route": route },
    h("p", { class: "route-name" }, h("span", { "aria-hidden": "true" }, possible ? "○ " : "★ "), text(info.name, route)),
    info.hours ? h("p", { class: "route-hours" }, ui("hours", { h: info.hours })) : null,
    h("p", { class: "route-procs" }, procs.map((p) => procName(catalog, p)).join("、")),
    h("p", { class: "route-advice" }, text(info.advice)),
  );
}
