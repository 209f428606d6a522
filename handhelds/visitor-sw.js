// The visitor page's service worker (served as /visit/sw.js, scope /visit/): shows the notices
// the server pushes — worded on the server in the visitor's language (config/texts.toml) — even
// with the page closed, and opens the visitor's own page when one is tapped. Nothing is cached:
// the page must always show the live state, never a stale copy.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

/** The pushed notice: {kind, title, body, lang, tag, url, ticket}; plain text is shown as is. */
function readNotice(data) {
  if (!data) return {};
  try {
    return data.json();
  } catch {
    return { body: data.text() };
  }
}

self.addEventListener("push", (event) => {
  const notice = readNotice(event.data);
  const called = notice.kind === "called" || notice.kind === "return";
  const options = {
    body: notice.body || "",
    lang: notice.lang || "",
    // One notification per ticket: a newer notice replaces the older one, and still alerts.
    tag: notice.tag || "madoguchi",
    renotify: true,
    requireInteraction: called,
    vibrate: called ? [300, 150, 300, 150, 600] : [200],
    data: { url: notice.url || "/", kind: notice.kind || "" },
  };
  event.waitUntil(self.registration.showNotification(notice.title || "窓口 / Madoguchi", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data?.url || "/";
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const page = open.find((client) => client.url === url);
      if (page) return page.focus();
      return self.clients.openWindow(url);
    })(),
  );
});
