// The numbers this phone may issue while the hub or the Wi-Fi is away. The hub leases each
// signed-in phone a few real ticket numbers of every series (events in the log, so no other
// phone or hub process ever issues them) with their visitor-page QR codes; the phone keeps
// them here, tops them up while online, and issues the next one at once when offline. The
// visit is created with exactly that number when the phone is back (see docs/guide.md).

import { local } from "/static/storage.js";

const DEVICE_KEY = "madoguchi-device";

/** This phone's id, made once and kept (the lease belongs to the phone, not to a page). */
export function deviceId() {
  let id = local.getJSON(DEVICE_KEY, "");
  if (!id) {
    id = globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
    local.setJSON(DEVICE_KEY, id);
  }
  return id;
}

/** Today's date where the office is (a lease is for its business day only). */
function today(timezone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

export class Lease {
  /**
   * @param {object} o
   * @param {string} o.site
   * @param {import("/static/hub.js").HubClient} o.hub
   * @param {string} o.timezone  the site's time zone
   */
  constructor({ site, hub, timezone }) {
    this.site = site;
    this.hub = hub;
    this.timezone = timezone;
    this.device = deviceId();
    this.key = `madoguchi-lease-${site}-${this.device}`;
    this.book = local.getJSON(this.key, { date: "", tickets: [], used: [] });
    this.fetched = -1; // the lease count the book was last fetched for
    this.fullCount = null; // the lease count after the last top-up (below it: top up again)
    this.asking = false;
    hub.addEventListener("change", (e) => {
      if (e.detail.collections.includes("leases")) this.sync();
    });
    hub.addEventListener("status", () => this.sync());
  }

  /** The hub's entity of this phone's lease (while connected). */
  get entity() {
    return (this.hub.entities.leases || {})[this.device] || null;
  }

  /** Online: top up, and fetch the numbers (with their QR codes) when the lease changed. */
  async sync() {
    if (!this.hub.live) return;
    const entity = this.entity;
    const count = entity ? entity.count : 0;
    if (!this.asking && (!entity || this.fullCount === null || count < this.fullCount)) {
      this.asking = true;
      // "lease_full" just means there was nothing to add.
      this.hub.send({ type: "LeaseNumbers", device: this.device }).catch(() => {}).finally(() => {
        this.asking = false;
        this.fullCount = this.entity ? this.entity.count : 0;
      });
    }
    if (count === this.fetched) return;
    this.fetched = count;
    try {
      const response = await fetch(`/guide/${encodeURIComponent(this.site)}/lease/${encodeURIComponent(this.device)}`, { cache: "no-store" });
      if (!response.ok) return;
      const lease = await response.json();
      const held = new Set(lease.tickets.map((t) => t.ticket));
      this.book = { date: lease.date, tickets: lease.tickets, used: this.book.used.filter((t) => held.has(t)) };
      local.setJSON(this.key, this.book);
    } catch {
      this.fetched = -1; // try again on the next change
    }
  }

  /** Numbers left to issue offline, by series (none from another day's lease). */
  left(series) {
    if (this.book.date !== today(this.timezone)) return [];
    const used = new Set(this.book.used);
    return this.book.tickets.filter((t) => t.series === series && !used.has(t.ticket));
  }

  /** Take the next number of `series` (null when used up): {ticket, series, number, qr}. */
  take(series) {
    const next = this.left(series)[0] || null;
    if (next) {
      this.book.used.push(next.ticket);
      local.setJSON(this.key, this.book);
    }
    return next;
  }

  /** Give the unissued numbers back (signing out while online). */
  giveBack() {
    if (!this.hub.live || !this.entity) return Promise.resolve();
    local.remove(this.key);
    return this.hub.send({ type: "ReturnLease", device: this.device }).catch(() => {});
  }
}
