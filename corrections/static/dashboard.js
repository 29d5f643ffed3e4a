// The dashboard's small enhancements: select all, the bulk reason field, keyboard shortcuts.
// Everything also works without this file: these only save clicks.
(function () {
  "use strict";

  var help = document.getElementById("shortcuts");
  var queue = document.querySelector("table.queue");
  var bulkForm = document.getElementById("bulk-form");
  var current = -1;

  function rows() {
    return queue ? Array.prototype.slice.call(queue.querySelectorAll("tbody tr.queue-row")) : [];
  }

  // --- select all and the bulk bar -------------------------------------------------------------
  if (bulkForm) {
    var selectAll = bulkForm.querySelector("[data-select-all]");
    var boxes = bulkForm.querySelectorAll("input[name=select]");
    var actionSelect = bulkForm.querySelector("select[name=action]");
    var noteField = bulkForm.querySelector(".bulk-note");
    if (selectAll) {
      selectAll.closest("label").hidden = false;
      selectAll.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = selectAll.checked; });
      });
      bulkForm.addEventListener("change", function (event) {
        if (event.target.name !== "select") return;
        var checked = bulkForm.querySelectorAll("input[name=select]:checked").length;
        selectAll.checked = checked === boxes.length;
        selectAll.indeterminate = checked > 0 && checked < boxes.length;
      });
    }
    if (actionSelect && noteField) {
      var showNote = function () { noteField.hidden = actionSelect.value !== "reject"; };
      actionSelect.addEventListener("change", showNote);
      showNote();
    }
  }

  // --- keyboard shortcuts ----------------------------------------------------------------------
  var openHelp = document.querySelector("[data-shortcuts-open]");
  if (openHelp && help && typeof help.showModal === "function") {
    openHelp.hidden = false;
    openHelp.addEventListener("click", function () { help.showModal(); });
  }

  function isTyping(target) {
    if (!target || target === document.body) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(target.type) === -1;
  }

  function setCurrent(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("is-current", i === current); });
    var link = all[current].querySelector("a.open");
    if (link) link.focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    var all = rows();
    return current >= 0 && current < all.length ? all[current] : null;
  }

  // On the queue: act on the selected rows, or else on the current one.
  function bulk(action) {
    if (!bulkForm) return;
    var selected = bulkForm.querySelectorAll("input[name=select]:checked");
    if (!selected.length) {
      var row = currentRow();
      if (!row) return;
      row.querySelector("input[name=select]").checked = true;
    }
    var select = bulkForm.querySelector("select[name=action]");
    select.value = action;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    if (action === "reject") {
      var note = bulkForm.querySelector("input[name=note]");
      note.focus();
      return; // a reason is needed: the editor types it and presses Enter
    }
    bulkForm.requestSubmit();
  }

  // On a request's page: the action forms.
  function submitAction(action) {
    var form = document.querySelector("form[data-action=" + action + "]");
    if (form) form.requestSubmit();
  }

  function focusReason() {
    var field = document.querySelector("form[data-action=reject] textarea");
    if (field) field.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    if (help && help.open) {
      if (event.key === "?") { help.close(); event.preventDefault(); }
      return;
    }
    var onRequest = !queue && document.querySelector(".actions");
    var handled = true;
    switch (event.key) {
      case "?":
        if (help && typeof help.showModal === "function") help.showModal();
        break;
      case "j":
        if (queue) setCurrent(current + 1); else handled = false;
        break;
      case "k":
        if (queue) setCurrent(current - 1); else handled = false;
        break;
      case "o":
        var row = currentRow();
        if (row) row.querySelector("a.open").click(); else handled = false;
        break;
      case "x":
        var picked = currentRow();
        if (picked) {
          var box = picked.querySelector("input[name=select]");
          box.checked = !box.checked;
          box.dispatchEvent(new Event("change", { bubbles: true }));
        } else handled = false;
        break;
      case "a":
        if (queue) bulk("accept"); else if (onRequest) submitAction("accept"); else handled = false;
        break;
      case "r":
        if (queue) bulk("reject"); else if (onRequest) focusReason(); else handled = false;
        break;
      case "s":
        if (queue) bulk("spam"); else if (onRequest) submitAction("spam"); else handled = false;
        break;
      case "u":
        var back = document.querySelector("[data-back]");
        if (back) back.click(); else handled = false;
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  });
})();
