// Lobby board: renders the server's `board` view (numbers, counter numbers, neutral labels),
// announces new calls, rotates the secondary language and notices, and runs unattended.
//
// Exposed for operators' consoles and tests: window.madoguchiBoard = {hub, announcer,
// announcements, state}. Nothing here decides office rules: the view says what to show.

import { HubClient } from "/static/hub.js";
import { fill, pick } from "/static/i18n.js";
import { mountLinkBanner } from "/static/linkbar.js";
import { local, session } from "/static/storage.js";
import { Announcer } from "/displays/announcer.js";
import { STRINGS } from "/displays/board-strings.js";

const root = document.getElementById("board");
const { site, board, version, timezone } = root.dataset;

const HIGHLIGHT_MS = 10000; // a new call stays highlighted this long (and while announced)
const FRESH_WINDOW_MS = 60000; // a call first seen later than this after it was made is not announced
const LOST_AFTER_MS = 3000; // without the hub this long, show the reconnecting mark
const ROTATE_MS = 8000; // secondary language rotation
const NOTICE_MS = 12000;
const CLOCK_SYNC_MS = 600000; // TV clocks drift over weeks: ask the server every ten minutes
const RELOAD_SPACING_MS = 60000; // never reload more than once a minute
const TOKEN_KEY = `madoguchi.board.${site}.${board}.device`;
const ANNOUNCED_KEY = `madoguchi.board.${site}.${board}.announced`;
const RELOAD_KEY = `madoguchi.board.${site}.${board}.reloadedAt`;

// --- enrolment: the token comes once in the address, then lives in localStorage -------------

const params = new URLSearchParams(location.search);
if (params.has("device")) {
  local.set(TOKEN_KEY, params.get("device")); // storage off: the token still works for this page load
  const token = params.get("device");
  params.delete("device");
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? `?${query}` : "") + location.hash);
  root.dataset.token = token;
}
const deviceToken = root.dataset.token || local.get(TOKEN_KEY) || "";
delete root.dataset.token;

// --- server-aligned clock (call times are the server's) ---------------------------------------

let offset = Number(root.dataset.now) * 1000 - Date.now();
const serverNow = () => Date.now() + offset;

async function syncClock() {
  try {
    const sent = Date.now();
    const response = await fetch("/board/clock", { cache: "no-store" });
    const { now } = await response.json();
    offset = now * 1000 - (sent + Date.now()) / 2;
  } catch {
    // Keep the last offset; the next reconnect tries again.
  }
}

// --- state -------------------------------------------------------------------------------------

const state = {
  link: "connecting", // connecting | live | lost
  rotation: 0,
  notice: 0,
  freshUntil: new Map(), // call id -> ms until which it is highlighted
  announcing: "", // call id being announced now
  announced: loadAnnounced(),
};

const hub = new HubClient({ site, view: { kind: "board", board }, deviceToken, version });
const announcer = new Announcer({ chimeUrl: root.dataset.chime, now: serverNow });
window.madoguchiBoard = {
  hub,
  announcer,
  state,
  get announcements() {
    return announcer.announcements;
  },
};

// --- language helpers ----------------------------------------------------------------------------

function siteEntity() {
  return Object.values(hub.entities.site || {})[0] || null;
}

function languages() {
  const entity = siteEntity();
  const list = (entity && (entity.board?.languages || entity.languages)) || ["ja"];
  return list.length ? list : ["ja"];
}

/** The always-shown language and the one rotating beside it (null with a single language). */
function langs() {
  const list = languages();
  const rest = list.slice(1);
  return { first: list[0], second: rest.length ? rest[state.rotation % rest.length] : null };
}

/** A string table entry with placeholders filled, as a Text-like object. */
function textOf(entry, values = {}) {
  const out = {};
  for (const [lang, template] of Object.entries(entry)) out[lang] = fill(template, values);
  return out;
}

/** Paint a bilingual element: `.t1` in the first language, `.t2` in the rotating one. */
function bilingual(el, text) {
  let t1 = el.querySelector(":scope > .t1");
  let t2 = el.querySelector(":scope > .t2");
  if (!t1) {
    t1 = document.createElement("span");
    t1.className = "t1";
    t2 = document.createElement("span");
    t2.className = "t2";
    el.replaceChildren(t1, t2);
  }
  const { first, second } = langs();
  t1.textContent = pick(text, first);
  t1.lang = first;
  t2.texts = text;
  paintSecond(t2, second);
}

function paintSecond(t2, second) {
  const value = second ? pick(t2.texts, second) : "";
  t2.hidden = !value;
  t2.textContent = value;
  if (second) t2.lang = second;
}

function rotate(step = 1) {
  state.rotation += step;
  const { second } = langs();
  for (const t2 of root.querySelectorAll(".t2")) {
    if (t2.texts) paintSecond(t2, second);
  }
  const conn = root.querySelector(".conn-text");
  conn.textContent = `${STRINGS.reconnecting.ja}${second ? ` / ${pick(STRINGS.reconnecting, second)}` : ""}`;
}

// --- rendering --------------------------------------------------------------------------------

function render() {
  const entity = siteEntity();
  if (!entity) return;
  document.body.dataset.orientation = entity.board?.orientation || document.body.dataset.orientation;
  bilingual(document.getElementById("site-name"), entity.name);
  bilingual(document.getElementById("board-name"), entity.board?.name || {});
  for (const el of root.querySelectorAll("[data-s]")) bilingual(el, STRINGS[el.dataset.s]);
  bilingual(root.querySelector(".sound-text"), STRINGS.soundOff);
  renderPhase(entity);
  renderCalls(entity);
  renderQueues(entity);
  renderNotice(entity);
}

// How many standing calls each card size holds (board.css lays out each size). A landscape
// board has the height for two rows of the large cards only, so after four it goes to three
// columns; a portrait one first stacks three rows of two.
const CALL_SIZES = { landscape: [4, 9, 16], portrait: [4, 6, 9, 16] };

/** A collection of calls, newest first: `calls` (standing now) or `recent` (earlier ones). */
function sortedCalls(collection = "calls") {
  return Object.values(hub.entities[collection] || {}).sort((a, b) => Number(b.id) - Number(a.id));
}

function renderCalls(entity) {
  // The server decides what stands (the visitor is still called there) and what is recent;
  // a ticket is in one list at most.
  const calls = sortedCalls("calls");
  const floors = new Map((entity.counters || []).map((c) => [c.number, c.floor || ""]));
  const now = document.getElementById("now-calls");
  const sizes = CALL_SIZES[document.body.dataset.orientation] || CALL_SIZES.landscape;
  now.dataset.size = String(sizes.find((size) => calls.length <= size) ?? sizes.at(-1));
  syncList(now, calls, (li, call) => paintCall(li, call, floors, true));
  syncList(document.getElementById("recent-calls"), sortedCalls("recent"), (li, call) => paintCall(li, call, floors, false));
  // Outside hours the phase banner says why nothing is called.
  document.getElementById("no-calls").hidden = calls.length > 0 || document.body.dataset.phase !== "open";
  paintFreshness();
}

function paintCall(li, call, floors, large) {
  if (!li.firstChild) {
    li.className = `call ${large ? "call-large" : "call-small"}`;
    li.innerHTML =
      '<span class="badge"></span><span class="ticket"></span>' +
      '<span class="arrow" aria-hidden="true">▶</span>' +
      '<span class="dest"><span class="counter-number"></span><span class="counter-text"></span></span>' +
      '<span class="floor"></span>';
  }
  li.dataset.ticket = call.ticket;
  li.dataset.counter = call.counter;
  li.dataset.recall = String(call.recall || 0);
  li.querySelector(".ticket").textContent = call.ticket;
  li.querySelector(".counter-number").textContent = call.counter;
  bilingual(li.querySelector(".counter-text"), textOf(STRINGS.counter, { n: call.counter }));
  li.querySelector(".floor").textContent = floors.get(call.counter) || "";
  const badge = li.querySelector(".badge");
  bilingual(badge, call.recall ? STRINGS.recall : STRINGS.fresh);
}

/** Highlight what is new (or being announced) and only while the board is live. */
function paintFreshness() {
  const now = Date.now();
  for (const [id, until] of state.freshUntil) {
    if (until < now && id !== state.announcing) state.freshUntil.delete(id);
  }
  // Only a call standing now is highlighted: a recent one is history.
  for (const li of root.querySelectorAll("#now-calls > li")) {
    const id = li.dataset.key;
    const fresh = state.link === "live" && (state.freshUntil.has(id) || state.announcing === id);
    li.classList.toggle("fresh", fresh);
    li.classList.toggle("announcing", state.link === "live" && state.announcing === id);
  }
}

function renderQueues(entity) {
  const phase = document.body.dataset.phase || "open";
  const tbody = root.querySelector("#waiting tbody");
  const bands = entity.wait_bands || [];
  const items = (entity.queues || []).map((q) => ({ ...q, ...(hub.entities.queues || {})[q.id], key: q.id }));
  syncList(tbody, items, (tr, q) => {
    if (!tr.firstChild) {
      tr.innerHTML =
        '<th scope="row"><span class="series"></span><span class="label"></span></th>' +
        '<td class="count"><span class="count-n"></span><span class="count-unit"></span></td>' +
        '<td class="band"></td>';
    }
    tr.dataset.queue = q.id;
    tr.querySelector(".series").textContent = q.series;
    bilingual(tr.querySelector(".label"), q.label);
    tr.querySelector(".count-n").textContent = String(q.waiting ?? "–");
    bilingual(tr.querySelector(".count-unit"), textOf(STRINGS.persons, { n: "" }));
    const band = tr.querySelector(".band");
    const open = (q.open_counters ?? 0) > 0;
    // Outside the site's hours the office is closed, whatever the counters; in hours a line
    // with no open counter is "being prepared".
    band.dataset.band = phase !== "open" ? phase : open ? String(q.band) : "closed";
    bilingual(band, phase !== "open" ? STRINGS[PHASE_TEXT[phase]] : open ? bands[q.band] || {} : STRINGS.notOpen);
  });
}

// Captions (config/texts.toml board_before_open / board_after_close) for each phase.
const PHASE_TEXT = { before_open: "beforeOpen", after_close: "afterClose" };

/** "before_open", "open" or "after_close": the site's local time against its hours. */
function officePhase(entity) {
  const hours = entity.hours;
  if (!hours) return "open";
  const hhmm = hhmmFormat.format(new Date(serverNow())).replace(/^24:/, "00:");
  if (hhmm < hours.open) return "before_open";
  if (hhmm >= hours.close) return "after_close";
  return "open";
}

function renderPhase(entity) {
  const phase = officePhase(entity);
  document.body.dataset.phase = phase;
  const banner = document.getElementById("phase");
  banner.hidden = phase === "open";
  if (phase !== "open") bilingual(banner, STRINGS[PHASE_TEXT[phase]]);
  return phase;
}

function renderNotice(entity) {
  // A notice a supervisor posted (newest first) takes the footer, highlighted, until it is
  // withdrawn; the configured notices rotate while none is posted.
  const posted = entity.posted_notices || [];
  const notices = posted.length ? posted.map((p) => p.text) : entity.notices || [];
  const footer = root.querySelector(".notices");
  footer.hidden = notices.length === 0;
  footer.classList.toggle("posted", posted.length > 0);
  const newest = posted.length ? posted[0].id : "";
  if (newest !== state.postedNewest) {
    state.postedNewest = newest;
    state.notice = 0; // a fresh notice shows at once
  }
  if (notices.length) bilingual(document.getElementById("notice"), notices[state.notice % notices.length]);
}

/** Keep a list's children in the order of `items` (keyed by `.key` or `.id`), reusing nodes. */
function syncList(list, items, paint) {
  const tag = list.tagName === "TBODY" ? "tr" : "li";
  const existing = new Map([...list.children].map((el) => [el.dataset.key, el]));
  let previous = null;
  for (const item of items) {
    const key = String(item.key ?? item.id);
    let el = existing.get(key);
    existing.delete(key);
    if (!el) {
      el = document.createElement(tag);
      el.dataset.key = key;
    }
    paint(el, item);
    const wanted = previous ? previous.nextSibling : list.firstChild;
    if (el !== wanted) list.insertBefore(el, wanted);
    previous = el;
  }
  for (const el of existing.values()) el.remove();
}

// --- calls: detect what is new, announce it ---------------------------------------------------

function detectCalls() {
  const calls = sortedCalls().reverse(); // oldest first: announce in call order
  const epoch = hub.epoch || "";
  // A board switched on (no memory of this log yet) shows the calls but does not repeat them;
  // one that reloads itself (a new version) remembers what it announced and misses nothing.
  const fresh = state.announced.epoch !== epoch;
  if (fresh) state.announced = { epoch, ids: new Set() };
  for (const call of calls) {
    if (state.announced.ids.has(call.id)) continue;
    state.announced.ids.add(call.id);
    if (fresh) continue;
    // A call made while the board was away is shown in the list, never announced late.
    if (serverNow() - call.at * 1000 > FRESH_WINDOW_MS) continue;
    state.freshUntil.set(call.id, Date.now() + HIGHLIGHT_MS);
    announcer.enqueue(call, callTexts(call));
  }
  // Only ids still on the board are worth remembering: bounded by the view's size.
  const present = new Set(calls.map((c) => c.id));
  for (const id of state.announced.ids) if (!present.has(id)) state.announced.ids.delete(id);
  announcer.keepOnly(present);
  saveAnnounced();
}

function spokenTicket(ticket) {
  // "A001" is read as "A 1": voices read leading zeros digit by digit.
  const match = /^([A-Za-z]*)0*(\d+)$/.exec(ticket);
  return match ? `${match[1]} ${match[2]}`.trim() : ticket;
}

function callTexts(call) {
  const announcement = siteEntity()?.announcement || {};
  return languages().map((lang) => {
    const template = pick(announcement, lang);
    return {
      lang,
      text: fill(template, { ticket: call.ticket, counter: call.counter }),
      spoken: fill(template, { ticket: spokenTicket(call.ticket), counter: call.counter }),
      audio: speech.voices[lang] ? fill(speech.url, { lang, ticket: call.ticket, counter: call.counter }) : "",
      repeat: speech.repeat[lang] || 1,
    };
  });
}

// --- server speech: which languages the server voices, the wording version, repeats ----------

let speech = { voices: {}, repeat: {}, url: "" };

async function syncSpeech() {
  try {
    const response = await fetch(`/speech/${encodeURIComponent(site)}/status`, { cache: "no-store" });
    if (response.ok) speech = await response.json();
  } catch {
    // Keep what we had: without it calls are spoken by a local voice or captioned.
  }
}

function loadAnnounced() {
  try {
    const saved = session.getJSON(ANNOUNCED_KEY, {}) || {};
    return { epoch: saved.epoch || "", ids: new Set(saved.ids || []) };
  } catch {
    return { epoch: "", ids: new Set() };
  }
}

function saveAnnounced() {
  // Without storage a reload may repeat a call younger than a minute; nothing worse.
  session.setJSON(ANNOUNCED_KEY, { epoch: state.announced.epoch, ids: [...state.announced.ids] });
}


// --- caption (the visual half of every announcement) ------------------------------------------

const caption = document.getElementById("caption");
announcer.addEventListener("start", (event) => {
  const record = event.detail;
  state.announcing = record.call;
  caption.hidden = false;
  caption.querySelector(".caption-ticket").textContent = record.ticket;
  caption.querySelector(".caption-counter").textContent = fill(STRINGS.counter.ja, { n: record.counter });
  const text = caption.querySelector(".caption-text");
  if (record.kind === "speech") {
    text.textContent = record.text;
    text.lang = record.lang;
  }
  paintFreshness();
});
announcer.addEventListener("end", (event) => {
  const record = event.detail;
  // Keep the highlight a little after the call was last spoken.
  const until = Date.now() + 2000;
  if ((state.freshUntil.get(record.call) || 0) < until) state.freshUntil.set(record.call, until);
});
announcer.addEventListener("idle", () => {
  state.announcing = "";
  caption.hidden = true;
  caption.querySelector(".caption-text").textContent = "";
  paintFreshness();
});
const soundButton = document.getElementById("sound");
announcer.addEventListener("sound", (event) => {
  soundButton.hidden = !event.detail.blocked;
});
const unlock = () => announcer.unlock();
soundButton.addEventListener("click", unlock);
document.addEventListener("keydown", unlock);
document.addEventListener("pointerdown", unlock);

// --- connection: live, lost, refused, new version --------------------------------------------

let lostTimer = 0;
hub.addEventListener("status", (event) => {
  const { status } = event.detail;
  if (status === "live") {
    clearTimeout(lostTimer);
    lostTimer = 0;
    setLink("live");
    syncClock();
    syncSpeech();
  } else if (!lostTimer && state.link !== "lost") {
    lostTimer = setTimeout(() => {
      lostTimer = 0;
      setLink("lost");
    }, LOST_AFTER_MS);
  }
});

function setLink(link) {
  state.link = link;
  document.body.dataset.link = link;
  document.getElementById("conn").hidden = link !== "lost";
  if (link === "lost") state.freshUntil.clear(); // nothing is "just called" on a board that cannot know
  paintFreshness();
}

hub.addEventListener("change", (event) => {
  const { collections, snapshot } = event.detail;
  if (snapshot || collections.includes("calls")) detectCalls();
  render();
});

const REFUSED = new Set(["not_authenticated", "forbidden", "unknown_board", "unknown_site"]);
hub.addEventListener("failure", (event) => {
  const { code } = event.detail;
  if (!REFUSED.has(code)) return;
  hub.stop();
  clearTimeout(lostTimer);
  if (code === "not_authenticated" && deviceToken) {
    local.remove(TOKEN_KEY); // revoked or mistyped: let a new enrolment link work
  }
  const setup = document.getElementById("setup");
  setup.querySelector(".setup-text").innerHTML = "";
  bilingual(setup.querySelector(".setup-text"), STRINGS.notEnrolled);
  setup.hidden = false;
  document.body.dataset.link = "refused";
});

let reloadPending = false;
hub.addEventListener("version", () => {
  // New code on the server: reload, but not mid-announcement and never in a tight loop.
  if (reloadPending) return;
  reloadPending = true;
  const last = Number(session.get(RELOAD_KEY) || 0);
  const deadline = Date.now() + 30000;
  const attempt = () => {
    if (!announcer.idle && Date.now() < deadline) {
      setTimeout(attempt, 1000);
      return;
    }
    session.set(RELOAD_KEY, String(Date.now()));
    location.reload();
  };
  setTimeout(attempt, Math.max(0, last + RELOAD_SPACING_MS - Date.now()));
});

// --- clock, rotation, notices -----------------------------------------------------------------

const dateFormat = new Intl.DateTimeFormat("ja-JP", { timeZone: timezone, month: "long", day: "numeric", weekday: "short" });
const timeFormat = new Intl.DateTimeFormat("ja-JP", { timeZone: timezone, hour: "2-digit", minute: "2-digit", hour12: false });
const hhmmFormat = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit", hour12: false });

function tick() {
  const now = new Date(serverNow());
  document.getElementById("clock-date").textContent = dateFormat.format(now);
  const time = document.getElementById("clock-time");
  time.textContent = timeFormat.format(now);
  time.dateTime = now.toISOString();
  paintFreshness();
  // Opening and closing time pass without a publish: check the phase as the clock moves.
  const entity = siteEntity();
  if (entity && officePhase(entity) !== document.body.dataset.phase) render();
}

setInterval(tick, 1000);
setInterval(syncClock, CLOCK_SYNC_MS);
setInterval(() => rotate(), ROTATE_MS);
setInterval(() => {
  state.notice += 1;
  const entity = siteEntity();
  if (entity) renderNotice(entity);
}, NOTICE_MS);
tick();
rotate(0);
// Boards speak Japanese and English (lang other than "ja": both).
mountLinkBanner(hub, { mode: "view", lang: () => "en", timezone });
syncSpeech();
hub.start();
