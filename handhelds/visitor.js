// The visitor's own status page: renders the server's `visitor` view of one visit (own number,
// status, position, wait, where to go, itinerary) in the language the visitor picks.
// Opened from the ticket's QR code; no sign-in; nothing about anyone else ever arrives here.

import { HubClient } from "/static/hub.js";
import { byKey, embeddedTexts, pick, translator } from "/static/i18n.js";
import { mountLinkBanner } from "/static/linkbar.js";
import { local } from "/static/storage.js";
import { mountNotices } from "/handhelds/notices.js";

const root = document.getElementById("visitor");
const { site, token, version } = root.dataset;
const menu = JSON.parse(root.dataset.menu || "[]");
const siteName = JSON.parse(root.dataset.siteName || "{}");

const TEXTS = embeddedTexts();
const STRINGS = byKey(TEXTS);
const TAGS = Object.fromEntries(menu.map((item) => [item.id, item.tag]));
const LANG_KEY = "madoguchi.visitor.lang";
const ENDED = new Set(["cancelled", "no_show", "expired"]);
const $ = (id) => document.getElementById(id);

const state = {
  lang: initialLanguage(),
  visit: null,
  link: "connecting",
  expired: false,
  lastStatus: "",
  returnNow: "",
  outingError: "",
  sending: false,
};
window.madoguchiVisitor = { state };
let hub = null; // the live link (none for a link without a token)

/** The visitor's own choice for this ticket, else the language the guide noted at intake. */
function initialLanguage() {
  const saved = readChoice();
  if (saved && saved in TEXTS) return saved;
  return root.dataset.lang in TEXTS ? root.dataset.lang : "ja";
}

/** The language chosen on this phone for this ticket (a new ticket opens in its own). */
function readChoice() {
  const saved = local.getJSON(LANG_KEY, null);
  return saved && saved.token === token ? saved.lang : null;
}

let words = translator(STRINGS, state.lang);
const t = (key, values) => words(key, values);
t.has = (key) => words.has(key);
const label = (text) => pick(text, state.lang);
const notices = mountNotices({ site, token, t, lang: () => state.lang, offered: root.dataset.push === "1" });

// --- language choice ------------------------------------------------------------------------

function renderLanguages() {
  $("lang-select").value = state.lang;
  $("lang-word").textContent = t("language");
  const english = $("lang-label").querySelector('[lang="en"]');
  if (english) english.hidden = state.lang === "en";
}

function setLanguage(lang) {
  if (!(lang in TEXTS)) return;
  state.lang = lang;
  words = translator(STRINGS, lang);
  local.setJSON(LANG_KEY, { token, lang }); // not kept across reloads without storage; fine
  renderLanguages();
  render();
  notices.relanguage();
}

$("lang-select").addEventListener("change", (event) => setLanguage(event.target.value));

// --- rendering --------------------------------------------------------------------------------

const STATUS_KEYS = { cancelled: "status_ended", no_show: "status_ended" };

function render() {
  document.documentElement.lang = TAGS[state.lang] || state.lang;
  $("site-name").textContent = label(siteName);
  $("title").textContent = t("title");
  const visit = state.visit;
  const closed = visit && visit.status === "expired";
  // Once the ticket has ended the page no longer promises to stay valid.
  $("privacy").textContent = visit && ENDED.has(visit.status) ? t("privacy") : `${t("privacy")} ${t("valid_today")}`;
  renderLink();
  notices.setVisit(state.expired ? null : visit);
  notices.render();
  if (state.expired) return renderExpired();
  document.body.dataset.state = visit ? visit.status : "loading";
  for (const id of ["ticket-card", "where", "itinerary"]) $(id).hidden = !visit;
  $("expired").hidden = true;
  if (!visit) return;
  $("number-label").textContent = t("number");
  // A protected visit shows its alias, or no number at all (called in person).
  $("ticket").textContent = visit.ticket || "—";
  $("ticket").title = visit.in_person ? t("in_person") : "";
  renderStatus(visit, closed);
  renderInterpreter();
  renderOuting(visit);
  renderWhere(visit);
  renderBooth(visit);
  renderSteps(visit);
  document.title = visit.status === "called" && visit.where?.counter && visit.ticket
    ? t("called_title", { t: visit.ticket, n: visit.where.counter })
    : visit.ticket ? `${visit.ticket} — ${t("title")}` : t("title");
}

function renderLink() {
  const link = $("link");
  const closed = state.visit && state.visit.status === "expired";
  link.dataset.link = closed ? "closed" : state.link;
  if (state.expired) link.textContent = "";
  else if (closed) link.textContent = t("closed");
  else if (state.link === "live") link.textContent = t("live");
  else if (state.visit) link.textContent = t("reconnecting");
  else link.textContent = t("loading");
}

function renderStatus(visit, closed) {
  const status = visit.status;
  $("status").dataset.status = status;
  const title = STATUS_KEYS[status] || `status_${status}`;
  $("status-title").textContent = t(t.has(title) ? title : "status_waiting");
  let detail = "";
  let extra = "";
  if (status === "out" && visit.out) {
    detail = t("detail_out", { time: clock(visit.out.back_by, visit.step_out) });
    // Out, nobody is "next": say only how many present visitors are before them.
    if (visit.ahead) extra = t("ahead", { n: visit.ahead });
  } else if (status === "waiting") {
    if (visit.ahead === 0) detail = t("next");
    else if (visit.ahead !== null && visit.ahead !== undefined) detail = t("ahead", { n: visit.ahead });
    if (visit.estimated_wait === null || visit.estimated_wait === undefined) extra = t("no_counter");
    else if (visit.estimated_wait <= 0) extra = t("soon");
    else extra = t("wait", { n: roundWait(visit.estimated_wait) });
  } else if (status === "called" && visit.in_person) {
    detail = t("in_person_called");
  } else if (status === "called" || status === "serving") {
    detail = visit.where?.counter ? t(status === "called" ? "go_counter" : "at_counter", { n: visit.where.counter }) : "";
  } else if (closed) {
    detail = t("closed_advice", { hours: root.dataset.hours });
  } else if (["writing", "parked", "done"].includes(status)) {
    detail = t(`detail_${status}`);
  } else if (ENDED.has(status)) {
    detail = t("detail_ended");
  }
  if (visit.in_person && status === "waiting") extra = [extra, t("in_person")].filter(Boolean).join(" ");
  $("status-detail").textContent = detail;
  $("status-extra").textContent = extra;
  $("status-extra").hidden = !extra;
}

// --- stepping out (いったん外出) ---------------------------------------------------------------

const OUT_CHOICES = [15, 30, 45, 60, 90, 120];

/** A timestamp as the office's clock reads it (HH:MM). */
function clock(seconds, offer) {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: offer?.timezone || "Asia/Tokyo" })
    .format(new Date(seconds * 1000));
}

/** Times to offer: 15, 30… minutes from now rounded up to 5, within the office's limit and
 *  before it closes (both checked again on the server). */
function backByChoices(offer) {
  const now = Date.now();
  const close = offer.close || "23:59";
  const out = [];
  for (const minutes of OUT_CHOICES) {
    if (minutes > offer.max_minutes) break;
    const at = Math.ceil((now + minutes * 60000) / 300000) * 300;
    if ((at - now / 1000) / 60 > offer.max_minutes) continue;
    const time = clock(at, offer);
    if (time > close || time < clock(now / 1000, offer)) break;
    out.push(time);
  }
  return out;
}

function renderOuting(visit) {
  const offer = visit.step_out;
  const section = $("outing");
  const returning = visit.out && visit.out.return_now;
  $("return-now").hidden = !returning;
  if (returning) {
    $("return-title").textContent = t("return_title");
    $("return-text").textContent = t(visit.out.held ? "return_held" : "return_near");
  }
  section.hidden = !offer || !["waiting", "out"].includes(visit.status);
  section.dataset.state = visit.status;
  $("outing-error").hidden = !state.outingError;
  $("outing-error").textContent = state.outingError;
  if (section.hidden) return;
  const out = visit.status === "out" && visit.out;
  $("outing-title").textContent = out ? t("status_out") : t("step_out_title");
  // Out: the status card already says when to be back; here, the deadline and "I'm back".
  $("outing-text").textContent = out ? "" : t("step_out_text", { n: offer.max_minutes });
  $("outing-text").hidden = Boolean(out);
  $("outing-grace").textContent = out ? t("out_grace", { time: clock(visit.out.until, offer) }) : "";
  $("outing-grace").hidden = !out;
  $("back-button").hidden = !out;
  $("back-button").textContent = t("back_button");
  $("back-button").disabled = state.sending;
  $("outing-choices").hidden = Boolean(out);
  if (out) return $("outing-choices").replaceChildren();
  $("outing-choices").replaceChildren(
    ...backByChoices(offer).map((time) => {
      const button = el("button", "", t("step_out_at", { time }));
      button.type = "button";
      button.dataset.backBy = time;
      button.disabled = state.sending;
      button.addEventListener("click", () => send({ type: "StepOut", visit: visit.ticket, back_by: time }));
      return button;
    }),
  );
}

async function send(command) {
  if (!hub || state.sending) return;
  state.sending = true;
  state.outingError = "";
  render();
  try {
    await hub.send(command);
  } catch {
    state.outingError = t("step_out_failed");
  } finally {
    state.sending = false;
    render();
  }
}

$("back-button").addEventListener("click", () => {
  if (state.visit) send({ type: "StepBack", visit: state.visit.ticket });
});

/** An interpreter the guide arranged at intake: said plainly, so the visitor knows help is there. */
function renderInterpreter() {
  const { interpreter, interpreterName } = root.dataset;
  const el = $("interpreter");
  el.hidden = !interpreter;
  if (!interpreter) return;
  el.textContent = interpreter === "sgn" ? t("sign_language") : t("interpreter", { lang: interpreterName || interpreter });
}

/** Estimates are rough: say "about 5, 10, 15… minutes", never a false precision. */
function roundWait(minutes) {
  return Math.max(5, Math.ceil(minutes / 5) * 5);
}

function floorText(floor) {
  return floor ? t("floor", { f: floor }) : "";
}

function renderWhere(visit) {
  const where = visit.where || { kind: "none" };
  const section = $("where");
  section.hidden = where.kind === "none";
  section.dataset.kind = where.kind;
  $("where-title").textContent = t("where_now");
  if (where.kind === "counter") {
    $("where-main").textContent = t("at_counter", { n: where.counter });
    $("where-sub").textContent = [floorText(where.floor), label(where.department), label(where.counter_label)]
      .filter(Boolean)
      .join(" · ");
  } else if (where.kind === "queue") {
    const key = visit.status === "out" ? "where_return" : "wait_area";
    $("where-main").textContent = t(key, { q: label(where.queue_label) });
    $("where-sub").textContent = floorText(where.floor);
  }
}

/**
 * A bereaved family seated at a booth (issue 22b): where they sit, who is with them, who
 * comes next and roughly when. No position, no wait band, no number to listen for.
 */
function renderBooth(visit) {
  const booth = visit.booth;
  const coming = $("booth-coming");
  const finish = $("booth-finish");
  document.body.classList.toggle("at-booth", Boolean(booth));
  coming.hidden = finish.hidden = true;
  if (!booth || !visit.booth.coming || ENDED.has(visit.status) || visit.status === "done") return;
  const place = label(booth.label) || booth.booth;
  $("status-detail").textContent = t("booth_calm");
  $("status-extra").hidden = true;
  $("where").hidden = false;
  $("where").dataset.kind = "booth";
  $("where-main").textContent = t("booth_where", { booth: place });
  $("where-sub").textContent = booth.done.length ? t("booth_done_list", { list: booth.done.map(label).join("・") }) : "";
  const items = booth.coming.map((step, i) => {
    const who = step.departments.map((d) => label(d.name)).join("・");
    let line;
    if (step.state === "with_you") line = t("booth_with_you", { who });
    else if (i === 0 || (i === 1 && booth.coming[0].state === "with_you")) line = t("booth_next", { who });
    else line = t("booth_after", { who });
    const li = el("li", `booth-step ${step.state}`, line);
    if (step.expected_at) {
      const soon = step.expected_at * 1000 <= Date.now() + 60000;
      li.append(el("span", "booth-when", ` — ${soon ? t("booth_soon") : t("booth_around", { time: clockAt(step.expected_at) })}`));
    }
    return li;
  });
  coming.replaceChildren(...items);
  coming.hidden = !items.length;
  if (booth.finish_at && booth.coming.length > 1) {
    finish.textContent = t("booth_finish", { time: clockAt(booth.finish_at) });
    finish.hidden = false;
  }
}

/** HH:MM in the office's time zone. */
function clockAt(seconds) {
  return new Intl.DateTimeFormat(TAGS[state.lang] || "ja", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: root.dataset.timezone || "Asia/Tokyo",
  }).format(new Date(seconds * 1000));
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderSteps(visit) {
  $("steps-title").textContent = t("steps");
  const current = currentIndex(visit);
  $("steps").replaceChildren(
    ...visit.steps.map((step, index) => {
      const li = el("li");
      li.dataset.status = step.status;
      li.dataset.queue = step.queue;
      if (index === current) li.setAttribute("aria-current", "step");
      const head = el("p", "step-head");
      head.append(
        el("span", "step-label", label(step.label)),
        el("span", "step-floor", floorText(step.floor)),
        el("span", "step-status", t(t.has(`step_${step.status}`) ? `step_${step.status}` : "step_pending")),
      );
      const procedures = el("ul", "procedures");
      for (const proc of step.procedures) {
        const item = el("li");
        item.dataset.done = String(proc.done);
        const mark = el("span", "mark", proc.done ? "✓" : "○");
        mark.setAttribute("aria-hidden", "true");
        item.append(mark, el("span", "", label(proc.name)), el("span", "visually-hidden", ` (${t(proc.done ? "proc_done" : "proc_todo")})`));
        procedures.append(item);
      }
      li.append(head);
      if (step.after && step.after.length) {
        // Why this stop comes where it does: the notifications it waits for.
        const names = new Intl.ListFormat(TAGS[state.lang] || "en", { type: "conjunction" }).format(step.after.map(label));
        li.append(el("p", "step-after", t("after_accepted", { list: names })));
      }
      li.append(procedures, ...checklist(step));
      return li;
    }),
  );
}

/** Documents still to bring and forms to fill in at one step, in the visitor's language. */
function checklist(step) {
  const out = [];
  if (step.bring && step.bring.length) {
    const list = el("ul", "bring");
    for (const doc of step.bring) list.append(el("li", "", label(doc)));
    out.push(el("p", "check-title bring-title", t("bring")), list);
  }
  if (step.fill && step.fill.length) {
    const list = el("ul", "fill");
    for (const form of step.fill) {
      const item = el("li", "", label(form.name));
      item.dataset.done = String(form.done);
      if (form.done) item.append(el("span", "form-done", ` ✓ ${t("form_done")}`));
      list.append(item);
    }
    out.push(el("p", "check-title fill-title", t("forms")), list);
  }
  return out;
}

function currentIndex(visit) {
  return visit.steps.findIndex((s) => !["done", "cancelled"].includes(s.status));
}

function renderExpired() {
  document.body.dataset.state = "expired-link";
  for (const id of ["ticket-card", "where", "itinerary"]) $(id).hidden = true;
  $("expired").hidden = false;
  $("expired-title").textContent = t("expired_title");
  $("expired-text").textContent = t("expired_text");
  document.title = t("expired_title");
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
  hub = new HubClient({ site, view: { kind: "visitor", token }, version });
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
    // Asked back (turn near, then the call held): the same buzz as a call, once each.
    const returnNow = visit.out && visit.out.return_now ? (visit.out.held ? "held" : "near") : "";
    if (returnNow && returnNow !== state.returnNow) notifyCalled();
    state.returnNow = returnNow;
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

/** A phone in a pocket: vibrate when the visitor's number is called (or they are asked back). */
function notifyCalled() {
  if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 600]);
}
