// kizuna dashboard, survey pages: progressive enhancement only. The "Copy link" buttons are
// hidden without JavaScript (the link field can still be selected and copied by hand).
(function () {
  "use strict";

  function copied(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied-text") || label;
    window.setTimeout(function () { button.textContent = label; }, 1500);
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { copied(button); });
      return;
    }
    field.focus();
    field.select();
    try { if (document.execCommand("copy")) { copied(button); } } catch (err) { /* select only */ }
  }

  function init() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
    document.querySelectorAll("input.link-field").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
    var errors = document.getElementById("errors");
    if (errors) { errors.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
