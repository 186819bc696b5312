// The meeting record form (templates/meetings/log.html): how many members are still to be
// marked (saving waits until none is), "everyone present", and another action row. Without
// this script the same buttons post the form back, changed, and the server judges it.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-record]");
  if (!form) return;
  const counter = form.querySelector("[data-unmarked]");
  const save = form.querySelector("[data-save]");
  const members = () => [...form.querySelectorAll("[data-member]")];
  const unmarked = () => members().filter((m) => !m.querySelector("input:checked")).length;
  const update = () => {
    const count = unmarked();
    counter.hidden = count === 0;
    counter.querySelector("[data-count]").textContent = count;
    save.disabled = count > 0;
  };
  form.addEventListener("change", update);
  form.querySelector("[name=all_present]")?.addEventListener("click", (event) => {
    event.preventDefault();
    members().forEach((m) => {
      if (!m.querySelector("input:checked")) {
        const present = m.querySelector("input[value=present]");
        if (present) present.checked = true;
      }
    });
    update();
  });
  form.querySelector("[name=add_action]")?.addEventListener("click", (event) => {
    event.preventDefault();
    const rows = form.querySelector("[data-action-rows]");
    const template = form.querySelector("template[data-action-row]");
    const index = rows.querySelectorAll("[data-action]").length;
    // The form takes at most data-max rows; past it the server would refuse the record.
    if (index >= Number(rows.dataset.max || 50)) {
      event.target.disabled = true;
      return;
    }
    const html = template.innerHTML.replaceAll("__i__", String(index));
    rows.insertAdjacentHTML("beforeend", html);
    rows.lastElementChild.querySelector("input")?.focus();
  });
  update();
});
