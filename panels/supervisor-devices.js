// The site's lobby boards and ticket kiosks on the supervisor view, each with whether its
// token still works, and a way to revoke a stolen or lost one. Revoking takes two presses
// (the second within a few seconds): it cannot be undone here, only by enrolling anew. The
// list comes from /api/sites/{site}/devices; a revoked screen closes at once (close 4403).

import { h, replaceChildren } from "/static/dom.js";
import { local } from "/static/storage.js";
import { staffTranslator } from "/panels/staff-i18n.js";

const POLL_MS = 30000;
const ARMED_MS = 6000;
const STRINGS = {
  devices_h: ["表示板・発券機", "Boards & kiosks"],
  devices_help: [
    "盗難・紛失した端末はここで失効させます。失効した端末を再び使うには、新しいトークンで登録し直します。",
    "Revoke a stolen or lost device here. To use it again, enrol it anew with a new token.",
  ],
  board: ["表示板", "Board"],
  kiosk: ["発券機", "Kiosk"],
  enrolled: ["✔ 使用可", "✔ Enrolled"],
  revoked: ["⛔ 失効済み", "⛔ Revoked"],
  revoke: ["失効させる", "Revoke"],
  revoke_label: ["{name}を失効させる", "Revoke {name}"],
  confirm: ["もう一度押すと失効します", "Press again to revoke"],
  done: ["{name}を失効させました。画面はすぐに閉じます。", "{name} revoked: its screen closes now."],
  failed: ["失効できませんでした（{code}）", "Could not revoke ({code})"],
};
const site = document.body.dataset.site;
const section = document.getElementById("devices-section");
let devices = [];
let armed = "";
let armedTimer = 0;

/** The panel's words in the language the supervisor chose (read afresh: the page toggles it). */
function translator() {
  return staffTranslator(STRINGS, local.get("madoguchi.supervisor.lang") || "ja");
}

function nameOf(t, device) {
  return device.name[t.lang] || device.name.ja;
}

function render() {
  const t = translator();
  section.hidden = devices.length === 0;
  document.getElementById("devices-h").textContent = t("devices_h");
  document.getElementById("devices-help").textContent = t("devices_help");
  replaceChildren(
    document.getElementById("devices"),
    devices.map((device) => {
      const name = nameOf(t, device);
      const isArmed = armed === device.id;
      return h(
        "li",
        { class: "device", dataset: { device: device.id, revoked: String(device.revoked) } },
        h("span", { class: "device-kind" }, t(device.kind)),
        " ",
        h("strong", {}, name),
        " ",
        h("span", { class: "device-state" }, t(device.revoked ? "revoked" : "enrolled")),
        device.revoked
          ? ""
          : h(
              "button",
              {
                type: "button",
                class: isArmed ? "armed" : "",
                "aria-label": isArmed ? t("confirm") : t("revoke_label", { name }),
                onclick: () => press(device),
              },
              isArmed ? t("confirm") : t("revoke"),
            ),
      );
    }),
  );
}

function say(text, error = false) {
  const status = document.getElementById("devices-status");
  status.textContent = text;
  status.classList.toggle("error", error);
}

async function press(device) {
  const t = translator();
  if (armed !== device.id) {
    armed = device.id;
    clearTimeout(armedTimer);
    armedTimer = setTimeout(() => {
      armed = "";
      render();
    }, ARMED_MS);
    render();
    document.querySelector(`#devices [data-device="${device.id}"] button`)?.focus();
    return;
  }
  armed = "";
  clearTimeout(armedTimer);
  const response = await fetch(`/api/devices/${encodeURIComponent(device.id)}/revoke`, { method: "POST" });
  if (response.ok) {
    say(t("done", { name: nameOf(t, device) }));
  } else {
    const reply = await response.json().catch(() => ({}));
    say(t("failed", { code: reply.code || response.status }), true);
  }
  await poll();
}

async function poll() {
  try {
    const response = await fetch(`/api/sites/${site}/devices`, { cache: "no-store" });
    if (response.ok) devices = (await response.json()).devices;
  } catch {
    // Offline: the hub's own banner says so; try again on the next round.
  }
  render();
}

if (section) {
  poll();
  setInterval(poll, POLL_MS);
  document.getElementById("lang-toggle")?.addEventListener("click", () => setTimeout(render, 0));
}
