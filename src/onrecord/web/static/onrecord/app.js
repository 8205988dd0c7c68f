/* onrecord's page behaviour: quick exit, idle lock, one message shown at a time, keyboard
   shortcuts, drag and drop, pasting a screenshot. No inline script anywhere (strict CSP). */
(function () {
  "use strict";
  var body = document.body;
  var exitUrl = body.getAttribute("data-exit-url") || "about:blank";

  // -- quick exit: leave at once, replacing this page in the history --------------------
  function quickExit(event) {
    if (event) { event.preventDefault(); }
    document.title = "";
    body.textContent = "";
    window.location.replace(exitUrl);
  }
  var exitLink = document.getElementById("quick-exit");
  if (exitLink) { exitLink.addEventListener("click", quickExit); }
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 1500) { quickExit(event); }
    lastEscape = now;
  });

  // -- idle lock: the page locks the vault after the same quiet time as the server -------
  var idleSeconds = parseInt(body.getAttribute("data-idle-lock") || "0", 10);
  var lockForm = document.getElementById("lock-form");
  if (idleSeconds > 0 && lockForm) {
    var lastInput = Date.now();
    ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"].forEach(function (name) {
      document.addEventListener(name, function () { lastInput = Date.now(); }, { passive: true });
    });
    window.setInterval(function () {
      if (Date.now() - lastInput >= idleSeconds * 1000) { lockForm.submit(); }
    }, 5000);
  }

  // -- the review queue: one message shown at a time -------------------------------------
  // Each message has a blurred placeholder and an empty "shown" slot the words arrive in.
  function setShown(item, shown) {
    var slot = item.querySelector(".shown");
    var placeholder = item.querySelector(".placeholder");
    var button = item.querySelector("button.reveal");
    if (!shown && slot) { slot.textContent = ""; }
    if (placeholder) { placeholder.hidden = shown; }
    if (button) {
      button.setAttribute("aria-expanded", shown ? "true" : "false");
      button.textContent = button.getAttribute(shown ? "data-hide-text" : "data-show-text");
    }
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    if (!source.classList || !source.classList.contains("reveal")) { return; }
    var item = source.closest(".item");
    if (source.getAttribute("aria-expanded") === "true") {
      event.preventDefault();
      setShown(item, false);
      return;
    }
    document.querySelectorAll(".queue .item").forEach(function (other) {
      if (other !== item && other.querySelector(".shown .revealed")) { setShown(other, false); }
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target.classList && target.classList.contains("shown")) {
      setShown(target.closest(".item"), true);
      return;
    }
    var swapped = target.id ? document.getElementById(target.id) : null;
    if (swapped && swapped.classList.contains("item")) { swapped.focus(); }
  });

  function items() { return Array.prototype.slice.call(document.querySelectorAll(".queue .item")); }
  function currentItem() {
    var active = document.activeElement;
    return active && active.closest ? active.closest(".item") : null;
  }
  function move(step) {
    var all = items();
    if (!all.length) { return; }
    var index = all.indexOf(currentItem());
    var next = all[Math.min(all.length - 1, Math.max(0, index + step))] || all[0];
    next.focus();
  }
  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("queue")) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") { return; }
    var key = event.key;
    if (key === "j") { event.preventDefault(); move(1); return; }
    if (key === "k") { event.preventDefault(); move(-1); return; }
    var item = currentItem();
    if (!item) { return; }
    var control = item.querySelector('[data-key="' + key + '"]');
    if (!control) { return; }
    event.preventDefault();
    if (control.tagName.toLowerCase() === "select") { control.focus(); } else { control.click(); }
  });

  // -- copy buttons (a new invite link): the field's text to the clipboard ----------------
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      var status = document.getElementById("copy-status");
      if (!field) { return; }
      function say(name) { if (status) { status.textContent = button.getAttribute(name) || ""; } }
      field.focus();
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () { say("data-copied-text"); },
          function () { say(document.execCommand("copy") ? "data-copied-text" : "data-failed-text"); }
        );
      } else {
        say(document.execCommand("copy") ? "data-copied-text" : "data-failed-text");
      }
    });
  });

  // -- adding files: drag and drop, and pasting a screenshot ---------------------------------
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("files");
  if (zone && input) {
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; }
    });
    document.addEventListener("paste", function (event) {
      var data = event.clipboardData;
      if (!data) { return; }
      var transfer = new DataTransfer();
      var stamp = new Date().toISOString().replace(/[:.]/g, "-");
      Array.prototype.forEach.call(data.items, function (entry, index) {
        if (entry.kind === "file" && entry.type.indexOf("image/") === 0) {
          var file = entry.getAsFile();
          var extension = entry.type.split("/")[1] || "png";
          transfer.items.add(new File([file], "pasted-screenshot-" + stamp + "-" + index + "." + extension, { type: entry.type }));
        }
      });
      if (transfer.files.length) {
        event.preventDefault();
        input.files = transfer.files;
        var status = document.getElementById("drop-help");
        if (status) { status.textContent = transfer.files.length + " screenshot(s) pasted. Press Add these files to keep them."; }
      }
    });
  }
})();
