// Front desk: "Add another guest" clones a guest's fieldset in place (without JavaScript the
// same button submits the form and the server adds one), and dangerous forms ask to confirm.
(function () {
  "use strict";

  function renumber(fieldset, number) {
    fieldset.querySelectorAll("[name]").forEach(function (field) {
      field.name = field.name.replace(/guests\[\d+\]/, "guests[" + number + "]");
    });
    fieldset.querySelectorAll("[id], [for], [aria-describedby]").forEach(function (node) {
      ["id", "for", "aria-describedby"].forEach(function (attribute) {
        var value = node.getAttribute(attribute);
        if (value) { node.setAttribute(attribute, value.replace(/guests-\d+/g, "guests-" + number)); }
      });
    });
    var label = fieldset.querySelector("[data-guest-number]");
    if (label) { label.textContent = String(number + 1); }
  }

  function clear(fieldset) {
    fieldset.querySelectorAll(".invalid-feedback").forEach(function (node) { node.remove(); });
    fieldset.querySelectorAll(".is-invalid").forEach(function (node) {
      node.classList.remove("is-invalid");
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    });
    fieldset.querySelectorAll("input").forEach(function (input) {
      if (input.type !== "hidden") { input.value = ""; }
    });
    fieldset.querySelectorAll("select").forEach(function (select) {
      // Keep the previous guest's nationality, residence and document type: families travel together.
      if (/\.(sex)$/.test(select.name)) { select.selectedIndex = 0; }
    });
  }

  document.querySelectorAll("[data-add-guest]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      var block = button.closest("[data-room-block]");
      var list = block && block.querySelector("[data-guests]");
      var form = button.closest("form");
      if (!list) { return; }
      var fieldsets = list.querySelectorAll("[data-guest]");
      var max = parseInt(form.getAttribute("data-max-guests") || "12", 10);
      event.preventDefault();
      if (fieldsets.length >= max) { return; }
      var copy = fieldsets[fieldsets.length - 1].cloneNode(true);
      renumber(copy, fieldsets.length);
      clear(copy);
      list.appendChild(copy);
      var first = copy.querySelector("input");
      if (first) { first.focus(); }
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
