// Offline use, on every page (templates/base.html; its words come from this script tag's data
// attributes): registers the service worker (static/js/sw.js), tells it which pages are the
// signed-in user's to keep, sends the records kept on the phone when the connection returns,
// marks them on the meetings page, and clears everything on signing out.
(() => {
  "use strict";
  const config = document.currentScript.dataset;
  const signedIn = "signedIn" in config;
  const Outbox = self.CohesionOutbox;
  const workers = "serviceWorker" in navigator;
  const state = (value) => {
    document.documentElement.dataset.offline = value;
  };

  // A message to the active worker, answered through a channel (or not within 20 s).
  const tell = async (message) => {
    const registration = await navigator.serviceWorker.ready;
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      registration.active.postMessage(message, [channel.port2]);
      setTimeout(() => resolve({ ok: false }), 20000);
    });
  };

  const markLists = async () => {
    const lists = document.querySelectorAll("[data-outbox-list]");
    if (!lists.length || !Outbox) return;
    const records = new Map((await Outbox.all()).map((record) => [String(record.meeting), record]));
    for (const list of lists) {
      for (const row of list.querySelectorAll("[data-outbox-meeting]")) {
        row.querySelector("[data-outbox-badge]")?.remove();
        const record = records.get(row.dataset.outboxMeeting);
        if (!record) continue;
        const refused = record.state === "refused";
        const badge = document.createElement("a");
        badge.href = row.dataset.outboxHref;
        badge.dataset.outboxBadge = record.state;
        badge.className = `badge text-wrap ${refused ? "text-bg-danger" : "text-bg-warning"}`;
        badge.textContent = refused ? list.dataset.outboxRefused : list.dataset.outboxPending;
        row.append(badge);
      }
    }
  };

  const flush = async () => {
    if (!signedIn || !Outbox || !navigator.onLine) return;
    const results = await Outbox.flush();
    document.dispatchEvent(new CustomEvent("outbox:flushed", { detail: results }));
    await markLists();
  };

  const deleteDatabase = (name) =>
    new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(name);
      // Blocked by the worker's open connection: deleted when it closes (and the sign-out
      // response's Clear-Site-Data drops it anyway); signing out does not wait for it.
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });

  // Everything the site keeps in this browser: pages, static files, records, the worker.
  const clearAll = async () => {
    if (workers && navigator.serviceWorker.controller) {
      await Promise.race([tell({ type: "forget" }), new Promise((r) => setTimeout(r, 1000))]);
    }
    if (self.caches) for (const name of await caches.keys()) await caches.delete(name);
    const names = indexedDB.databases ? (await indexedDB.databases()).map((db) => db.name) : [];
    for (const name of new Set([...names, Outbox?.DB].filter(Boolean))) await deleteDatabase(name);
    if (workers) for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  };

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (new URL(form.action, location.href).pathname !== config.signout) return;
    event.preventDefault();
    (async () => {
      const pending = Outbox ? (await Outbox.all().catch(() => [])).length : 0;
      if (pending && !window.confirm(config.signoutConfirm)) return;
      try {
        // A browser API that never answers must not keep anyone signed in: after a few
        // seconds the sign-out goes on, and its response's Clear-Site-Data clears the rest.
        await Promise.race([clearAll(), new Promise((r) => setTimeout(r, 4000))]);
      } finally {
        form.submit(); // no submit event: not caught here again
      }
    })();
  });

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", () => {
    markLists();
    flush();
  });

  if (!workers) return state("unsupported");
  navigator.serviceWorker.register(config.sw, { scope: "/" }).catch(() => state("failed"));
  if (!signedIn) {
    // Nobody signed in (a session that lapsed): the pages kept for the last user go.
    tell({ type: "forget" });
  } else if (navigator.onLine) {
    tell({ type: "scope" }).then((answer) => state(answer.ok ? "ready" : "failed"));
  } else {
    state("offline");
  }
})();
