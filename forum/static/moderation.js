/* Keyboard shortcuts for the review queue. Without this file every button and form still works.
   j / k: next / previous comment · a: approve · r: reject · e: escalate · x: select for bulk. */
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".q-item"));
  var current = -1;

  function focusItem(index) {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (item, i) { item.classList.toggle("is-current", i === current); });
    items[current].focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  // Each decision form names its key (data-key), so the actions are spelled only in the page.
  function submit(key) {
    if (current < 0) focusItem(0);
    var form = items[current] && items[current].querySelector('form[data-key="' + key + '"]');
    if (!form) return;
    var button = form.querySelector('button[name="action"]');
    form.requestSubmit ? form.requestSubmit(button) : button.click();
  }

  var keys = {
    j: function () { focusItem(current + 1); },
    k: function () { focusItem(current - 1); },
    a: function () { submit("a"); },
    r: function () { submit("r"); },
    e: function () { submit("e"); },
    x: function () {
      if (current < 0) focusItem(0);
      var box = items[current] && items[current].querySelector('input[name="ids"]');
      if (box) box.checked = !box.checked;
    }
  };

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey || tag === "input" || tag === "select" || tag === "textarea") return;
    var handler = keys[event.key];
    if (handler) {
      event.preventDefault();
      handler();
    }
  });

  items.forEach(function (item, i) {
    item.addEventListener("click", function () { current = i; focusItem(i); });
  });

  var all = document.querySelector("[data-select-all]");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
  if (items.length) focusItem(0);
})();
