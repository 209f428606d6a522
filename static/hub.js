// The one hub client every screen shares: connect, hello, snapshot + deltas, resume,
// reconnect with backoff and jitter, and an outbox of commands kept until acknowledged.
//
//   const hub = new HubClient({site: "shimogyo", view: {kind: "board", board: "lobby-1f"}});
//   hub.addEventListener("change", (e) => render(hub.entities, e.detail.collections));
//   hub.addEventListener("status", (e) => showBanner(e.detail.status));
//   await hub.send({type: "CallNext", counter: "c1"});   // resolves with the ack
//   hub.addEventListener("ack", (e) => ...);  // every ack, also of commands restored after a reload
//
// The server computes every view; this client only folds snapshots and deltas into
// `entities` ({collection: {id: entity}}) and never re-implements the office's rules.
//
// Liveness: the screen must not say "live" over a dead link. Whichever comes first marks it
// offline: the socket closes; the browser says it is offline (`offline` event); or the hub
// has been silent for `deadline` ms (a server that stops answering without closing, a cable
// pulled between two switches). The hub beats every second (hello `heartbeat`), so with the
// defaults (silent 3.5 s, checked every 0.25 s) a dead link shows within 3.75 s and two beats
// may be late before it does. Against a hub that does not beat, the client pings after
// `pingEvery` ms of quiet. A silent socket is kept for a while (`RECONNECT_SILENCE`): if the
// hub was only stalled, the screen is live again on the same connection without a reconnect
// (a lobby of screens reconnecting at once after a stall would only make it worse).

import { local } from "/static/storage.js";

const MIN_DELAY = 250;
// A restart takes seconds: a 10 s ceiling brings a lobby back soon after, at a bounded rate.
const MAX_DELAY = 10000;
const PING_EVERY = 2000;
const DEADLINE = 3500;
const RECONNECT_SILENCE = 15000; // a socket silent this long is given up
const CONNECT_TIMEOUT = 5000; // a hub that accepts the connection but never says welcome
const TICK = 250;
// Refusals that say "not now" rather than "no": the command stays in the outbox.
// "rate_limited": a burst over the server's limits (an outbox flushed after a Wi-Fi drop).
export const RETRY_CODES = new Set(["store_unavailable", "busy", "internal", "rate_limited"]);
const RETRY_AFTER = 3000;
// The server ended this staff session (logout elsewhere, idle, expired): sign in again.
const CLOSE_SESSION_ENDED = 4401;
const CLOSE_TOKEN_REVOKED = 4403;
// A staff member using the screen keeps their session alive (the server's idle timeout).
const ACTIVITY_EVERY = 60000;

/** A stable unique id for a command (retries reuse it, so the hub applies it once). */
export function commandId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class CommandError extends Error {
  constructor(reply) {
    super(reply.message);
    this.code = reply.code;
    this.path = reply.path || "";
  }
}

export class HubClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.site        site id
   * @param {object} options.view        {kind, board?, department?, token?}
   * @param {string} [options.deviceToken] display token (boards)
   * @param {string} [options.outboxKey] localStorage key: keep unsent commands across reloads
   * @param {string} [options.version]   the page's asset version; reload when the hub's differs
   * @param {number} [options.pingEvery] ping after this many ms without a message
   * @param {number} [options.deadline]  offline after this many ms without a message
   * @param {string[]} [options.neverLate] command types never sent late (the catalog's
   *   `never_late`; the hub's welcome repeats them), known before the first connection
   */
  constructor({ site, view, deviceToken = "", outboxKey = "", version = "", pingEvery = PING_EVERY, deadline = DEADLINE, neverLate = [] }) {
    super();
    this.site = site;
    this.view = view;
    this.deviceToken = deviceToken;
    this.outboxKey = outboxKey;
    this.version = version;
    this.entities = {};
    this.seq = null;
    this.epoch = null;
    this.status = "connecting"; // connecting | live | stale | reconnecting | offline
    this.stale = false;
    this.role = "";
    this.actor = "";
    this.socket = null;
    this.attempt = 0;
    this.lastHeard = 0;
    this.lastPing = 0;
    this.lastTick = 0;
    this.pingEvery = pingEvery;
    this.deadline = deadline;
    this.offlineSince = 0; // when the link was last lost (0: it is up)
    this.neverLate = new Set(neverLate); // command types never sent late
    this.suspect = false; // the hub went silent; its socket is kept a while
    this.waiters = new Map(); // command id -> {resolve, reject}
    this.outbox = this.#loadOutbox(); // [{id, command, sent}]
    this.stopped = false;
    this.timer = null;
    this.pinger = null;
    this.lastActivity = 0;
    this.watchingActivity = false;
  }

  /** Open the connection (and keep reopening it until stop()). */
  start() {
    this.stopped = false;
    this.#connect();
    this.lastTick = Date.now();
    this.pinger = setInterval(() => this.#tick(), TICK);
    this.onOffline = () => this.#linkLost();
    this.onOnline = () => this.reconnect();
    globalThis.addEventListener?.("offline", this.onOffline);
    globalThis.addEventListener?.("online", this.onOnline);
    if (!this.watchingActivity && globalThis.document) {
      this.watchingActivity = true;
      for (const kind of ["pointerdown", "keydown"]) {
        document.addEventListener(kind, () => this.#active(), { capture: true, passive: true });
      }
    }
    return this;
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pinger);
    clearTimeout(this.timer);
    globalThis.removeEventListener?.("offline", this.onOffline);
    globalThis.removeEventListener?.("online", this.onOnline);
    if (this.socket) this.socket.close(1000, "bye");
  }

  /** Whether the hub is reachable and answering now (commands go out at once). */
  get live() {
    return this.status === "live";
  }

  /** Whether `command` may wait in the outbox (false: it summons someone, never sent late). */
  mayWait(command) {
    return !this.neverLate.has(command.type);
  }

  /** Connect now instead of waiting out the backoff (e.g. the browser is back online). */
  reconnect() {
    if (this.stopped) return;
    this.attempt = 0; // should an attempt in flight fail, the next one follows within a second
    if (this.socket) return;
    clearTimeout(this.timer);
    this.#connect();
  }

  /** Tell the hub this staff screen opened a visit's details (the audit trail records who
   * read what). Best effort: a screen offline has nothing new to show anyway. */
  viewed(visit) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN && this.status !== "connecting") {
      this.socket.send(JSON.stringify({ type: "viewed", visit }));
    }
  }

  /** Commands not yet acknowledged, oldest first. */
  get pending() {
    return this.outbox.map((item) => ({ ...item }));
  }

  /**
   * Send a command; resolves with the ack, rejects with CommandError on refusal.
   * With an outboxKey the command survives reloads and is retried until acknowledged.
   */
  send(command, id = commandId()) {
    if (!this.mayWait(command) && !this.live) {
      // A call carried out when the link comes back would summon someone to a counter the
      // clerk may have left: refuse it now, in so many words.
      return Promise.reject(new CommandError({ code: "offline", message: "not connected: a call is never sent late" }));
    }
    const promise = new Promise((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    this.outbox.push({ id, command, sent: false, at: Date.now() });
    this.#saveOutbox();
    this.#emit("outbox");
    this.#flush();
    return promise;
  }

  #connect() {
    clearTimeout(this.timer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = this.deviceToken ? `?device=${encodeURIComponent(this.deviceToken)}` : "";
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}/ws${query}`);
    } catch (error) {
      this.#scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.welcomed = false;
    this.lastHeard = Date.now(); // the connect timeout counts from here
    if (!this.offlineSince) this.#setStatus(this.seq === null ? "connecting" : "reconnecting");
    socket.onopen = () => {
      this.lastHeard = Date.now();
      const hello = { type: "hello", site: this.site, view: this.view, clock: Date.now(), heartbeat: true };
      if (this.seq !== null && this.epoch) Object.assign(hello, { seq: this.seq, epoch: this.epoch });
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = (event) => {
      this.lastHeard = Date.now();
      if (this.suspect) this.#resume();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.#receive(message);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      if (event.code === CLOSE_SESSION_ENDED && !this.stopped) {
        this.socket = null;
        this.#signIn();
        return;
      }
      // 1012: the server restarts; 4008: we fell behind and must resync; 4403: this device's
      // token was revoked (the hello is then refused and the screen says so). All: come back now.
      this.#drop(event.code === 1012 || event.code === 4008 || event.code === CLOSE_TOKEN_REVOKED);
    };
    socket.onerror = () => {};
  }

  /** The hub went silent: show it, keep the socket a while (it may only be stalled). */
  #suspect() {
    this.suspect = true;
    if (!this.offlineSince) this.offlineSince = Date.now();
    this.#setStatus("offline");
  }

  /** The silent socket spoke again: live on the same connection, send what waited. */
  #resume() {
    this.suspect = false;
    this.offlineSince = 0;
    this.#setStatus(this.stale ? "stale" : "live");
    this.#flush();
  }

  /** The link is gone (or never came up): show it now and try again with backoff. */
  #drop(soon = false) {
    const socket = this.socket;
    this.socket = null;
    this.suspect = false;
    if (socket) {
      // Forget it: a socket over a dead link may take minutes to report its close.
      socket.onopen = socket.onmessage = socket.onclose = null;
      try {
        socket.close(4000, "silent");
      } catch {
        // Already closing.
      }
    }
    for (const item of this.outbox) item.sent = false;
    if (this.stopped) return;
    if (!this.offlineSince) this.offlineSince = Date.now();
    this.#setStatus("offline");
    clearTimeout(this.timer);
    this.#scheduleReconnect(soon);
  }

  #linkLost() {
    if (this.stopped) return;
    if (this.socket || this.status !== "offline") this.#drop();
  }

  #scheduleReconnect(soon = false) {
    if (this.stopped) return;
    this.attempt += 1;
    const ceiling = Math.min(MAX_DELAY, MIN_DELAY * 2 ** Math.min(this.attempt, 10));
    // Full jitter: a whole lobby of boards must not reconnect in the same millisecond.
    const delay = soon && this.attempt === 1 ? Math.random() * 250 : Math.random() * ceiling;
    this.timer = setTimeout(() => this.#connect(), delay);
  }

  /** A staff screen in use tells the server so, at most once a minute (idle timeout). */
  #active() {
    if (!this.actor || Date.now() - this.lastActivity < ACTIVITY_EVERY) return;
    this.lastActivity = Date.now();
    fetch("/api/me").then((reply) => {
      if (reply.status === 401) this.#signIn();
    }).catch(() => {});
  }

  /** The staff session is over: to the sign-in page (the id filled in), back here after. */
  #signIn() {
    this.stop();
    this.#emit("signedout");
    const id = this.actor ? `&id=${encodeURIComponent(this.actor)}` : "";
    location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}${id}`);
  }

  #tick() {
    const now = Date.now();
    // A throttled timer (a tab in the background, a phone asleep) is no proof of a dead link:
    // after a long gap, ask first and judge on the next ticks.
    const late = now - this.lastTick > 4 * TICK;
    this.lastTick = now;
    const socket = this.socket;
    if (!socket) return;
    if (late) this.lastHeard = Math.max(this.lastHeard, now - this.pingEvery);
    const silent = now - this.lastHeard;
    if (socket.readyState !== WebSocket.OPEN || !this.welcomed) {
      if (silent > CONNECT_TIMEOUT) this.#linkLost();
      return;
    }
    if (silent > RECONNECT_SILENCE) {
      this.#linkLost();
      return;
    }
    if (silent > this.deadline && !this.suspect && this.status !== "offline") this.#suspect();
    if (silent >= this.pingEvery && now - this.lastPing >= this.pingEvery) {
      this.lastPing = now;
      socket.send(JSON.stringify({ type: "ping", clock: now }));
    }
  }

  #receive(message) {
    switch (message.type) {
      case "welcome":
        this.welcomed = true;
        if (message.never_late) this.neverLate = new Set(message.never_late);
        this.stale = Boolean(message.stale);
        this.role = message.role;
        this.actor = message.actor;
        if (this.epoch && message.epoch !== this.epoch) this.seq = null;
        if (this.version && message.version && message.version !== this.version) {
          this.#emit("version", { version: message.version });
        }
        break;
      case "snapshot":
        this.entities = message.entities;
        this.#synced(message);
        this.#emit("change", { collections: Object.keys(message.entities), snapshot: true });
        break;
      case "delta": {
        for (const [collection, items] of Object.entries(message.upsert)) {
          this.entities[collection] = { ...(this.entities[collection] || {}), ...items };
        }
        for (const [collection, ids] of Object.entries(message.remove)) {
          const items = this.entities[collection] || {};
          for (const id of ids) delete items[id];
        }
        this.seq = message.seq;
        const collections = [...new Set([...Object.keys(message.upsert), ...Object.keys(message.remove)])];
        this.#emit("change", { collections, snapshot: false, delta: message });
        break;
      }
      case "synced":
        this.#synced(message);
        break;
      case "status":
        // The hub is up but cannot reach its store: what we show may be out of date.
        this.stale = message.stale;
        if (this.socket && !this.offlineSince) this.#setStatus(message.stale ? "stale" : "live");
        this.#flush();
        break;
      case "ack":
        this.#settle(message.id, (waiter) => waiter.resolve(message));
        // Also for acks nobody awaits (a command restored from the outbox after a reload).
        this.#emit("ack", message);
        break;
      case "error":
        if (!message.id && message.code === "not_authenticated" && this.#staffView()) {
          this.#signIn();
        } else if (message.id && RETRY_CODES.has(message.code)) {
          const item = this.outbox.find((entry) => entry.id === message.id);
          if (item) setTimeout(() => { item.sent = false; this.#flush(); }, RETRY_AFTER);
          this.#emit("failure", message);
        } else if (message.id && this.waiters.has(message.id)) {
          this.#settle(message.id, (waiter) => waiter.reject(new CommandError(message)));
        } else {
          // A refusal nobody waits for (a command restored after a reload): tell the page.
          if (message.id) this.#settle(message.id, () => {});
          this.#emit("failure", message);
        }
        break;
      default:
        break;
    }
  }

  #staffView() {
    return !this.deviceToken && !["board", "visitor"].includes(this.view.kind);
  }

  #synced(message) {
    this.seq = message.seq;
    this.epoch = message.epoch;
    this.attempt = 0;
    this.offlineSince = 0;
    this.#setStatus(this.stale ? "stale" : "live");
    this.#flush();
  }

  #settle(id, fn) {
    const index = this.outbox.findIndex((item) => item.id === id);
    if (index >= 0) {
      this.outbox.splice(index, 1);
      this.#saveOutbox();
      this.#emit("outbox");
    }
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    if (waiter) fn(waiter);
  }

  #flush() {
    if (this.status !== "live" || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    for (const item of this.outbox) {
      if (item.sent) continue;
      // `at`: when it was pressed, on our clock; the hub judges a summons' age by it.
      this.socket.send(JSON.stringify({ type: "command", id: item.id, command: item.command, at: item.at }));
      item.sent = true;
    }
    this.#emit("outbox");
  }

  #setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.#emit("status", { status });
  }

  #emit(name, detail = {}) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  #loadOutbox() {
    if (!this.outboxKey) return [];
    const saved = local.getJSON(this.outboxKey, []);
    return Array.isArray(saved) ? saved.map((item) => ({ ...item, sent: false })) : [];
  }

  #saveOutbox() {
    if (!this.outboxKey) return;
    // A summons is never worth keeping across a reload: it would only come back expired.
    // Storage full or disabled: commands still go out, they just do not survive a reload.
    const kept = this.outbox.filter((item) => this.mayWait(item.command));
    local.setJSON(this.outboxKey, kept.map(({ id, command, at }) => ({ id, command, at })));
  }
}
