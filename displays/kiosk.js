// The walk-in ticket machine: purpose → at most two questions → self-service advice or a
// ticket. Every rule and label comes from the server (kiosk.toml, life_events.toml); this
// file only walks the visitor through the screens and starts over when they walk away.

import { h, replaceChildren } from "/static/dom.js";
import { byKey, pick, translator } from "/static/i18n.js";
import { local } from "/static/storage.js";

const root = document.getElementById("kiosk");
const { site, kiosk } = root.dataset;
const TOKEN_KEY = `madoguchi.kiosk.${site}.${kiosk}.device`;
const COUNTDOWN_S = 10; // the idle warning shows this long before the reset
const THANKS_S = 6; // a goodbye screen returns to the start on its own after this long

// --- enrolment: the token comes once in the address, then lives in localStorage -------------
const params = new URLSearchParams(location.search);
let deviceToken = params.get("device") || local.get(TOKEN_KEY);
if (params.has("device")) {
  local.set(TOKEN_KEY, deviceToken);
  params.delete("device");
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? `?${query}` : ""));
}

const $ = (id) => document.getElementById(id);
let setup = null;
let strings = {}; // the kiosk's own words, {key: {lang: text}}, from the setup
let lang = "ja";
let visit = null; // {purpose, answers, needs, plan, commandId}
let lastTouch = Date.now();
let autoHomeAt = 0;

// --- words -------------------------------------------------------------------------------------

/** The kiosk's own words (``kiosk_*`` in config/texts.toml), by the rule of /static/i18n.js. */
function t(key, values) {
  return translator(strings, lang)(key, values);
}

/** A config label in the visitor's language (English, then Japanese, when it lacks one). */
function label(text) {
  return pick(text, lang);
}

/** The label, with Japanese under it when another language is chosen (staff can help). */
function twoLine(text) {
  const main = label(text);
  const ja = lang !== "ja" && text.ja !== main ? text.ja : "";
  return [h("span", { class: "main" }, main), ja ? h("span", { class: "ja", lang: "ja" }, ja) : null];
}

// --- the server ----------------------------------------------------------------------------------

async function api(path, body) {
  const response = await fetch(`/api/kiosk/${site}/${kiosk}/${path}`, {
    method: body ? "POST" : "GET",
    headers: { "X-Madoguchi-Device": deviceToken, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    cache: "no-store",
  });
  const reply = await response.json();
  if (!response.ok) throw Object.assign(new Error(reply.message || "error"), { code: reply.code });
  return reply;
}

function request() {
  return {
    purpose: visit.purpose.id,
    answers: visit.answers,
    needs: visit.needs,
    language: lang,
    override_self_service: Boolean(visit.override),
  };
}

// --- screens -------------------------------------------------------------------------------------

function show(name) {
  root.dataset.screen = name;
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.dataset.screen !== name;
  $("back").hidden = name !== "question";
  $("restart").hidden = ["home", "loading", "ticket", "message"].includes(name);
  const heading = document.querySelector(`.screen[data-screen="${name}"] h1`);
  if (heading) heading.tabIndex = -1;
  (heading || $("main")).focus({ preventScroll: true });
  lastTouch = Date.now();
}

function renderChrome() {
  document.documentElement.lang = lang;
  $("site-name").textContent = label(setup.site.name);
  $("kiosk-name").textContent = label(setup.kiosk.name);
  replaceChildren(
    $("langs"),
    Object.entries(setup.languages).map(([code, name]) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "lang", lang: code, "aria-pressed": String(code === lang), onclick: () => setLanguage(code) },
          name,
        ),
      ),
    ),
  );
  $("back").textContent = t("back");
  $("restart").textContent = t("restart");
}

function setLanguage(code) {
  lang = code;
  renderChrome();
  const screen = root.dataset.screen;
  if (screen === "home") renderHome();
  else if (screen === "question") renderQuestion();
  else if (screen === "deflect") renderDeflect();
  else if (screen === "confirm") renderConfirm();
}

function renderHome() {
  $("home-title").textContent = t("title");
  $("home-sub").textContent = t("sub");
  $("home-help").textContent = t("help");
  replaceChildren(
    $("purposes"),
    setup.purposes.map((purpose) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "purpose", dataset: { purpose: purpose.id }, onclick: () => choose(purpose) },
          h("span", { class: "icon", "aria-hidden": "true" }, purpose.icon),
          h("span", { class: "name" }, twoLine(purpose.name)),
        ),
      ),
    ),
  );
}

function home() {
  visit = null;
  lang = "ja";
  renderChrome();
  renderHome();
  show("home");
}

async function choose(purpose) {
  visit = { purpose, answers: {}, needs: [], plan: null, asked: [], commandId: "" };
  await advance();
}

/** Ask the next question, or go on to self-service advice or the ticket. */
async function advance() {
  try {
    visit.plan = await api("plan", request());
  } catch (error) {
    return failed(error);
  }
  const { plan } = visit;
  if (plan.next) return renderQuestion();
  if (plan.self_service_only) return renderDeflect();
  if (plan.corner) return message("🕊️", t("corner_title"), t("corner_text"));
  if (!plan.stops.length) return message("ℹ️", t("nothing_title"), t("nothing_text"));
  renderConfirm();
}

function renderQuestion() {
  const { plan } = visit;
  const qid = plan.next;
  const question = setup.questions[qid];
  $("question-purpose").textContent = label(visit.purpose.name);
  $("question-step").textContent = t("step", { n: visit.asked.length + 1, of: plan.total });
  replaceChildren($("question-text"), twoLine(question.text));
  $("question-help").textContent = question.help ? label(question.help) : "";
  let options;
  if (question.kind === "bool") options = [[true, t("yes")], [false, t("no")]];
  else if (question.kind === "choice") options = question.options.map((o) => [o.id, label(o.label)]);
  else options = [0, 1, 2, 3].map((n) => [n, String(n)]).concat([[4, t("more", { n: 4 })]]);
  replaceChildren(
    $("answers"),
    options.map(([value, text]) =>
      h("li", {}, h("button", { type: "button", class: "answer", onclick: () => answer(qid, value) }, text)),
    ),
  );
  show("question");
}

async function answer(qid, value) {
  visit.answers = { ...visit.answers, [qid]: value };
  visit.asked.push(qid);
  await advance();
}

async function back() {
  const last = visit.asked.pop();
  if (last === undefined) return home();
  const { [last]: _dropped, ...rest } = visit.answers;
  visit.answers = rest;
  await advance();
}

function renderDeflect() {
  $("deflect-title").textContent = t("deflect_title");
  replaceChildren(
    $("deflect-routes"),
    visit.plan.self_service.map((route) =>
      h(
        "li",
        {},
        h("h2", {}, label(route.name), route.hours ? ` (${route.hours})` : ""),
        h("p", {}, label(route.advice)),
      ),
    ),
  );
  $("deflect-ok").textContent = t("deflect_ok");
  $("deflect-ticket").textContent = t("deflect_ticket");
  show("deflect");
}

async function deflected() {
  try {
    await api("deflected", { id: crypto.randomUUID(), request: request() });
  } catch {
    // The advice was given either way; only the daily figure misses one.
  }
  message("🙇", t("thanks"), t("thanks_text"));
}

async function ticketAnyway() {
  visit.override = true;
  try {
    visit.plan = await api("plan", request());
  } catch (error) {
    return failed(error);
  }
  renderConfirm();
}

function renderConfirm() {
  $("confirm-purpose").textContent = label(visit.purpose.name);
  $("confirm-title").textContent = t("confirm_title");
  const first = visit.plan.stops[0];
  $("confirm-first").textContent = first ? t("first_stop", { place: label(first.label) }) : "";
  // Outside opening hours the ticket is still issued (as a guide would), with a word of warning.
  const { phase, open } = visit.plan.office || { phase: "open" };
  $("confirm-hours").hidden = phase === "open";
  $("confirm-hours").textContent = phase === "open" ? "" : t(phase, { open });
  $("needs-title").textContent = t("needs_title");
  replaceChildren(
    $("needs"),
    Object.entries(setup.needs).map(([need, text]) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "need",
            dataset: { need },
            "aria-pressed": String(visit.needs.includes(need)),
            onclick: (event) => toggleNeed(need, event.currentTarget),
          },
          h("span", { class: "check", "aria-hidden": "true" }, visit.needs.includes(need) ? "✔" : ""),
          label(text),
        ),
      ),
    ),
  );
  $("issue").textContent = t("issue");
  $("issue").disabled = false;
  show("confirm");
}

function toggleNeed(need, button) {
  const on = !visit.needs.includes(need);
  visit.needs = on ? [...visit.needs, need] : visit.needs.filter((n) => n !== need);
  button.setAttribute("aria-pressed", String(on));
  button.querySelector(".check").textContent = on ? "✔" : "";
}

async function issue() {
  $("issue").disabled = true;
  // One id per ticket: a retried request after a lost answer cannot make a second visit.
  visit.commandId ||= crypto.randomUUID();
  let ticket;
  try {
    ticket = await api("ticket", { id: visit.commandId, request: request() });
  } catch (error) {
    $("issue").disabled = false;
    return failed(error);
  }
  renderTicket(ticket);
}

function renderTicket(ticket) {
  $("ticket-label").textContent = t("ticket_label");
  $("ticket-number").textContent = ticket.ticket;
  $("ticket-priority").hidden = !ticket.priority;
  $("ticket-priority").textContent = `★ ${t("priority")}`;
  const first = ticket.stops[0];
  $("ticket-first").textContent = t("first_stop", {
    place: `${label(first.label)} — ${t("counters", { floor: first.floor, numbers: first.counters.join(", ") })}`,
  });
  // The HTML parser puts the inline SVG in the SVG namespace (it carries no xmlns).
  const svg = new DOMParser().parseFromString(ticket.qr, "text/html").querySelector("svg");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("scan"));
  replaceChildren($("ticket-qr"), document.importNode(svg, true));
  $("ticket-scan").textContent = t("scan");
  $("docs-title").textContent = t("docs");
  replaceChildren(
    $("docs"),
    ticket.documents.length ? ticket.documents.map((doc) => h("li", {}, twoLine(doc))) : [h("li", {}, t("no_docs"))],
  );
  const printer = ticket.printer;
  const fault = ticket.print_error || (printer && ["offline", "paper_out"].includes(printer.state));
  $("print-status").textContent = !setup.kiosk.printer ? t("no_printer") : fault ? t("print_fault") : t("printing");
  $("print-status").classList.toggle("fault", Boolean(fault));
  $("finish").textContent = t("finish");
  show("ticket");
}

function message(pictogram, title, text) {
  $("message-pictogram").textContent = pictogram;
  $("message-title").textContent = title;
  $("message-text").textContent = text;
  $("message-home").textContent = t("home");
  show("message");
  autoHomeAt = Date.now() + THANKS_S * 1000;
}

function failed(error) {
  if (error.code === "not_authenticated" || error.code === "forbidden") {
    return message("⚠️", t("not_enrolled"), "");
  }
  message("⚠️", t("error_title"), t("error_text"));
}

// --- idle reset: the next visitor always finds the start screen ----------------------------------

function tick() {
  const screen = root.dataset.screen;
  const idle = $("idle");
  if (screen === "home" || screen === "loading") {
    idle.hidden = true;
    return;
  }
  if (screen === "message" && autoHomeAt && Date.now() >= autoHomeAt) return home();
  const left = Math.ceil((lastTouch + setup.idle_seconds * 1000 - Date.now()) / 1000);
  if (left <= 0) return home();
  idle.hidden = left > COUNTDOWN_S;
  if (!idle.hidden) idle.textContent = t("idle", { n: left });
}

for (const kind of ["pointerdown", "keydown"]) {
  document.addEventListener(kind, () => {
    lastTouch = Date.now();
    autoHomeAt = 0;
  }, { capture: true });
}

$("back").addEventListener("click", back);
$("restart").addEventListener("click", home);
$("deflect-ok").addEventListener("click", deflected);
$("deflect-ticket").addEventListener("click", ticketAnyway);
$("issue").addEventListener("click", issue);
$("finish").addEventListener("click", home);
$("message-home").addEventListener("click", home);

async function start() {
  try {
    setup = await api("setup");
    strings = byKey(setup.texts);
  } catch (error) {
    $("screen-loading").querySelector("p").textContent =
      error.code === "not_authenticated" || error.code === "forbidden"
        ? root.dataset.notEnrolled
        : root.dataset.unavailable;
    return;
  }
  root.dataset.idleSeconds = setup.idle_seconds;
  home();
  setInterval(tick, 500);
}

start();
