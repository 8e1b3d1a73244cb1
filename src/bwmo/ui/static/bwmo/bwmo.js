// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
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
