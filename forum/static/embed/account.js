/* Parley's framed thread: who is signed in, and signing in with a Parley account inside the frame.
 *
 * A reader of a newsroom with single sign-on is signed in by its token (api.js) and sees only
 * their name and "Sign out" here.
 */
(function (Parley) {
  "use strict";
  var h = Parley.view.h;
  var slot = document.getElementById("account");

  function field(id, label, type, autocomplete) {
    return [h("label", { for: id, text: label }),
      h("input", { id: id, name: id.slice(6), type: type, required: true, autocomplete: autocomplete })];
  }

  function registerLink(text) {
    return h("a", { href: Parley.config.registerUrl, target: "_blank", rel: "noopener", text: text });
  }

  function signInForm() {
    var error = h("p", { class: "error", role: "alert" });
    var form = h("form", { class: "sign-in" }, [].concat(
      field("login-username", "Username", "text", "username"),
      field("login-password", "Password", "password", "current-password"),
      [h("div", { class: "compose-actions" }, [h("button", { type: "submit", class: "button", text: "Sign in" }),
        h("button", { type: "button", class: "button secondary", text: "Cancel", onclick: render })]), error,
        h("p", { class: "muted" }, ["No account? ", registerLink("Create one on Parley"), " (opens a new tab)."])]
    ));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.textContent = "";
      Parley.signIn(form.elements.username.value, form.elements.password.value).catch(function (failure) {
        error.textContent = failure.message;
      });
    });
    slot.replaceChildren(form);
    form.elements.username.focus();
  }

  function render() {
    var user = Parley.user();
    if (user) {
      slot.replaceChildren(h("p", { class: "whoami" }, ["Signed in as ", h("strong", { text: user.display_name || user.username }),
        " (@" + user.username + ") · ", h("button", { type: "button", class: "link", text: "Sign out", onclick: function () {
          Parley.signOut();
        } })]));
      return;
    }
    slot.replaceChildren(h("p", { class: "notice" }, [
      h("button", { type: "button", class: "button small", text: "Sign in", onclick: signInForm }),
      " to join the discussion, or ",
      registerLink("create a Parley account"),
      " (opens a new tab)."
    ]));
  }

  Parley.onAuth(render);
  render();
})(Parley);
