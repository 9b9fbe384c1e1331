/* Parley embed: place each article's thread in an iframe on Parley's origin and fill comment counts.
 *
 * Runs on the newsroom's page: it defines no globals, adds no styles (only the iframe element),
 * and never sees the reader's Parley token, which lives in the iframe. The newsroom's sign-in
 * token (data-parley-sso) is handed to the iframe by postMessage, to Parley's origin only, once
 * the iframe says it is ready: never in a URL.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[src$='/embed.js']");
  if (!script) return;
  var ORIGIN = new URL(script.src, location.href).origin;
  var ARTICLE_ID = /^[A-Za-z0-9_-]{1,100}$/;
  var frames = [];

  function place(holder) {
    var id = holder.getAttribute("data-parley-article");
    if (!ARTICLE_ID.test(id || "") || holder.getAttribute("data-parley-placed")) return;
    var frame = document.createElement("iframe");
    frame.src = ORIGIN + "/embed/articles/" + encodeURIComponent(id);
    frame.title = holder.getAttribute("data-parley-title") || "Comments";
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    // Loaded at once unless the newsroom asks the browser to wait until the reader nears it.
    if (holder.getAttribute("data-parley-loading") === "lazy") frame.loading = "lazy";
    frame.style.width = "100%";
    frame.style.height = "360px";
    frame.style.border = "0";
    frame.style.display = "block";
    frame.style.colorScheme = "normal";
    frames.push({ frame: frame, sso: holder.getAttribute("data-parley-sso") || null });
    holder.setAttribute("data-parley-placed", "true");
    // The fallback link inside the element is for readers without scripts; the frame replaces it.
    holder.replaceChildren(frame);
  }

  function onMessage(event) {
    if (event.origin !== ORIGIN || !event.data || typeof event.data !== "object") return;
    for (var i = 0; i < frames.length; i++) {
      var entry = frames[i];
      if (event.source !== entry.frame.contentWindow) continue;
      if (event.data.type === "parley:ready") {
        entry.frame.contentWindow.postMessage({ type: "parley:init", sso: entry.sso }, ORIGIN);
      } else if (event.data.type === "parley:height" && typeof event.data.height === "number") {
        entry.frame.style.height = Math.max(80, Math.ceil(event.data.height)) + "px";
      }
    }
  }

  function fillCounts() {
    var byId = {};
    var nodes = document.querySelectorAll("[data-parley-count]");
    for (var i = 0; i < nodes.length; i++) {
      var id = nodes[i].getAttribute("data-parley-count");
      if (ARTICLE_ID.test(id)) (byId[id] = byId[id] || []).push(nodes[i]);
    }
    var ids = Object.keys(byId);
    for (var start = 0; start < ids.length; start += 100) {
      requestCounts(ids.slice(start, start + 100), byId);
    }
  }

  function requestCounts(ids, byId) {
    var url = ORIGIN + "/api/v1/counts?article_ids=" + ids.map(encodeURIComponent).join(",");
    fetch(url, { credentials: "omit", mode: "cors" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || !answer.counts) return;
        ids.forEach(function (id) {
          var count = answer.counts[id];
          if (typeof count !== "number") return;
          byId[id].forEach(function (node) { node.textContent = String(count); });
        });
      })
      .catch(function () { /* a refused or failed request leaves the page's own text */ });
  }

  function start() {
    window.addEventListener("message", onMessage);
    var holders = document.querySelectorAll("[data-parley-article]");
    for (var i = 0; i < holders.length; i++) place(holders[i]);
    fillCounts();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
