// The service worker (served at /sw.js by offline.views.service_worker, which puts CONFIG in
// front of this file). Workbox is vendored (static/vendor/workbox), never from a CDN.
//
// - Styles, scripts and icons are precached, so a page kept offline looks and works as online.
// - Pages: only those the server lists for the signed-in user (offline/access.py: their own
//   groups' pages, next meeting and record forms), network first, kept CONFIG.pageDays days.
//   Every other page goes to the network untouched: nothing of other groups, no coordinator's
//   or donor's page, no POST is ever kept.
// - Records filled offline wait in IndexedDB (static/js/outbox.js) and are sent on the
//   Background Sync event where the browser has it; the pages send them too otherwise.
/* global CONFIG, workbox, CohesionOutbox */
importScripts(...CONFIG.workbox, CONFIG.outbox);

const PAGES = "cohesion-pages";
const SCOPE = "cohesion-scope";

workbox.core.setCacheNameDetails({ prefix: "cohesion" });
workbox.precaching.precacheAndRoute(CONFIG.precache);
workbox.precaching.cleanupOutdatedCaches();
self.addEventListener("install", () => self.skipWaiting());
workbox.core.clientsClaim();

// The user's pages (paths), read from the scope cache when the worker wakes up.
let scope = null;
const loadScope = async () => {
  if (scope) return scope;
  const cached = await (await caches.open(SCOPE)).match(CONFIG.scopeUrl);
  const data = cached ? await cached.json() : { urls: [] };
  scope = { user: data.user, urls: new Set(data.urls) };
  return scope;
};

const pages = new workbox.strategies.NetworkFirst({
  cacheName: PAGES,
  // Pages say Vary: Cookie; the worker's requests carry no cookie header to compare, and
  // whose pages these are is the scope's business (refreshScope).
  matchOptions: { ignoreVary: true },
  // A frontline connection that hangs rather than fails: the kept page after 6 seconds.
  networkTimeoutSeconds: 6,
  plugins: [
    {
      // Only the page itself: not the sign-in page a lapsed session is redirected to.
      cacheWillUpdate: async ({ response }) =>
        response && response.status === 200 && !response.redirected ? response : null,
    },
    new workbox.expiration.ExpirationPlugin({
      maxAgeSeconds: CONFIG.pageDays * 24 * 3600,
      maxEntries: 200,
    }),
  ],
});

workbox.routing.registerRoute(
  ({ request, url }) => request.mode === "navigate" && url.origin === self.location.origin,
  async (options) => {
    const { urls } = await loadScope();
    if (urls.has(options.url.pathname) && !options.url.search) return pages.handle(options);
    return fetch(options.request);
  },
);

// A record form posted when the connection failed on the way (the page's script only
// knows the browser's idea of being online): kept on the phone, and the form shown again.
workbox.routing.registerRoute(
  ({ request, url }) =>
    request.mode === "navigate" && url.origin === self.location.origin && /^\/meetings\/\d+\/record\/$/.test(url.pathname),
  async ({ request, url }) => {
    const copy = request.clone();
    try {
      return await fetch(request);
    } catch (error) {
      const fields = [...(await copy.formData()).entries()].filter(([, value]) => typeof value === "string");
      const names = fields.map(([name]) => name);
      if (names.includes("all_present") || names.includes("add_action")) throw error;
      const meeting = Number(url.pathname.split("/")[2]);
      await CohesionOutbox.put({
        meeting,
        url: url.pathname,
        csrfUrl: CONFIG.csrfUrl,
        fields,
        key: (fields.find(([name]) => name === "record_key") || [])[1] || "",
        state: "pending",
        message: "",
        savedAt: Date.now(),
      });
      await registerSync();
      return Response.redirect(url.pathname, 303);
    }
  },
  "POST",
);

// Static files the page loads beyond the precache (the icon font, with its query string).
workbox.routing.registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(CONFIG.staticUrl),
  new workbox.strategies.StaleWhileRevalidate({
    cacheName: "cohesion-static",
    plugins: [new workbox.expiration.ExpirationPlugin({ maxEntries: 60 })],
  }),
);

const registerSync = async () => {
  try {
    if (self.registration.sync) await self.registration.sync.register(CohesionOutbox.SYNC_TAG);
  } catch {
    // Background Sync refused (permission, browser): the pages send the records instead.
  }
};

self.addEventListener("sync", (event) => {
  if (event.tag === CohesionOutbox.SYNC_TAG) {
    event.waitUntil(
      CohesionOutbox.flush().then((results) => {
        // Still waiting for a connection or a sign-in: a rejected promise makes the
        // browser try the sync again later.
        if (Object.values(results).includes("later")) throw new Error("records still waiting");
      }),
    );
  }
});

// Refreshes the list of the user's pages and keeps them all: the record form of the next
// meeting is there offline even if the leader never opened it online.
const refreshScope = async (event) => {
  const response = await fetch(CONFIG.scopeUrl, { credentials: "same-origin", redirect: "manual" });
  if (!response.ok) return forget(); // signed out
  const data = await response.clone().json();
  const previous = await loadScope();
  const kept = await caches.open(PAGES);
  if (previous.user !== undefined && previous.user !== data.user) {
    await caches.delete(PAGES); // another person signed in on this phone
  } else {
    // Pages no longer the user's (a group handed over, a meeting long past): dropped.
    for (const request of await kept.keys()) {
      if (!data.urls.includes(new URL(request.url).pathname)) await kept.delete(request);
    }
  }
  await (await caches.open(SCOPE)).put(CONFIG.scopeUrl, response);
  scope = { user: data.user, urls: new Set(data.urls) };
  const pagesCache = await caches.open(PAGES);
  for (const path of data.urls) {
    if (await pagesCache.match(path)) continue;
    try {
      await pages.handle({ event, request: new Request(path, { credentials: "same-origin" }) });
    } catch {
      // Offline or a page the server refused: kept on the next visit instead.
    }
  }
  return data.urls.length;
};

const forget = async () => {
  scope = { user: undefined, urls: new Set() };
  await caches.delete(PAGES);
  await caches.delete(SCOPE);
  return 0;
};

self.addEventListener("message", (event) => {
  const port = event.ports[0];
  const reply = (promise) =>
    event.waitUntil(
      promise.then(
        (count) => port && port.postMessage({ ok: true, count }),
        () => port && port.postMessage({ ok: false }),
      ),
    );
  if (event.data?.type === "scope") reply(refreshScope(event));
  else if (event.data?.type === "forget") reply(forget());
  else if (event.data?.type === "sync") reply(registerSync().then(() => 0));
});
