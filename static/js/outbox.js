// Records of meetings kept on the phone until they can be sent (IndexedDB), shared by the
// pages and the service worker (static/js/sw.js imports this file): whichever runs first when
// the connection returns sends them. One record per meeting, with the key made when its form
// was opened: the server saves a key once (meetings.services.meeting_log), so a record sent
// twice, by the page and by Background Sync at once or after a lost answer, is saved once.
//
// A record: {meeting, url, csrfUrl, fields: [[name, value], ...], key, state, message, savedAt}
// state "pending": waiting to be sent; "refused": the server said no (a record saved
// meanwhile, a member gone); its text stays here until the leader saves it again or deletes it.
(function (global) {
  "use strict";
  const DB = "cohesion-outbox";
  const STORE = "records";
  const SYNC_TAG = "cohesion-outbox";

  const open = () =>
    new Promise((resolve, reject) => {
      const request = global.indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "meeting" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });

  const run = (mode, action) =>
    open().then(
      (db) =>
        new Promise((resolve, reject) => {
          const transaction = db.transaction(STORE, mode);
          const request = action(transaction.objectStore(STORE));
          transaction.oncomplete = () => {
            db.close();
            resolve(request.result);
          };
          transaction.onerror = () => {
            db.close();
            reject(transaction.error);
          };
        }),
    );

  const Outbox = {
    SYNC_TAG,
    DB,
    put: (record) => run("readwrite", (store) => store.put(record)),
    get: (meeting) => run("readonly", (store) => store.get(meeting)),
    all: () => run("readonly", (store) => store.getAll()),
    remove: (meeting) => run("readwrite", (store) => store.delete(meeting)),

    // Sends one record. "sent" (saved now or before), "refused" (kept, with the server's
    // reason), or "later": no connection, the server in trouble, or nobody signed in.
    async send(record) {
      let token;
      try {
        const answer = await fetch(record.csrfUrl, {
          credentials: "same-origin",
          redirect: "manual",
          headers: { Accept: "application/json" },
        });
        if (!answer.ok) return "later"; // signed out: sent after the next sign-in
        token = (await answer.json()).token;
      } catch {
        return "later";
      }
      // A fresh token: the one in the form may have gone with a new sign-in since.
      const body = new URLSearchParams(record.fields.filter(([name]) => name !== "csrfmiddlewaretoken"));
      body.append("csrfmiddlewaretoken", token);
      let response;
      try {
        response = await fetch(record.url, {
          method: "POST",
          body,
          credentials: "same-origin",
          redirect: "manual",
          headers: { "X-Cohesion-Outbox": "1", "X-CSRFToken": token, Accept: "application/json" },
        });
      } catch {
        return "later";
      }
      if (response.type === "opaqueredirect" || response.status >= 500) return "later";
      let answer = {};
      try {
        answer = await response.json();
      } catch {
        // A page instead of an answer: refused, said in the page's own words.
      }
      if (response.ok && (answer.status === "saved" || answer.status === "already_saved")) {
        const current = await Outbox.get(record.meeting);
        // Saved again on the phone while this one was on its way: keep the newer one.
        if (current && current.key === record.key) await Outbox.remove(record.meeting);
        return "sent";
      }
      await Outbox.put({ ...record, state: "refused", message: answer.message || "" });
      return "refused";
    },

    // Sends every pending record, one at a time; the results by meeting.
    async flush() {
      const results = {};
      for (const record of await Outbox.all()) {
        if (record.state === "pending") results[record.meeting] = await Outbox.send(record);
      }
      return results;
    },
  };
  global.CohesionOutbox = Outbox;
})(self);
