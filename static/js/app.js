// Behaviour that would otherwise need inline script (forbidden by the Content Security Policy).
document.addEventListener("DOMContentLoaded", () => {
  // <form data-autosubmit>: submit when a control changes, for filter forms.
  document.body.addEventListener("change", (event) => {
    const form = event.target.closest("form[data-autosubmit]");
    if (form && !form.hasAttribute("hx-get")) form.requestSubmit();
  });
  // <button data-confirm="...">: ask before a destructive action.
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
});
