// This phone remembers its office and guide: go straight back to them.
import { local } from "/static/storage.js";

const me = local.getJSON("madoguchi-guide", null);
const known = new Set([...document.querySelectorAll("[data-site]")].map((a) => a.dataset.site));
if (me && known.has(me.site)) {
  const note = document.getElementById("remembered");
  note.textContent = `${me.name || me.staff} — ${me.site}`;
  note.hidden = false;
  const target = `/guide/${encodeURIComponent(me.site)}`;
  fetch("/api/me").then((r) => {
    location.replace(r.ok ? target : `/signin?next=${encodeURIComponent(target)}&id=${encodeURIComponent(me.staff || "")}`);
  }).catch(() => location.replace(target));
}
