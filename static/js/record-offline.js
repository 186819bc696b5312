// The meeting record form without a connection (templates/meetings/log.html): saved on the
// phone (static/js/outbox.js) when the browser is offline, shown again from there when the
// form is opened, with its state: "saved on this phone, not yet sent", or refused with the
// server's reason. Each time the form is opened afresh it gets a new key: a record kept on the
// phone keeps the key it was saved with, so that sending it twice saves it once.
document.addEventListener("DOMContentLoaded", async () => {
  const form = document.querySelector("form[data-outbox]");
  const Outbox = self.CohesionOutbox;
  if (!form || !Outbox || !self.indexedDB) return;
  const meeting = Number(form.dataset.outbox);
  const key = form.querySelector("[name=record_key]");

  const show = (record) => {
    const shown = record ? record.state : "none";
    form.dataset.outboxShown = shown;
    for (const box of form.querySelectorAll("[data-outbox-state]")) box.hidden = box.dataset.outboxState !== shown;
    if (shown === "refused") form.querySelector("[data-outbox-message]").textContent = record.message || form.dataset.outboxRefused;
  };

  const restore = (record) => {
    // As many action rows as the kept record has (record.js adds one per click).
    const indexes = record.fields.map(([name]) => Number((name.match(/^action_(\d+)_/) || [0, -1])[1]));
    const add = form.querySelector("[name=add_action]");
    while (add && form.querySelectorAll("[data-action]").length < Math.max(-1, ...indexes) + 1) add.click();
    for (const [name, value] of record.fields) {
      // The page's token and the record it was opened on are the page's, not the phone's.
      if (name === "csrfmiddlewaretoken" || name === "record_basis") continue;
      for (const field of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (field.type === "radio" || field.type === "checkbox") field.checked = field.value === value;
        else field.value = value;
      }
    }
    form.dispatchEvent(new Event("change", { bubbles: true })); // record.js counts the unmarked
  };

  const stored = await Outbox.get(meeting).catch(() => undefined);
  if (stored) {
    restore(stored);
    key.value = stored.key;
  } else if (self.crypto?.randomUUID) {
    key.value = crypto.randomUUID();
  }
  show(stored);

  form.addEventListener("submit", async (event) => {
    if (["all_present", "add_action"].includes(event.submitter?.name)) return;
    if (form.querySelector("[data-save]")?.disabled) return;
    event.preventDefault();
    if (navigator.onLine) {
      // Sent now, as the page: the server's answer replaces what the phone kept (and should
      // the connection fail on the way, the service worker keeps the record again).
      await Outbox.remove(meeting).catch(() => undefined);
      form.submit();
      return;
    }
    const record = {
      meeting,
      url: location.pathname,
      csrfUrl: form.dataset.outboxCsrf,
      fields: [...new FormData(form).entries()].filter(([, value]) => typeof value === "string"),
      key: key.value,
      state: "pending",
      message: "",
      savedAt: Date.now(),
    };
    await Outbox.put(record);
    show(record);
    form.querySelector("[data-outbox-state=pending]").scrollIntoView({ block: "center" });
    try {
      const registration = await navigator.serviceWorker?.ready;
      await registration?.sync?.register(Outbox.SYNC_TAG);
    } catch {
      // No Background Sync: static/js/offline.js sends it when the browser is online again.
    }
  });

  document.addEventListener("outbox:flushed", async (event) => {
    if (!(meeting in event.detail)) return;
    const result = event.detail[meeting];
    if (result === "sent") show({ state: "sent" });
    else if (result === "refused") show(await Outbox.get(meeting));
  });

  // After app.js has asked (data-confirm) and the leader agreed.
  document.addEventListener("click", async (event) => {
    if (!event.target.closest("[data-outbox-discard]") || event.defaultPrevented) return;
    await Outbox.remove(meeting);
    location.reload();
  });
});
