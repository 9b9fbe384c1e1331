/* Parley's framed thread, part 3: the thread's state and what a reader does in it.
 *
 * Reading, sorting, paging and "more replies" go through the same JSON API as every client;
 * posting, replying, editing, deleting, liking and reporting need a signed-in reader (an SSO
 * token from the newsroom's page, or a Parley account signed in here).
 */
(function (Parley) {
  "use strict";
  var h = Parley.view.h;
  var config = Parley.config;
  var base = "/articles/" + encodeURIComponent(config.article);
  var list = document.getElementById("comments");
  var pager = document.getElementById("pager");
  var status = document.getElementById("status");
  var count = document.getElementById("count");
  var state = { sort: "newest", cursor: null, generation: 0 };

  function say(text, kind) {
    status.className = "status" + (kind ? " status-" + kind : "");
    status.textContent = text;
  }

  function showError(element, error) {
    Parley.view.part(element, "error").textContent = error.message;
  }

  function addNodes(container, nodes) {
    nodes.forEach(function (node) {
      var element = Parley.view.comment(node, actions);
      container.append(element);
      addNodes(Parley.view.part(element, "replies"), node.replies || []);
      moreReplies(element, node, node.more_replies ? node.replies_cursor : undefined);
    });
  }

  /* Offer the rest of a comment's replies from ``cursor`` (null: from the first; undefined: none). */
  function moreReplies(element, node, cursor) {
    var slot = Parley.view.part(element, "more");
    slot.replaceChildren();
    if (cursor === undefined) return;
    var shown = Parley.view.part(element, "replies").children.length;
    var left = Math.max(node.reply_count - shown, 1);
    slot.append(h("button", {
      type: "button", class: "link more-replies", text: left + " more repl" + (left === 1 ? "y" : "ies"),
      onclick: function () {
        var query = "?limit=20" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
        Parley.request("GET", "/comments/" + node.id + "/replies" + query).then(function (page) {
          addNodes(Parley.view.part(element, "replies"), page.comments);
          moreReplies(element, node, page.next_cursor || undefined);
        }, function (error) { showError(element, error); });
      }
    }));
  }

  function load(more) {
    var generation = more ? state.generation : ++state.generation;
    var query = "?sort=" + state.sort + (more && state.cursor ? "&cursor=" + encodeURIComponent(state.cursor) : "");
    list.setAttribute("aria-busy", "true");
    return Parley.request("GET", base + "/comments" + query).then(function (page) {
      if (generation !== state.generation) return;
      if (!more) list.replaceChildren();
      addNodes(list, page.comments);
      if (!list.children.length) list.append(h("p", { class: "muted empty", text: "No comments yet. Start the conversation." }));
      state.cursor = page.next_cursor;
      pager.replaceChildren(state.cursor ? h("button", {
        type: "button", class: "button secondary", text: "More comments", onclick: function () { load(true); }
      }) : "");
      list.setAttribute("aria-busy", "false");
    }, function (error) {
      list.setAttribute("aria-busy", "false");
      say(error.message, "error");
    });
  }

  function setCount(delta) {
    var value = parseInt(count.textContent, 10) + delta;
    count.textContent = value + " comment" + (value === 1 ? "" : "s");
  }

  function announce(comment) {
    if (comment.status === "published") say("Your comment is published.", "ok");
    else if (comment.status === "pending") say("Thanks: your comment is awaiting review. " + Parley.view.holdReason(comment.hold_reason), "warn");
    else say("Your comment was not published. " + Parley.view.rejected, "error");
    if (comment.status === "published" && !comment.parent_id) setCount(1);
  }

  // A new text is sent with nudge "check": if it may break the guidelines, the reader is told and
  // either edits it and sends again, or posts it anyway (recorded as such).
  function postComment(payload, form) {
    var warned = form.querySelector(".nudge");
    if (warned) warned.remove();
    return Parley.request("POST", base + "/comments", Object.assign({ nudge: "check" }, payload)).catch(function (error) {
      if (error.code !== "may_break_guidelines") throw error;
      return new Promise(function (resolve, reject) {
        var anyway = h("button", { type: "button", class: "button secondary", text: "Post anyway", onclick: function () {
          anyway.disabled = true;
          Parley.request("POST", base + "/comments", Object.assign({}, payload, { nudge: "post_anyway" })).then(function (answer) {
            nudge.remove();
            resolve(answer);
          }, reject);
        } });
        var nudge = h("p", { class: "nudge", role: "alert" }, [error.message + " ", anyway]);
        form.querySelector(".compose-actions").before(nudge);
        anyway.focus();
      });
    });
  }

  function inSlot(element, content, placeholder) {
    var slot = Parley.view.part(element, "slot");
    slot.replaceChildren(content || "");
    var field = slot.querySelector("textarea, select");
    if (field && placeholder) field.placeholder = placeholder;
    if (field) field.focus();
  }

  function replace(element, comment, node) {
    var fresh = Parley.view.comment(Object.assign({}, node, comment), actions);
    ["replies", "more"].forEach(function (name) {
      Parley.view.part(fresh, name).replaceWith(Parley.view.part(element, name));
    });
    element.replaceWith(fresh);
    return fresh;
  }

  var actions = {
    like: function (node, control) {
      control.disabled = true;
      Parley.request(node.liked ? "DELETE" : "POST", "/comments/" + node.id + "/reactions").then(function (answer) {
        node.liked = !node.liked;
        node.reaction_count = answer.reaction_count;
        replace(document.getElementById("comment-" + node.id), {}, node).querySelector(".like").focus();
      }, function (error) {
        control.disabled = false;
        showError(document.getElementById("comment-" + node.id), error);
      });
    },
    reply: function (node, element) {
      inSlot(element, Parley.view.textForm("Your reply", "Post reply", "", function (text, form) {
        postComment({ body: text, parent_id: node.id }, form).then(function (answer) {
          form.remove();
          addNodes(Parley.view.part(element, "replies"), [Object.assign({ replies: [] }, answer.comment)]);
          announce(answer.comment);
        }, function (error) { showError(element, error); });
      }, function () { inSlot(element, null); }), "Write a reply…");
    },
    edit: function (node, element) {
      inSlot(element, Parley.view.textForm("Edit your comment", "Save", node.body, function (text) {
        Parley.request("PATCH", "/comments/" + node.id, { body: text }).then(function (answer) {
          replace(element, answer.comment, node);
          announce(answer.comment);
        }, function (error) { showError(element, error); });
      }, function () { inSlot(element, null); }));
    },
    remove: function (node, element) {
      inSlot(element, h("p", { class: "confirm" }, ["Delete this comment? ",
        h("button", { type: "button", class: "button small danger", text: "Delete", onclick: function () {
          Parley.request("DELETE", "/comments/" + node.id).then(function () {
            replace(element, { status: "deleted", body: "", author: null }, node);
            if (node.status === "published" && !node.parent_id) setCount(-1);
            say("Your comment is deleted.");
          }, function (error) { showError(element, error); });
        } }), " ",
        h("button", { type: "button", class: "button small secondary", text: "Keep it", onclick: function () { inSlot(element, null); } })]));
    },
    report: function (node, element) {
      inSlot(element, Parley.view.reportForm(function (report, form) {
        Parley.request("POST", "/comments/" + node.id + "/reports", report).then(function () {
          form.replaceWith(h("p", { class: "muted", text: "Thanks: the moderators will look at it." }));
        }, function (error) { showError(element, error); });
      }, function () { inSlot(element, null); }));
    }
  };

  function compose() {
    var slot = document.getElementById("compose");
    if (config.mode === "closed") return slot.replaceChildren(h("p", { class: "notice", text: "Comments on this article are closed." }));
    if (!Parley.user()) return slot.replaceChildren();
    var form = Parley.view.textForm("Your comment", "Post comment", "", function (text) {
      postComment({ body: text }, form).then(function (answer) {
        form.querySelector("textarea").value = "";
        list.querySelectorAll(".empty").forEach(function (node) { node.remove(); });
        var holder = h("div");
        addNodes(holder, [Object.assign({ replies: [] }, answer.comment)]);
        list.prepend(holder.firstChild);
        announce(answer.comment);
      }, function (error) { say(error.message, "error"); });
    });
    form.querySelector("textarea").placeholder = "Join the discussion…";
    slot.replaceChildren(config.mode === "pre" ? h("p", { class: "notice", text: "Comments on this article are read by a moderator before they appear." }) : "", form);
  }

  document.querySelectorAll("[data-sort]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      state.sort = chip.getAttribute("data-sort");
      document.querySelectorAll("[data-sort]").forEach(function (other) {
        other.setAttribute("aria-pressed", other === chip ? "true" : "false");
      });
      load(false);
    });
  });

  Parley.thread = { reload: function () { compose(); return load(false); }, say: say };
  Parley.onAuth(function (user, error) {
    if (error) say("Signing you in failed: " + error.message, "error");
    else Parley.thread.reload();
  });
  compose();
  load(false);
  Parley.connect();
})(Parley);
