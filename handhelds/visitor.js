// The visitor's own status page: renders the server's `visitor` view of one visit (own number,
// status, position, wait, where to go, itinerary) in the language the visitor picks.
// Opened from the ticket's QR code; no sign-in; nothing about anyone else ever arrives here.

const root = document.getElementById("visitor");
const { site, token, version } = root.dataset;
const siteLanguages = JSON.parse(root.dataset.languages || '["ja"]');
const siteName = JSON.parse(root.dataset.siteName || "{}");
const v = encodeURIComponent(version);
const [{ HubClient }, { STRINGS, LANGUAGE_NAMES, pick, fill }, { mountLinkBanner }] = await Promise.all([
  import(`/static/hub.js?v=${v}`),
  import(`/handhelds/visitor-strings.js?v=${v}`),
  import(`/static/linkbar.js?v=${v}`),
]);

const LANG_KEY = "madoguchi.visitor.lang";
const ENDED = new Set(["cancelled", "no_show", "expired"]);
const $ = (id) => document.getElementById(id);

const state = { lang: initialLanguage(), visit: null, link: "connecting", expired: false, lastStatus: "" };
window.madoguchiVisitor = { state };

function initialLanguage() {
  const saved = readStorage(LANG_KEY);
  if (saved && siteLanguages.includes(saved)) return saved;
  for (const wanted of navigator.languages || [navigator.language || ""]) {
    const base = wanted.slice(0, 2).toLowerCase();
    if (siteLanguages.includes(base)) return base;
  }
  return siteLanguages[0] || "ja";
}

function readStorage(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

const t = (entry, values) => (values ? fill(pick(entry, state.lang), values) : pick(entry, state.lang));

// --- language choice ------------------------------------------------------------------------

function renderLanguages() {
  const list = $("langs");
  list.replaceChildren(
    ...siteLanguages.map((lang) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.lang = lang;
      button.textContent = LANGUAGE_NAMES[lang] || lang;
      button.setAttribute("aria-pressed", String(lang === state.lang));
      button.className = lang === state.lang ? "" : "secondary";
      button.addEventListener("click", () => setLanguage(lang));
      li.append(button);
      return li;
    }),
  );
}

function setLanguage(lang) {
  state.lang = lang;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // Not kept across visits; fine.
  }
  renderLanguages();
  const focused = [...$("langs").querySelectorAll("button")].find((b) => b.lang === lang);
  if (focused) focused.focus();
  render();
}

// --- rendering --------------------------------------------------------------------------------

function render() {
  document.documentElement.lang = state.lang;
  $("site-name").textContent = pick(siteName, state.lang);
  $("title").textContent = t(STRINGS.title);
  $("privacy").textContent = t(STRINGS.privacy);
  renderLink();
  if (state.expired) return renderExpired();
  const visit = state.visit;
  document.body.dataset.state = visit ? visit.status : "loading";
  for (const id of ["ticket-card", "where", "itinerary"]) $(id).hidden = !visit;
  $("expired").hidden = true;
  if (!visit) return;
  $("number-label").textContent = t(STRINGS.number);
  $("ticket").textContent = visit.ticket;
  renderStatus(visit);
  renderWhere(visit);
  renderSteps(visit);
  document.title = visit.status === "called" && visit.where?.counter
    ? t(STRINGS.calledTitle, { t: visit.ticket, n: visit.where.counter })
    : `${visit.ticket} — ${t(STRINGS.title)}`;
}

function renderLink() {
  const link = $("link");
  link.dataset.link = state.link;
  if (state.expired) link.textContent = "";
  else if (state.link === "live") link.textContent = t(STRINGS.live);
  else if (state.visit) link.textContent = t(STRINGS.reconnecting);
  else link.textContent = t(STRINGS.loading);
}

function renderStatus(visit) {
  const status = visit.status;
  $("status").dataset.status = status;
  $("status-title").textContent = t(STRINGS.status[status] || STRINGS.status.waiting);
  let detail = "";
  let extra = "";
  if (status === "waiting") {
    if (visit.ahead === 0) detail = t(STRINGS.next);
    else if (visit.ahead !== null && visit.ahead !== undefined) detail = t(STRINGS.ahead, { n: visit.ahead });
    if (visit.estimated_wait === null || visit.estimated_wait === undefined) extra = t(STRINGS.noCounter);
    else if (visit.estimated_wait <= 0) extra = t(STRINGS.soon);
    else extra = t(STRINGS.wait, { n: roundWait(visit.estimated_wait) });
  } else if (status === "called" || status === "serving") {
    detail = visit.where?.counter ? t(status === "called" ? STRINGS.goCounter : STRINGS.atCounter, { n: visit.where.counter }) : "";
  } else if (status === "writing") {
    detail = t(STRINGS.detail.writing);
  } else if (status === "parked") {
    detail = t(STRINGS.detail.parked);
  } else if (status === "done") {
    detail = t(STRINGS.detail.done);
  } else if (ENDED.has(status)) {
    detail = t(STRINGS.detail.ended);
  }
  $("status-detail").textContent = detail;
  $("status-extra").textContent = extra;
  $("status-extra").hidden = !extra;
}

/** Estimates are rough: say "about 5, 10, 15… minutes", never a false precision. */
function roundWait(minutes) {
  return Math.max(5, Math.ceil(minutes / 5) * 5);
}

function floorText(floor) {
  return floor ? t(STRINGS.floor, { f: floor }) : "";
}

function renderWhere(visit) {
  const where = visit.where || { kind: "none" };
  const section = $("where");
  section.hidden = where.kind === "none";
  section.dataset.kind = where.kind;
  $("where-title").textContent = t(STRINGS.whereNow);
  if (where.kind === "counter") {
    $("where-main").textContent = t(STRINGS.atCounter, { n: where.counter });
    $("where-sub").textContent = [floorText(where.floor), pick(where.department, state.lang), pick(where.counter_label, state.lang)]
      .filter(Boolean)
      .join(" · ");
  } else if (where.kind === "queue") {
    $("where-main").textContent = t(STRINGS.waitArea, { q: pick(where.queue_label, state.lang) });
    $("where-sub").textContent = floorText(where.floor);
  }
}

function renderSteps(visit) {
  $("steps-title").textContent = t(STRINGS.steps);
  const list = $("steps");
  list.replaceChildren(
    ...visit.steps.map((step, index) => {
      const li = document.createElement("li");
      li.dataset.status = step.status;
      li.dataset.queue = step.queue;
      if (index === currentIndex(visit)) li.setAttribute("aria-current", "step");
      const head = document.createElement("p");
      head.className = "step-head";
      const label = document.createElement("span");
      label.className = "step-label";
      label.textContent = pick(step.label, state.lang);
      const floor = document.createElement("span");
      floor.className = "step-floor";
      floor.textContent = floorText(step.floor);
      const badge = document.createElement("span");
      badge.className = "step-status";
      badge.textContent = t(STRINGS.stepStatus[step.status] || STRINGS.stepStatus.pending);
      head.append(label, floor, badge);
      const procedures = document.createElement("ul");
      procedures.className = "procedures";
      for (const proc of step.procedures) {
        const item = document.createElement("li");
        item.dataset.done = String(proc.done);
        const mark = document.createElement("span");
        mark.className = "mark";
        mark.setAttribute("aria-hidden", "true");
        mark.textContent = proc.done ? "✓" : "○";
        const name = document.createElement("span");
        name.textContent = pick(proc.name, state.lang);
        const word = document.createElement("span");
        word.className = "visually-hidden";
        word.textContent = ` (${t(proc.done ? STRINGS.procDone : STRINGS.procTodo)})`;
        item.append(mark, name, word);
        procedures.append(item);
      }
      li.append(head);
      if (step.after && step.after.length) {
        const after = document.createElement("p");
        after.className = "step-after";
        after.textContent = t(STRINGS.afterAccepted, { list: step.after.map((n) => pick(n, state.lang)).join("・") });
        li.append(after);
      }
      li.append(procedures);
      return li;
    }),
  );
}

function currentIndex(visit) {
  return visit.steps.findIndex((s) => !["done", "cancelled"].includes(s.status));
}

function renderExpired() {
  document.body.dataset.state = "expired-link";
  for (const id of ["ticket-card", "where", "itinerary"]) $(id).hidden = true;
  $("expired").hidden = false;
  $("expired-title").textContent = t(STRINGS.expiredTitle);
  $("expired-text").textContent = t(STRINGS.expiredText);
  $("expired-text").lang = state.lang;
  document.title = t(STRINGS.expiredTitle);
}

// --- live updates ---------------------------------------------------------------------------

function expire() {
  state.expired = true;
  state.visit = null;
  render();
}

renderLanguages();
render();

if (!token) {
  expire();
} else {
  const hub = new HubClient({ site, view: { kind: "visitor", token }, version });
  window.madoguchiVisitor.hub = hub;
  hub.addEventListener("change", () => {
    const visit = (hub.entities.visit || {}).me || null;
    if (!visit) {
      // The day has been reset: this visit no longer exists.
      hub.stop();
      expire();
      return;
    }
    const wasCalled = state.lastStatus === "called";
    state.visit = visit;
    if (visit.status === "called" && !wasCalled && state.lastStatus) notifyCalled();
    state.lastStatus = visit.status;
    render();
  });
  hub.addEventListener("status", (event) => {
    state.link = event.detail.status;
    renderLink();
  });
  hub.addEventListener("failure", (event) => {
    if (["unknown_visit", "unknown_site", "invalid"].includes(event.detail.code)) {
      hub.stop();
      expire();
    }
  });
  hub.addEventListener("version", () => location.reload());
  mountLinkBanner(hub, { mode: "view", lang: () => state.lang });
  hub.start();
}

/** A phone in a pocket: vibrate when the visitor's number is called. */
function notifyCalled() {
  if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 600]);
}
