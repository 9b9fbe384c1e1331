/* Parley's framed thread, part 2: building the elements of a thread from the API's comments.
 *
 * Every text from the API goes in as text (textContent, text nodes), never as HTML.
 */
(function (Parley) {
  "use strict";
  var HOLD_REASONS = {
    abuse: "Our automatic check thinks it may break the rules on abuse, so a moderator will read it first.",
    off_topic: "Our automatic check thinks it may be off topic for this article, so a moderator will read it first.",
    premoderation: "Comments here are read by a moderator before they appear.",
    reported: "Readers reported it, so it is hidden until a moderator has looked at it.",
    escalated: "A senior moderator is looking at it.",
    model_unavailable: "Our automatic check was not available, so a moderator will read it first.",
    banned_word: "It contains words a moderator must look at first.",
    suspect_word: "It contains words a moderator must look at first.",
    spam: "It looks like something posted before, so a moderator will read it first.",
    new_user: "A new reader's first comments are read by a moderator before they appear.",
    link: "Links from new readers are read by a moderator before they appear."
  };
  var REJECTED = "It breaks the community guidelines, so others cannot see it. A moderator can still review it.";
  var REPORT_REASONS = [["abusive", "Abusive"], ["off_topic", "Off topic"], ["spam", "Spam"], ["other", "Something else"]];

  /* Make an element: attrs are attributes, except text (its text), class, and on* (listeners). */
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.append(child);
    });
    return node;
  }

  function paragraphs(text) {
    return text.split(/\n{2,}/).filter(function (block) { return block.trim(); }).map(function (block) {
      var p = h("p");
      block.split("\n").forEach(function (line, i) {
        if (i) p.append(h("br"));
        p.append(line);
      });
      return p;
    });
  }

  function now() { return Date.now() + Parley.config.skew; }

  function ago(iso) {
    var seconds = Math.max(0, Math.floor((now() - Date.parse(iso)) / 1000));
    var units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][1]) {
        var count = Math.floor(seconds / units[i][1]);
        return count + " " + units[i][0] + (count === 1 ? "" : "s") + " ago";
      }
    }
    return "just now";
  }

  function isMine(comment) {
    var user = Parley.user();
    return Boolean(user && comment.author && comment.author.username === user.username);
  }

  function isEditable(comment) {
    return isMine(comment) && now() <= Date.parse(comment.created_at) + Parley.config.editWindow;
  }

  function guidelinesLink() {
    return h("a", { href: Parley.config.guidelinesUrl, target: "_blank", rel: "noopener", text: "Community guidelines" });
  }

  function holdNotice(comment) {
    if (comment.status === "pending") {
      // A moderator sees others' held comments too: "only you" is for their author.
      return h("p", { class: "held" }, [h("strong", { text: "Awaiting review. " }),
        (isMine(comment) ? "Only you can see this comment for now. " : "") + (HOLD_REASONS[comment.hold_reason] ||
          "A moderator will review it before others can see it.") + " ", guidelinesLink()]);
    }
    if (comment.status === "rejected") {
      return h("p", { class: "held rejected" }, [h("strong", { text: "Not published. " }), REJECTED + " ", guidelinesLink()]);
    }
    return null;
  }

  function header(comment) {
    var author = comment.author;
    return h("header", { class: "comment-head" }, [
      h("a", { class: "author", href: "/users/" + encodeURIComponent(author.username), text: author.display_name || author.username }),
      h("span", { class: "handle", text: "@" + author.username }),
      h("time", { datetime: comment.created_at, title: comment.created_at, text: ago(comment.created_at) }),
      comment.edited_at ? h("span", { class: "edited", text: "· edited" }) : null
    ]);
  }

  function button(label, action, attrs) {
    return h("button", Object.assign({ type: "button", class: "link", text: label, onclick: action }, attrs || {}));
  }

  function likeControl(node, actions) {
    if (!Parley.user()) return h("span", { class: "likes", title: "Likes", text: "♥ " + node.reaction_count });
    return h("button", {
      type: "button", class: "like" + (node.liked ? " liked" : ""), "aria-pressed": node.liked ? "true" : "false",
      "aria-label": (node.liked ? "Take back your like" : "Like this comment") + " (" + node.reaction_count +
        (node.reaction_count === 1 ? " like)" : " likes)"),
      text: "♥ " + node.reaction_count, onclick: function (event) { actions.like(node, event.currentTarget); }
    });
  }

  function actionsBar(node, actions, element) {
    var signedIn = Boolean(Parley.user());
    var published = node.status === "published";
    var mine = isMine(node);
    var open = function (kind) { return function () { actions[kind](node, element); }; };
    return h("footer", { class: "comment-actions" }, [
      published ? likeControl(node, actions) : null,
      signedIn && published && Parley.config.mode !== "closed" ? button("Reply", open("reply")) : null,
      isEditable(node) ? button("Edit", open("edit")) : null,
      mine ? button("Delete", open("remove"), { class: "link danger" }) : null,
      signedIn && !mine && published ? button("Report", open("report")) : null
    ]);
  }

  function body(node, actions, element) {
    var parts = [header(node), holdNotice(node), h("div", { class: "comment-body" }, paragraphs(node.body)),
      actionsBar(node, actions, element)].filter(Boolean);
    if (!node.author_muted) return parts;
    var name = node.author.display_name || node.author.username;
    return [h("details", { class: "muted-comment" }, [h("summary", { text: "A comment by " + name + ", whom you muted. Show it" })].concat(parts))];
  }

  /* Build a comment's element, without its replies (see repliesOf). */
  function comment(node, actions) {
    var element = h("article", { class: "comment status-" + node.status, id: "comment-" + node.id, "data-comment-id": node.id });
    if (node.status === "deleted") element.append(h("p", { class: "placeholder", text: "This comment was deleted." }));
    else if (node.status === "hidden") element.append(h("p", { class: "placeholder", text: "This comment is not shown." }));
    else element.append.apply(element, body(node, actions, element));
    element.append(h("div", { class: "slot" }), h("p", { class: "error", role: "alert" }),
      h("div", { class: "replies" }), h("div", { class: "more" }));
    return element;
  }

  function part(element, name) {
    for (var i = 0; i < element.children.length; i++) {
      if (element.children[i].classList.contains(name)) return element.children[i];
    }
    return null;
  }

  /* A comment's form: a labelled textarea with submit and cancel buttons. */
  function textForm(label, submit, value, onSubmit, onCancel) {
    var id = "f" + Math.random().toString(36).slice(2);
    var area = h("textarea", { id: id, name: "body", rows: 3, required: true, maxlength: Parley.config.maxLength });
    area.value = value || "";
    var form = h("form", { class: "compose" }, [
      h("label", { for: id, class: "sr-only", text: label }), area,
      h("div", { class: "compose-actions" }, [h("button", { type: "submit", class: "button", text: submit }),
        onCancel ? h("button", { type: "button", class: "button secondary", text: "Cancel", onclick: onCancel }) : null])
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      onSubmit(area.value, form);
    });
    return form;
  }

  function reportForm(onSubmit, onCancel) {
    var id = "r" + Math.random().toString(36).slice(2);
    var select = h("select", { id: id + "s", name: "reason" }, REPORT_REASONS.map(function (pair) {
      return h("option", { value: pair[0], text: pair[1] });
    }));
    var note = h("input", { id: id + "n", name: "note", type: "text", maxlength: 1000 });
    var form = h("form", { class: "report" }, [
      h("label", { for: id + "s", text: "Why are you reporting this comment?" }), select,
      h("label", { for: id + "n", text: "Anything the moderators should know (optional)" }), note,
      h("div", { class: "compose-actions" }, [h("button", { type: "submit", class: "button", text: "Send report" }),
        h("button", { type: "button", class: "button secondary", text: "Cancel", onclick: onCancel })])
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      onSubmit({ reason: select.value, note: note.value }, form);
    });
    return form;
  }

  Parley.view = {
    h: h, comment: comment, part: part, textForm: textForm, reportForm: reportForm,
    holdReason: function (code) { return HOLD_REASONS[code] || "A moderator will review it before others can see it."; },
    rejected: REJECTED
  };
})(Parley);
