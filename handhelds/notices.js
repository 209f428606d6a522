// The visitor page's notices (Web Push): the visitor opts in, chooses when to be told (when
// called, N people ahead, about M minutes), can send a test and turn it off. The service
// worker (/visit/sw.js) shows what the server pushes, in the language chosen on the page, even
// with the page closed. Nothing here talks to anything but this server and the browser's own
// push service; the subscription is deleted with the visit at the end of the day at the latest.

import { local } from "/static/storage.js";

const KEY = "madoguchi.visitor.notices";
const AHEAD = [1, 2, 3, 5, 10, 20];
const MINUTES = [10, 15, 20, 30, 45, 60];
const SUBSCRIBE_SECONDS = 20;

/**
 * Mount the notices section. `t(key, values)` words a text in the page's current language,
 * `lang()` is that language; `setVisit(visit)` (returned) shows or hides the section.
 */
export function mountNotices({ site, token, t, lang, offered = true }) {
  const $ = (id) => document.getElementById(id);
  const base = `/visit/${encodeURIComponent(site)}/${encodeURIComponent(token)}/notices`;
  const section = $("notices");
  const saved = readSaved();
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  const state = {
    on: Boolean(saved.on) && supported,
    busy: false,
    // A browser without push is told so at once (with the iOS advice where it applies).
    message: !supported ? "push_unsupported" : saved.on ? "push_is_on" : "",
    open: false,
  };
  window.madoguchiNotices = state;

  fillSelect($("n-ahead"), AHEAD, 3);
  fillSelect($("n-minutes"), MINUTES, 30);
  const choices = saved.choices || { called: true, ahead: null, minutes: null };
  $("n-called").checked = choices.called !== false;
  $("n-ahead-on").checked = choices.ahead !== null && choices.ahead !== undefined;
  $("n-minutes-on").checked = choices.minutes !== null && choices.minutes !== undefined;
  if ($("n-ahead-on").checked) $("n-ahead").value = String(choices.ahead);
  if ($("n-minutes-on").checked) $("n-minutes").value = String(choices.minutes);

  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  const standalone = window.matchMedia?.("(display-mode: standalone)").matches || navigator.standalone === true;

  function currentChoices() {
    return {
      called: $("n-called").checked,
      ahead: $("n-ahead-on").checked ? Number($("n-ahead").value) : null,
      minutes: $("n-minutes-on").checked ? Number($("n-minutes").value) : null,
    };
  }

  function render() {
    section.hidden = !state.open;
    $("notices-title").textContent = t("push_heading");
    $("notices-intro").textContent = t("push_intro");
    $("notices-when").textContent = t("push_when");
    $("n-called-label").textContent = t("push_called");
    $("n-ahead-label").textContent = t("push_ahead");
    $("n-minutes-label").textContent = t("push_minutes");
    for (const option of $("n-ahead").options) option.textContent = t("push_people", { n: option.value });
    for (const option of $("n-minutes").options) option.textContent = t("push_mins", { n: option.value });
    $("n-ahead").disabled = !$("n-ahead-on").checked;
    $("n-minutes").disabled = !$("n-minutes-on").checked;
    $("n-on").textContent = t(state.on ? "push_save" : "push_on");
    $("n-test").textContent = t("push_test_button");
    $("n-off").textContent = t("push_off");
    $("n-on").hidden = !supported;
    $("n-test").hidden = !state.on;
    $("n-off").hidden = !state.on;
    for (const id of ["n-on", "n-test", "n-off"]) $(id).disabled = state.busy;
    section.dataset.notices = state.on ? "on" : "off";
    $("notices-status").textContent = state.message ? t(state.message) : "";
    $("notices-kept").textContent = t("push_kept");
    // iOS shows web notifications only for a page added to the Home Screen.
    $("notices-ios").hidden = !(ios && !standalone);
    $("notices-ios").textContent = t("push_ios");
  }

  async function worker() {
    const registration = await navigator.serviceWorker.register("/visit/sw.js", { scope: "/visit/" });
    await navigator.serviceWorker.ready;
    return registration;
  }

  async function subscription(registration) {
    const existing = await registration.pushManager.getSubscription();
    if (existing) return existing;
    const reply = await fetch("/visit/notices.json", { cache: "no-store" });
    const { key } = await reply.json();
    if (!key) throw new Error("no push key");
    return withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      SUBSCRIBE_SECONDS,
    );
  }

  async function send(method, body, path = "") {
    const reply = await fetch(base + path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
    });
    if (!reply.ok) throw new Error(`notices: ${reply.status}`);
    return reply.json();
  }

  async function turnOn() {
    if (!supported) return finish("push_unsupported");
    busy(true);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") return finish("push_denied");
      const registration = await worker();
      const sub = await subscription(registration);
      await send("POST", { contact: sub.toJSON(), choices: currentChoices(), lang: lang() });
      state.on = true;
      save();
      finish("push_is_on");
    } catch (error) {
      console.warn("notices: could not turn on", error);
      finish("push_failed");
    }
  }

  async function turnOff() {
    busy(true);
    try {
      await send("DELETE");
      const registration = await navigator.serviceWorker?.getRegistration("/visit/");
      const sub = await registration?.pushManager.getSubscription();
      if (sub) await sub.unsubscribe();
    } catch (error) {
      console.warn("notices: could not turn off cleanly", error);
    }
    state.on = false;
    save();
    finish("push_is_off");
  }

  async function test() {
    busy(true);
    try {
      const reply = await send("POST", null, "/test");
      if (!reply.subscribed) {
        state.on = false;
        save();
        return finish("push_is_off");
      }
      finish("push_test_sent");
    } catch {
      finish("push_failed");
    }
  }

  /** The visitor picked another language: notices from now on are worded in it. */
  async function relanguage() {
    render();
    if (!state.on || !supported) return;
    try {
      const registration = await navigator.serviceWorker.getRegistration("/visit/");
      const sub = await registration?.pushManager.getSubscription();
      if (sub) await send("POST", { contact: sub.toJSON(), choices: currentChoices(), lang: lang() });
    } catch {
      // Kept in the old language; the page itself still shows the new one.
    }
  }

  function busy(value) {
    state.busy = value;
    render();
  }

  function finish(message) {
    state.busy = false;
    state.message = message;
    render();
  }

  function save() {
    // Without storage: not kept across reloads; the server keeps the subscription anyway.
    local.setJSON(KEY, { token, on: state.on, choices: currentChoices() });
  }

  function readSaved() {
    const value = local.getJSON(KEY, null);
    return value && value.token === token ? value : {};
  }

  $("n-on").addEventListener("click", turnOn);
  $("n-off").addEventListener("click", turnOff);
  $("n-test").addEventListener("click", test);
  for (const id of ["n-ahead-on", "n-minutes-on"]) $(id).addEventListener("change", render);
  render();

  return {
    render,
    relanguage,
    /** Offered only while the visit is still ahead of the visitor. */
    setVisit(visit) {
      const open = offered && Boolean(visit) && ["writing", "waiting", "out", "called", "parked"].includes(visit.status);
      if (open !== state.open) {
        state.open = open;
        render();
      }
    },
  };
}

function fillSelect(select, values, chosen) {
  select.replaceChildren(
    ...values.map((value) => {
      const option = document.createElement("option");
      option.value = String(value);
      option.selected = value === chosen;
      return option;
    }),
  );
}

function withTimeout(promise, seconds) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), seconds * 1000)),
  ]);
}
