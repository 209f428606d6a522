// What the counter panel shows, derived from the server's `counter` view and the catalog.
// Only grouping and look-ups happen here: who is next, stages, ETAs, documents and the
// answers that matter are all computed by the server (server/projections/counter.py).

/** Look-ups over the site catalog (GET /api/sites/{site}/catalog). */
export class Catalog {
  constructor(raw) {
    this.raw = raw;
    this.counters = new Map(raw.counters.map((c) => [c.id, c]));
    this.queues = new Map(raw.queues.map((q) => [q.id, q]));
    this.departments = new Map(raw.departments.map((d) => [d.id, d]));
  }

  counterNumber(id) {
    return this.counters.get(id)?.number ?? id;
  }

  queueLabel(t, id) {
    const queue = this.queues.get(id);
    if (!queue) return id;
    return t.lang === "ja" ? `${t.label(queue.label)}（${queue.series}）` : `${t.label(queue.label)} (${queue.series})`;
  }

  departmentName(t, id) {
    return t.label(this.departments.get(id)?.name) || id;
  }

  procedure(id) {
    return this.raw.procedures[id] || null;
  }

  /** A bereavement-corner booth's label (issue 22b), or its id. */
  boothLabel(t, id) {
    const booths = (this.raw.bereavement && this.raw.bereavement.booths) || [];
    return t.label(booths.find((b) => b.id === id)?.label) || id;
  }

  /** A procedure's name, unless it is sensitive and handled by another department. */
  procedureName(t, id, department) {
    const proc = this.procedure(id);
    if (id === "withheld") return t("sensitive"); // the server withheld another department's
    if (!proc) return id;
    if (proc.sensitive && proc.department !== department) return t("sensitive");
    return t.label(proc.name);
  }

  documentName(t, id) {
    return t.label(this.raw.documents[id]?.name) || id;
  }

  needLabel(t, id) {
    return t.label((this.raw.needs || {})[id]) || id;
  }

  languageLabel(t, id) {
    return t.label((this.raw.languages || {})[id]) || id;
  }

  eventName(t, id) {
    const event = this.raw.life_events[id];
    return event ? t.label(event.name) : id;
  }

  question(id) {
    return this.raw.questions[id] || null;
  }

  /** An intake answer as words: yes/no, the option's label, or the count. */
  answerText(t, id, value) {
    const question = this.question(id);
    if (typeof value === "boolean") return value ? t("yes") : t("no");
    if (question && question.kind === "choice") {
      const option = question.options.find((o) => o.id === value);
      if (option) return t.label(option.label);
    }
    return String(value);
  }

  /** Procedures a counter may add, grouped by department in the site's order. */
  addableProcedures() {
    const groups = new Map(this.raw.departments.map((d) => [d.id, []]));
    for (const [id, proc] of Object.entries(this.raw.procedures)) {
      if (proc.no_visit || !groups.has(proc.department)) continue;
      groups.get(proc.department).push({ id, ...proc });
    }
    return [...groups.entries()].filter(([, procs]) => procs.length);
  }
}

const STAGE_ORDER = { writing: 1, incoming: 0 };

function etaKey(visit) {
  const eta = visit.briefing.eta;
  return eta === null || eta === undefined ? Number.POSITIVE_INFINITY : eta;
}

function byTicket(a, b) {
  return a.ticket.localeCompare(b.ticket);
}

/** Everything the panel renders, from the view's entities. */
export function deriveModel(entities, counterId) {
  const visits = entities.visits || {};
  const counters = entities.counters || {};
  const queues = entities.queues || {};
  const counter = counters[counterId] || null;
  const current = counter && counter.visit ? visits[counter.visit] || null : null;
  const lines = (counter ? counter.queues : []).map((id) => ({
    id,
    queue: queues[id] || null,
    visits: ((queues[id] && queues[id].line) || []).map((vid) => visits[vid]).filter(Boolean),
    // Stepped out, keeping their place: never called while out (the server skips them).
    out: ((queues[id] && queues[id].out_line) || []).map((vid) => visits[vid]).filter(Boolean),
  }));
  const briefed = Object.values(visits).filter((v) => v.briefing);
  const stage = (v) => v.briefing.stage;
  // Bereavement corner (issue 22b): a seated family waiting for this department is a request
  // to take (in the order families reached it); one whose turn here comes later is "coming".
  const boothRequests = briefed
    .filter((v) => v.booth && stage(v) === "waiting")
    .sort((a, b) => a.steps[a.current].queued_at - b.steps[b.current].queued_at || byTicket(a, b));
  const boothLater = briefed.filter((v) => v.booth && stage(v) === "incoming").sort(byTicket);
  const incoming = briefed
    .filter((v) => !v.booth)
    .filter((v) => stage(v) === "incoming" || stage(v) === "writing")
    .sort((a, b) => etaKey(a) - etaKey(b) || (STAGE_ORDER[stage(a)] ?? 0) - (STAGE_ORDER[stage(b)] ?? 0) || byTicket(a, b));
  const parked = briefed.filter((v) => stage(v) === "parked").sort(byTicket);
  const elsewhere = briefed
    .filter((v) => (stage(v) === "called" || stage(v) === "serving") && v.id !== (counter && counter.visit))
    .sort(byTicket);
  const recent = Object.values(entities.recent || {}).sort((a, b) => b.done_at - a.done_at);
  const departmentCounters = Object.values(counters).sort(
    (a, b) => Number(a.number) - Number(b.number) || a.number.localeCompare(b.number),
  );
  const site = Object.values(entities.site || {})[0] || null;
  return { counter, current, lines, incoming, boothRequests, boothLater, parked, elsewhere, recent, departmentCounters, visits, site };
}

/** The current visitor's step at this counter, and its procedures not yet done. */
export function currentStep(visit) {
  if (!visit) return null;
  return visit.steps[visit.current] || null;
}

export function openProcedures(visit) {
  const step = currentStep(visit);
  return step ? step.procedures.filter((p) => !p.done) : [];
}

/**
 * Which actions make sense now; the server still decides (and says why not). Offline, the
 * calls are off (a call is never sent late) and the rest wait in the outbox.
 */
export function availability(model, { live, actor }) {
  const counter = model.counter;
  const visit = model.current;
  const ready = Boolean(counter);
  const open = ready && counter.status === "open";
  const idle = open && !counter.visit;
  const called = ready && Boolean(visit) && visit.status === "called";
  const hasVisitor = ready && Boolean(visit);
  return {
    open: ready && (counter.status !== "open" || counter.clerk !== actor),
    pause: open,
    close: ready && counter.status !== "closed" && !counter.visit,
    // Someone out not yet asked back: "call next" asks them back even with nobody present.
    callNext: live && idle && (Boolean(counter.next) || model.lines.some((l) => l.out.some((v) => !v.out?.held_at))),
    callTicket: live && idle,
    takeBooth: live && idle, // never sent late: another clerk may be at the booth by then
    recall: live && called,
    start: called,
    noShow: called,
    completeProcedure: hasVisitor && openProcedures(visit).length > 0,
    completeStep: hasVisitor,
    add: hasVisitor,
    transfer: hasVisitor,
    returnToQueue: hasVisitor,
    park: hasVisitor,
    unpark: model.parked.length > 0,
    stepOut: ready,
    stepBack: ready,
    protect: live && hasVisitor && !visit.protected,
  };
}

/**
 * The number the panel shows and says for a visitor: their ticket, or for a protected visit
 * its alias, else the shield (a panel may face the public; the number of record stays in the
 * serving card, small).
 */
export function shownTicket(t, visit) {
  if (!visit) return "";
  return visit.protected ? visit.alias || `🛡 ${t("protected")}` : visit.ticket;
}
