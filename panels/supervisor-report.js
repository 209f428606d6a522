// The printable figures page: the tables are rendered by the server; this adds the charts
// (from the same figures, as JSON) and the print button.

import { drawFigures } from "/panels/supervisor-charts.js";
import { translator } from "/panels/supervisor-i18n.js";
import { Names } from "/panels/supervisor-render.js";

const data = document.body.dataset;
const t = translator("ja");

document.getElementById("print").addEventListener("click", () => window.print());
for (const el of document.querySelectorAll(".generated[data-at]")) {
  el.textContent = new Date(Number(el.dataset.at) * 1000).toLocaleString("ja-JP");
}

async function charts() {
  const site = encodeURIComponent(data.site);
  const query = `from=${encodeURIComponent(data.from)}&to=${encodeURIComponent(data.to)}`;
  const [catalog, figures] = await Promise.all(
    [`/api/sites/${site}/catalog`, `/api/sites/${site}/figures?${query}`].map(async (url) => {
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return response.json();
    }),
  );
  const names = new Names(catalog);
  drawFigures(
    { waiting: "chart-waiting", estimate: "chart-estimate", arrivals: "chart-arrivals", service: "chart-service" },
    figures,
    {
      queues: catalog.queues.map((q) => ({ id: q.id, name: names.queue(t, q.id) })),
      procedureName: (pid) => names.procedure(t, pid),
      timezone: catalog.site.timezone,
      t,
    },
  );
  document.body.dataset.charts = "ready";
}

charts().catch((error) => {
  document.body.dataset.charts = "failed";
  console.error(error);
});
