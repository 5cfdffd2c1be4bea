// Facets: a ticked or unticked box applies at once (the form's button does it without JavaScript), and the
// box keeps the keyboard focus across the reload.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector(".facets-form");
  if (!form) return;
  const focused = sessionStorage.getItem("crpv-facet-focus");
  sessionStorage.removeItem("crpv-facet-focus");
  if (focused) {
    const [name, value] = JSON.parse(focused);
    const box = form.querySelector(`input[name="${CSS.escape(name)}"][value="${CSS.escape(value)}"]`);
    if (box) box.focus();
  }
  form.addEventListener("change", (event) => {
    const box = event.target;
    if (box.type !== "checkbox") return;
    sessionStorage.setItem("crpv-facet-focus", JSON.stringify([box.name, box.value]));
    form.requestSubmit();
  });
});
