// The site's ticket printers on the supervisor view: a printer that is offline or out of
// paper (tickets waiting) is an alert, with words and a mark, not colour alone. The state
// comes from /api/sites/{site}/printers (the print queues live in the server process).

import { h, replaceChildren } from "/static/dom.js";
import { local } from "/static/storage.js";
import { staffTranslator } from "/panels/staff-i18n.js";

const POLL_MS = 5000;
const STRINGS = {
  printers_h: ["プリンタ", "Printers"],
  offline: ["⚠ 応答なし（電源・ケーブルを確認）", "⚠ Offline (check power and cable)"],
  paper_out: ["⚠ 用紙切れ（ロール紙を交換）", "⚠ Out of paper (replace the roll)"],
  ready: ["✔ 正常", "✔ Ready"],
  idle: ["— 未使用", "— Not used yet"],
  low: ["（用紙残りわずか）", "(paper low)"],
  waiting: ["{n}枚 印刷待ち", "{n} waiting to print"],
};
const site = document.body.dataset.site;
const section = document.getElementById("printers");

function render(printers) {
  const t = staffTranslator(STRINGS, local.get("madoguchi.supervisor.lang") || "ja");
  const faults = printers.filter((p) => p.state === "offline" || p.state === "paper_out");
  section.hidden = printers.length === 0;
  section.dataset.faults = String(faults.length);
  document.getElementById("printers-h").textContent = t("printers_h");
  replaceChildren(
    document.getElementById("printer-list"),
    printers.map((p) =>
      h(
        "li",
        { class: "printer", dataset: { printer: p.id, state: p.state } },
        h("strong", {}, p.name),
        " ",
        h("span", { class: "printer-state" }, t(p.state), p.paper_low ? t("low") : ""),
        p.queued ? h("span", { class: "printer-queue" }, " — ", t("waiting", { n: p.queued })) : "",
      ),
    ),
  );
}

async function poll() {
  try {
    const response = await fetch(`/api/sites/${site}/printers`, { cache: "no-store" });
    if (response.ok) render((await response.json()).printers);
  } catch {
    // Offline: the hub's own banner says so; try again on the next round.
  }
}

if (section) {
  poll();
  setInterval(poll, POLL_MS);
  document.getElementById("lang-toggle")?.addEventListener("click", () => setTimeout(poll, 0));
}
