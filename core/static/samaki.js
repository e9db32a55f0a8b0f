// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // On wide screens the menu is always open (the <details> stays closable on phones).
  var menu = document.querySelector("details.menu");
  if (menu && window.matchMedia("(min-width: 48rem)").matches) { menu.open = true; }

  // Forms that destroy or publish something ask first; the question is in the page's language.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Move focus to the first field in error so keyboard and screen-reader users land on it.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); }

  // Selects marked data-autosubmit submit their filter form on change (the button stays for no-JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
});
