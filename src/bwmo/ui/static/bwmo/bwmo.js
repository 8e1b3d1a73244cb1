// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // A form came back with errors: move focus to the summary, so it is read out first and
  // its links lead to the fields.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
  document.querySelectorAll("[data-error-summary] a[href^='#']").forEach((link) =>
    link.addEventListener("click", (event) => {
      const target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      target.focus();
      target.scrollIntoView({ block: "center" });
    }));
  document.querySelectorAll("[data-print]").forEach((link) =>
    link.addEventListener("click", (event) => { event.preventDefault(); window.print(); }));
  // Show the grant fields of a beschikking only when "toekenning" is chosen.
  document.querySelectorAll("[data-show-when]").forEach((block) => {
    const [name, value] = block.dataset.showWhen.split("=");
    const inputs = document.querySelectorAll(`[name="${name}"]`);
    const update = () => {
      const chosen = [...inputs].find((i) => i.checked || i.tagName === "SELECT");
      block.hidden = chosen ? chosen.value !== value : false;
    };
    inputs.forEach((i) => i.addEventListener("change", update));
    update();
  });
});
