// The floor guide's phone app: wires the shared hub client, the planner, the wizard, the
// ticket screen and today's visits together. Commands go through the hub client's outbox
// (kept in localStorage, retried with the same id until acknowledged), so a visit created
// while the Wi-Fi is down is created exactly once when the phone is back.

import { HubClient, commandId } from "/static/hub.js";
import { mountLinkBanner } from "/static/linkbar.js";
import { h, replaceChildren } from "/static/dom.js";
import { local } from "/static/storage.js";
import { toast } from "./toast.js";
import { errorText, lang, loadLang, setLang, translatePage, ui } from "./i18n.js";
import { boothPanel, forCorner } from "./booths.js";
import { Lease } from "./lease.js";
import { Planner } from "./planner.js";
import { renderTicket } from "./ticket.js";
import { VisitList } from "./visits.js";
import { Wizard, draftFromVisit, emptyDraft, intakeOf } from "./wizard.js";

const body = document.body;
const site = body.dataset.site;
const staff = body.dataset.staff;
const version = body.dataset.version;
const KEYS = {
  me: "madoguchi-guide",
  outbox: `madoguchi-outbox-${site}-${staff}`,
  draft: `madoguchi-guide-draft-${site}-${staff}`,
  followups: `madoguchi-guide-followups-${site}-${staff}`,
  floor: `madoguchi-guide-floor-${site}-${staff}`,
  catalog: `madoguchi-guide-catalog-${site}`,
};
const CATALOG_URL = `/api/sites/${encodeURIComponent(site)}/catalog`;

// Remember this phone's guide and office: /guide opens them again after a restart.
local.setJSON(KEYS.me, { site, staff, name: body.dataset.staffName, at: Date.now() });
loadLang();
translatePage();

const conn = document.getElementById("conn");
const outboxChip = document.getElementById("outbox");
const sections = {
  intake: document.getElementById("intake"),
  ticket: document.getElementById("ticket"),
  visits: document.getElementById("visits"),
};
let tab = "intake";
const followups = local.getJSON(KEYS.followups, {}); // create command id -> {forms}
const toasts = new Map(); // command id -> message once acknowledged

main().catch((error) => {
  console.error(error);
  replaceChildren(document.getElementById("wizard-body"), h("p", { class: "error", role: "alert" }, ui("load_failed")));
});

async function main() {
  registerServiceWorker();
  const catalog = await loadCatalog();
  const hub = new HubClient({ site, view: { kind: "floor" }, outboxKey: KEYS.outbox, version });
  const planner = new Planner(site);
  const cached = local.getJSON(KEYS.floor, null);

  const send = (command, id = commandId()) => {
    hub.send(command, id).catch((error) => refused(id, error));
    return id;
  };
  const lease = new Lease({ site, hub, timezone: catalog.site.timezone });
  const seriesOf = (queueId) => (catalog.queues.find((q) => q.id === queueId) || {}).series || "";

  /**
   * Send a ticket's CreateVisit. Offline, the visitor gets a real number at once: the next
   * one leased to this phone for the series of their first queue (with its QR code); the
   * visit is created with exactly that number when the phone is back.
   */
  function issueTicket(issued, command, series) {
    delete issued.choose;
    // A protected visit never takes a leased number (it would be printed before the hub
    // knows it is protected): it waits in the outbox and gets its ticket online.
    if (!hub.live && series && !command.protect) {
      const ticket = lease.take(series);
      if (ticket) {
        issued.leased = ticket;
        command = { ...command, leased: { device: lease.device, series, number: ticket.number } };
      } else {
        issued.noLease = series;
      }
    }
    wizard.save();
    showTab("intake");
    send(command, issued.id);
  }

  const wizard = new Wizard({
    root: sections.intake,
    catalog,
    planner,
    draftKey: KEYS.draft,
    actions: {
      issue(draft, plan, writing) {
        if (draft.protectOn && !draft.protect.trim()) {
          document.getElementById("protect-reason")?.focus();
          return;
        }
        const id = commandId();
        const forms = plan ? draft.formsDone.filter((f) => plan.forms.includes(f)) : [];
        if (forms.length) {
          followups[id] = { forms };
          local.setJSON(KEYS.followups, followups);
        }
        draft.issued = { id, kind: "create", writing, plan };
        const command = { type: "CreateVisit", intake: intakeOf(draft), override_self_service: draft.override, forms_pending: writing };
        if (draft.protectOn) command.protect = draft.protect.trim();
        const series = plan && plan.steps.length ? seriesOf(plan.steps[0].queue) : "";
        if (!hub.live && !series) {
          // Offline without a plan: the guide says where the visitor goes first.
          draft.issued.choose = command;
          wizard.save();
          showTab("intake");
          return;
        }
        issueTicket(draft.issued, command, series);
      },
      save(draft) {
        const { visit, ticket } = draft.editing;
        const id = commandId();
        toasts.set(id, ui("saved", { ticket }));
        send({ type: "UpdateIntake", visit, intake: intakeOf(draft), override_self_service: draft.override }, id);
        wizard.reset();
        showTab("visits");
      },
      // The bereavement corner (issue 22b): seat the family at a booth, or book a slot.
      boothPanel(draft) {
        if (!forCorner(catalog, draft)) return null;
        return boothPanel({
          catalog,
          entities: hub.entities,
          now: Date.now() / 1000,
          actions: {
            seat(reservation) {
              const id = commandId();
              draft.issued = { id, kind: "create", writing: false, plan: null, booth: true };
              wizard.save();
              showTab("intake");
              send({ type: "SeatAtBooth", intake: intakeOf(draft), reservation }, id);
            },
            cancel(reservation) {
              const id = commandId();
              toasts.set(id, ui("booth_cancelled"));
              send({ type: "CancelBoothReservation", reservation }, id);
            },
            reserve(date, slot, note) {
              const id = commandId();
              toasts.set(id, ui("booth_reserved", { date, slot }));
              send({ type: "ReserveBooth", date, slot, note }, id);
            },
          },
        });
      },
      deflect(draft, plan) {
        const id = commandId();
        draft.issued = { id, kind: "deflect", plan };
        wizard.save();
        showTab("intake");
        send({ type: "RecordDeflection", intake: intakeOf(draft) }, id);
      },
    },
  });

  const visits = new VisitList({
    root: sections.visits,
    catalog,
    timezone: catalog.site.timezone,
    actions: {
      markForms(visit, forms) {
        send({ type: "MarkForms", visit: visit.id, forms });
      },
      stepOut(visit, backBy) {
        send({ type: "StepOut", visit: visit.id, back_by: backBy });
      },
      stepBack(visit) {
        send({ type: "StepBack", visit: visit.id });
      },
      cancel(visit, reason) {
        const id = commandId();
        toasts.set(id, ui("cancelled_toast", { ticket: visit.ticket }));
        send({ type: "CancelVisit", visit: visit.id, reason }, id);
      },
      edit(visit) {
        const d = wizard.draft;
        const busy = !d.issued && !d.editing && (d.events.length || d.extra.length);
        if (busy && !window.confirm(ui("start_over_confirm"))) return;
        wizard.reset(draftFromVisit(visit));
        showTab("intake");
      },
      ticketUrl(visit) {
        return `/guide/${encodeURIComponent(site)}/ticket/${encodeURIComponent(visit.id)}`;
      },
    },
  });

  // --- what the screens show --------------------------------------------------------------

  let ticketKey = "";
  function renderTicketView(force = false) {
    const draft = wizard.draft;
    if (!draft.issued) return;
    const ack = draft.issued.ack;
    const found = ack ? (hub.entities.visits || {})[ack.visit] : undefined;
    // A protected visit is a stub here (guides have no need to know): nothing more to show.
    const visit = found && !found.stub ? found : undefined;
    const pending = hub.pending.find((p) => p.id === draft.issued.id);
    const key = JSON.stringify([lang(), draft.issued, pending && pending.sent, visit && visit.status, visit && visit.booth, visit && visit.steps.map((s) => s.queue)]);
    if (!force && key === ticketKey) return;
    ticketKey = key;
    renderTicket({
      root: sections.ticket,
      draft,
      catalog,
      site,
      visit,
      pending,
      lease,
      actions: {
        pick(queueId) {
          draft.issued.firstQueue = queueId;
          issueTicket(draft.issued, draft.issued.choose, seriesOf(queueId));
        },
        next() {
          wizard.reset(emptyDraft());
          showTab("intake");
          sections.intake.querySelector("h2")?.focus();
        },
        fix() {
          draft.issued = null;
          draft.step = "plan";
          wizard.save();
          wizard.render();
          showTab("intake");
        },
      },
    });
  }

  /** The booth panel under the plan follows the floor (a booth taken or freed meanwhile). */
  function refreshBoothPanel() {
    const holder = document.getElementById("booth-slot-holder");
    if (!holder || wizard.draft.issued) return;
    const form = holder.querySelector("form.booth-form");
    if (form && form.contains(document.activeElement)) return; // typing a booking: leave it be
    const panel = wizard.actions.boothPanel(wizard.draft);
    if (!panel) return;
    const open = holder.querySelector("details.booth-book")?.open;
    const values = Object.fromEntries(["booth-date", "booth-slot", "booth-note"].map((id) => [id, document.getElementById(id)?.value]));
    const focused = holder.contains(document.activeElement) ? document.activeElement.id : "";
    holder.replaceChildren(panel);
    holder.querySelector("details.booth-book").open = Boolean(open);
    for (const [id, value] of Object.entries(values)) {
      const field = document.getElementById(id);
      if (field && value !== undefined) field.value = value;
    }
    if (focused) document.getElementById(focused)?.focus();
  }

  function showTab(name) {
    tab = name;
    const issued = Boolean(wizard.draft.issued);
    sections.intake.hidden = name !== "intake" || issued;
    sections.ticket.hidden = name !== "intake" || !issued;
    sections.visits.hidden = name !== "visits";
    for (const button of document.querySelectorAll("[data-tab]")) {
      button.setAttribute("aria-current", button.dataset.tab === name ? "page" : "false");
    }
    if (name === "intake" && issued) renderTicketView(true);
    if (name === "intake" && !issued) wizard.render();
  }

  let saveTimer = null;
  let lastLive = null;
  function refreshVisits() {
    const live = hub.entities.visits;
    const source = live || (cached && cached.visits) || {};
    const at = live ? lastLive : cached && cached.at;
    const asOf = hub.status !== "live" && at ? new Date(at).toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit" }) : null;
    visits.update({ visits: source, pending: hub.pending, asOf });
    document.getElementById("visit-count").textContent = String(visits.openCount());
  }

  function keepFloor() {
    // The last live list, shown (marked "as of") when the phone starts without a connection.
    lastLive = Date.now();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => local.setJSON(KEYS.floor, { visits: hub.entities.visits || {}, at: lastLive }), 1000);
  }

  function refreshOutbox() {
    const pending = hub.pending;
    outboxChip.hidden = pending.length === 0;
    outboxChip.textContent = ui("outbox", { n: pending.length });
    outboxChip.dataset.sent = pending.every((p) => p.sent) ? "sent" : "waiting";
    document.documentElement.dataset.pending = String(pending.length);
  }

  function refreshConn() {
    const status = hub.status;
    conn.dataset.status = status;
    conn.textContent = ui(`conn_${status}`) || status;
  }

  // --- acknowledgements and refusals -------------------------------------------------------

  function acked(message) {
    const follow = followups[message.id];
    if (follow && message.visit) {
      delete followups[message.id];
      local.setJSON(KEYS.followups, followups);
      send({ type: "MarkForms", visit: message.visit, forms: follow.forms });
    }
    const issued = wizard.draft.issued;
    if (issued && issued.id === message.id && !issued.ack) {
      issued.ack = message.visit ? { visit: message.visit, ticket: message.ticket, token: message.token } : { ok: true };
      wizard.save();
      if (tab === "intake") renderTicketView();
    }
    if (toasts.has(message.id)) {
      toast(toasts.get(message.id), "ok");
      toasts.delete(message.id);
    }
  }

  function refused(id, error) {
    if (followups[id]) {
      delete followups[id];
      local.setJSON(KEYS.followups, followups);
    }
    toasts.delete(id);
    const issued = wizard.draft.issued;
    if (issued && issued.id === id) {
      issued.error = { code: error.code, message: error.message };
      wizard.save();
      renderTicketView(true);
      return;
    }
    toast(ui("refused", { msg: errorText(error) }), "error");
  }

  hub.addEventListener("ack", (e) => acked(e.detail));
  hub.addEventListener("failure", (e) => {
    const message = e.detail;
    if (message.id && hub.pending.some((p) => p.id === message.id)) {
      toast(ui("retrying"), "warn");
    } else if (message.id) {
      refused(message.id, message);
    } else {
      toast(ui("refused", { msg: errorText(message) }), "error");
    }
  });
  hub.addEventListener("change", (e) => {
    if (e.detail.collections.includes("visits")) {
      keepFloor();
      refreshVisits();
      if (tab === "intake") renderTicketView();
    }
    if (e.detail.collections.some((c) => c === "booths" || c === "booth_reservations")) refreshBoothPanel();
  });
  hub.addEventListener("outbox", () => {
    refreshOutbox();
    refreshVisits();
    if (tab === "intake") renderTicketView();
  });
  hub.addEventListener("status", () => {
    refreshConn();
    refreshVisits();
  });
  hub.addEventListener("version", () => {
    const banner = document.getElementById("version-banner");
    replaceChildren(banner, ui("new_version"), " ", h("button", { type: "button", class: "small", onclick: () => location.reload() }, ui("reload")));
    banner.hidden = false;
  });
  // The hub client itself watches the browser's offline/online events and the hub's silence.
  const linkBanner = mountLinkBanner(hub, { mode: "queue", lang, timezone: catalog.site.timezone });

  // --- chrome: tabs, language, menu ----------------------------------------------------------

  for (const button of document.querySelectorAll("[data-tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  outboxChip.addEventListener("click", () => showTab("visits"));
  document.getElementById("lang").addEventListener("click", () => {
    setLang(lang() === "ja" ? "en" : "ja");
    translatePage();
    refreshConn();
    refreshOutbox();
    linkBanner.render();
    wizard.relabel();
    refreshVisits();
    renderTicketView(true);
  });
  document.getElementById("sign-out").addEventListener("click", async () => {
    const n = hub.pending.length;
    if (n && !window.confirm(ui("sign_out_pending", { n }))) return;
    await lease.giveBack();
    await fetch("/api/logout", { method: "POST" }).catch(() => {});
    local.remove(KEYS.floor);
    location.assign(`/signin?next=${encodeURIComponent(location.pathname)}&id=${encodeURIComponent(staff)}`);
  });
  const switcher = document.getElementById("site-switch");
  if (switcher) switcher.addEventListener("change", () => location.assign(`/guide/${encodeURIComponent(switcher.value)}`));

  refreshConn();
  refreshOutbox();
  wizard.start();
  showTab("intake");
  refreshVisits();
  hub.start();
  // For tests and support: the running app.
  window.madoguchiGuide = { hub, wizard, planner, visits, lease };
  document.documentElement.dataset.ready = "true";
}

async function loadCatalog() {
  try {
    const response = await fetch(CATALOG_URL, { cache: "no-cache" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const catalog = await response.json();
    local.setJSON(KEYS.catalog, catalog);
    return catalog;
  } catch (error) {
    // Offline and no service worker copy yet: the last catalog this phone saw.
    const saved = local.getJSON(KEYS.catalog, null);
    if (saved) return saved;
    throw error;
  }
}

function registerServiceWorker() {
  const ready = document.getElementById("offline-ready");
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register(`/guide/sw.js?v=${encodeURIComponent(version)}`, { scope: "/guide/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      const worker = registration.active;
      if (!worker) return;
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        if (!event.data || !event.data.ok) return;
        document.documentElement.dataset.offlineReady = "true";
        ready.dataset.i18n = "offline_ready";
        ready.textContent = ui("offline_ready");
      };
      // The page and the catalog were fetched before the worker controlled the page.
      worker.postMessage({ type: "warm", urls: [location.pathname, CATALOG_URL, `/guide/${site}/manifest.webmanifest`] }, [channel.port2]);
    })
    .catch((error) => console.warn("service worker", error));
}
