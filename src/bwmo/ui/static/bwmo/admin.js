// The beheer screens: small fixes to Django's admin widgets, once they are built (on load).
window.addEventListener("load", () => {
  // filter_horizontal puts an aria-label on a plain <span> (its search icon), which has no
  // role that may carry one: as an image it names the filter field's label.
  document.querySelectorAll(".selector .search-label-icon[aria-label]:not([role])")
    .forEach((icon) => icon.setAttribute("role", "img"));
});
