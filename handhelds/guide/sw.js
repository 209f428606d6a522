// Service worker of the floor guide's app, served as /guide/sw.js?v=<asset version> so its
// scope is /guide/ (every site's app). It keeps the app shell (page, scripts, styles, icons,
// catalog) so the page reloads with no network; commands themselves wait in the hub client's
// outbox, never here. Network first (fresh code and data when online), cache as fallback.

const VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
const CACHE = `madoguchi-guide-${VERSION}`;
const NETWORK_TIMEOUT = 5000;
const SHELL = [
  "/static/hub.js",
  "/static/linkbar.js",
  "/static/dom.js",
  "/static/i18n.js",
  "/static/storage.js",
  "/static/base.css",
  "/handhelds/guide/guide.css",
  "/handhelds/guide/app.js",
  "/handhelds/guide/booths.js",
  "/handhelds/guide/i18n.js",
  "/handhelds/guide/lease.js",
  "/handhelds/guide/planner.js",
  "/handhelds/guide/preview.js",
  "/handhelds/guide/start.js",
  "/handhelds/guide/ticket.js",
  "/handhelds/guide/toast.js",
  "/static/print-page.js",
  "/handhelds/guide/visits.js",
  "/handhelds/guide/wizard.js",
  "/handhelds/guide/icons/icon-192.png",
  "/handhelds/guide/icons/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("madoguchi-guide-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page asks for what it fetched before the worker controlled it (itself, the catalog).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "warm" || !Array.isArray(data.urls)) return;
  const port = event.ports && event.ports[0];
  event.waitUntil(
    Promise.all(data.urls.filter(cacheable).map((url) => refresh(new Request(url, { credentials: "same-origin" }))))
      .then((responses) => port && port.postMessage({ ok: responses.every(Boolean) }))
      .catch(() => port && port.postMessage({ ok: false })),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !cacheable(request.url)) return;
  event.respondWith(networkFirst(request));
});

/** Same-origin app-shell requests only: never the WebSocket, commands or visitor data. */
function cacheable(url) {
  const u = new URL(url, self.location.origin);
  if (u.origin !== self.location.origin) return false;
  const path = u.pathname;
  if (path.startsWith("/static/") || path.startsWith("/handhelds/guide/")) return true;
  if (/^\/api\/sites\/[^/]+\/catalog$/.test(path)) return true;
  // The app page and its manifest; not tickets or QR codes (they carry the visitor's link).
  return /^\/guide\/[^/]+(\/manifest\.webmanifest)?$/.test(path) && path !== "/guide/sw.js";
}

/** Fetch and keep a good copy; resolves to the response, or null on failure. */
async function refresh(request) {
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && response.type === "basic" && !/no-store/.test(response.headers.get("Cache-Control") || "")) {
      const cache = await caches.open(CACHE);
      await cache.put(stripSearch(request.url), response.clone());
    }
    return response;
  } catch {
    return null;
  }
}

function stripSearch(url) {
  const u = new URL(url);
  u.search = "";
  return u.href;
}

async function networkFirst(request) {
  const network = refresh(request);
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), NETWORK_TIMEOUT));
  const response = await Promise.race([network, timeout]);
  if (response) return response;
  const cached = await caches.match(stripSearch(request.url), { ignoreSearch: true });
  if (cached) return cached;
  // Slow but not dead: wait for the network after all.
  const late = await network;
  if (late) return late;
  return new Response("オフラインです / Offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
