/* Parley's framed thread, part 1: settings, the JSON API with a bearer token held in memory only,
 * and the messages exchanged with the newsroom's page.
 *
 * The token is never stored (storage in a third-party frame is partitioned or blocked) and never
 * leaves this frame: the parent page only ever receives "ready" and the frame's height.
 */
var Parley = (function () {
  "use strict";
  var root = document.getElementById("parley");
  var data = root.dataset;
  var config = {
    article: data.article,
    mode: data.mode,
    // The page may be framed by Parley's own pages too ('self' in frame-ancestors).
    origins: [location.origin].concat(data.origins.split(" ").filter(Boolean)),
    editWindow: Number(data.editWindow) * 1000,
    maxLength: Number(data.maxLength),
    skew: Date.parse(data.now) - Date.now(),
    threadUrl: data.threadUrl,
    registerUrl: data.registerUrl,
    guidelinesUrl: data.guidelinesUrl
  };
  var session = { token: null, user: null };
  var listeners = [];
  var parentOrigin = null;

  function failure(status, code, message) {
    var error = new Error(message);
    error.status = status;
    error.code = code;
    return error;
  }

  function request(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (session.token) headers.Authorization = "Bearer " + session.token;
    // No cookie goes with a request: who the reader is comes from the token alone.
    return fetch("/api/v1" + path, {
      method: method, headers: headers, credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).catch(function () {
      throw failure(0, "network", "Parley cannot be reached. Check your connection and try again.");
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (response.ok) return answer;
        var error = (answer && answer.error) || {};
        if (response.status === 401 && session.token && error.code === "invalid_token") signedIn(null, null);
        throw failure(response.status, error.code || "http_" + response.status,
          error.message || "Parley could not do that (HTTP " + response.status + "). Try again later.");
      });
    });
  }

  function signedIn(token, user) {
    session.token = token;
    session.user = user;
    listeners.forEach(function (listener) { listener(user); });
  }

  function exchange(path, body) {
    return request("POST", path, body).then(function (answer) {
      signedIn(answer.token, answer.user);
      return answer.user;
    });
  }

  function signOut() {
    var done = function () { signedIn(null, null); };
    return request("DELETE", "/auth/token").then(done, done);
  }

  function post(message) {
    if (parentOrigin) window.parent.postMessage(message, parentOrigin);
  }

  function reportHeight() {
    post({ type: "parley:height", height: Math.ceil(root.getBoundingClientRect().height) });
  }

  function onParentMessage(event) {
    // Only the page that frames us, and only if it is one of the newsroom's origins.
    if (event.source !== window.parent || config.origins.indexOf(event.origin) < 0) return;
    var message = event.data;
    if (!message || message.type !== "parley:init" || parentOrigin) return;
    parentOrigin = event.origin;
    new ResizeObserver(reportHeight).observe(root);
    reportHeight();
    if (typeof message.sso === "string" && message.sso) {
      exchange("/auth/sso", { token: message.sso }).catch(function (error) {
        listeners.forEach(function (listener) { listener(null, error); });
      });
    }
  }

  /* Return the origins the parent may have: the one the browser names, if allowed, else all allowed. */
  function candidateOrigins() {
    var named = (location.ancestorOrigins && location.ancestorOrigins[0]) || "";
    if (!named && document.referrer) named = new URL(document.referrer).origin;
    return config.origins.indexOf(named) >= 0 ? [named] : config.origins;
  }

  function connect() {
    if (window.parent === window) return;
    window.addEventListener("message", onParentMessage);
    // The parent's origin is not proven yet: a message addressed to another origin is dropped.
    candidateOrigins().forEach(function (origin) {
      window.parent.postMessage({ type: "parley:ready" }, origin);
    });
  }

  return {
    config: config,
    request: request,
    user: function () { return session.user; },
    onAuth: function (listener) { listeners.push(listener); },
    signIn: function (username, password) {
      return exchange("/auth/token", { username: username, password: password });
    },
    signOut: signOut,
    connect: connect
  };
})();
