"""The moderation desk pages: the queue, decisions (one by one or in bulk), the log, stats, authors.

Every page works without JavaScript; static/moderation.js only adds keyboard shortcuts.
"""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from forum.accounts.service import find_user, get_user
from forum.errors import ApiError, Conflict, Invalid
from forum.extensions import db
from forum.headers import never_framed
from forum.models import Role
from forum.pagination import page_args
from forum.security import admin_required, moderator_required
from forum.threads.service import get_comment
from forum.validation import parse_form, parse_query
from forum.views import next_url
from moderation import policy, scoring
from moderation.queue import queries, scopes, service
from moderation.queue.charts import decisions_chart
from moderation.queue.schemas import BulkFields, DecisionFields, LogQuery, QueueQuery, RoleBody, SanctionFields
from moderation.queue.scopes import QueueView
from moderation.readers import service as readers
from moderation.readers.queries import decisions_on
from moderation.readers.schemas import NoteBody
from moderation.vocabulary import ACTION_LABELS, REJECTION_LABELS, DecisionAction, SanctionKind

#: The desk is never framed, not even by the EMBED_ORIGINS that may frame the threads.
bp = never_framed(Blueprint("queue", __name__, url_prefix="/moderation"))


def _queue_url() -> str:
    return next_url(url_for("queue.index"), source="form")


def render_queue(status: int = 200):
    """Render the queue page for the current view and filters."""
    query = parse_query(QueueQuery)
    filters = query.filters()
    page = scopes.queue_page(filters, **query.page())
    # Decided items are done with, and moderators only read the escalated view: no bulk decisions there.
    can_bulk = filters.view == QueueView.PENDING or filters.view == QueueView.REPORTED or (
        filters.view == QueueView.ESCALATED and current_user.is_admin)
    return render_template("moderation/queue.html", page=page, filters=filters, views=list(QueueView),
                           counts=scopes.view_counts(filters), can_bulk=can_bulk,
                           unknown_author=filters.author is not None and find_user(filters.author) is None,
                           reasons=queries.QUEUE_REASONS, decided_actions=queries.FINAL_ACTIONS,
                           reject_reasons=REJECTION_LABELS, action_labels=ACTION_LABELS,
                           queue_reason=queries.queue_reason,
                           default_rejection=service.default_rejection,
                           limits=policy.thresholds(current_app.config, scoring.active_model())), status


@bp.app_template_filter("highlighted")
def highlighted(text: str, highlights) -> Markup:
    """Render plain text escaped, with the classifier's highlighted spans in ``<mark>``, line breaks kept."""
    parts, position = [], 0
    for span in sorted(highlights, key=lambda h: h.start):
        if span.start < position:
            continue
        parts.append(escape(text[position:span.start]))
        parts.append(Markup("<mark>") + escape(text[span.start:span.end]) + Markup("</mark>"))
        position = span.end
    parts.append(escape(text[position:]))
    return Markup("".join(parts)).replace("\n", Markup("<br>"))


@bp.get("")
@login_required  # a signed-out moderator is sent to sign in, then back (each desk page)
@moderator_required
def index():
    """Show the queue page."""
    return render_queue()


@bp.post("/comments/<int:comment_id>/decision")
@moderator_required
def decide(comment_id):
    """Decide one comment from the queue page; a late decision re-renders the page with 409."""
    fields = parse_form(DecisionFields)
    try:
        comment = get_comment(comment_id, current_user)
        logged = service.decide(comment, current_user, **fields.decision())
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_queue(status=409)
    db.session.commit()
    flash(f"{ACTION_LABELS[logged.action]} comment {comment_id}.", "success")
    return redirect(_queue_url())


@bp.post("/bulk")
@moderator_required
def bulk():
    """Decide every selected comment; each stands alone, so one conflict does not undo the others."""
    try:
        fields = parse_form(BulkFields)
    except ApiError as error:
        flash(error.message, "error")
        return redirect(_queue_url())
    decision, ids = fields.decision(), fields.ids
    if not ids:
        flash("Select at least one comment first.", "error")
        return redirect(_queue_url())
    done, refused = [], []
    for comment_id in ids:
        try:
            service.decide(get_comment(comment_id, current_user), current_user, **decision)
        except ApiError as error:
            db.session.rollback()
            refused.append(f"{comment_id}: {error.message}")
        else:
            db.session.commit()
            done.append(comment_id)
    if done:
        label = ACTION_LABELS[DecisionAction(decision["action"])]
        flash(f"{label} {len(done)} comment{'s' if len(done) != 1 else ''}.", "success")
    for message in refused:
        flash(message, "error")
    return redirect(_queue_url())


@bp.get("/log")
@login_required
@moderator_required
def log():
    """Show the moderation log, filtered by moderator, action or comment as the API is."""
    query = parse_query(LogQuery)
    filters = query.filters()
    page = queries.decision_log(**filters, **query.page())
    return render_template("moderation/log.html", page=page, filters=filters, actions=list(DecisionAction),
                           reject_reasons=REJECTION_LABELS)


@bp.get("/stats")
@login_required
@moderator_required
def stats():
    """Show the statistics with the chart of decisions per day."""
    figures = queries.stats()
    return render_template("moderation/stats.html", stats=figures, chart=decisions_chart(figures["decisions_by_day"]))


@bp.get("/users/<username:username>")
@login_required
@moderator_required
def user(username):
    """Show an author's standing, sanctions, notes, decisions and history, with the sanction and role forms."""
    author = get_user(username)
    page = queries.author_history(author, **page_args())
    total, rejected = queries.author_counts({author.id}).get(author.id, (0, 0))
    return render_template("moderation/user.html", author=author, page=page, comment_count=total,
                           rejected_count=rejected, sanctions=queries.sanctions_of(author),
                           roles=[r.value for r in Role], notes=readers.notes_of(author),
                           standing=readers.standing(author), decisions=decisions_on(author))


def _user_action(username, apply, message):
    """Run ``apply(author)``; on bad input show the error on the author's page, changing nothing."""
    author = get_user(username)
    try:
        apply(author)
    except ApiError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message(author), "success")
    return redirect(url_for("queue.user", username=author.username))


def _sanction_days() -> int | None:
    """Read the sanction form's length: a suspension needs its days, a ban has none."""
    fields = parse_form(SanctionFields)
    if fields.kind == SanctionKind.BAN:
        return None
    if fields.days is None:
        raise Invalid(SanctionFields.error_messages["days"], code="invalid_days", payload={"field": "days"})
    return fields.days


@bp.post("/users/<username:username>/sanction")
@moderator_required
def sanction(username):
    """Suspend or ban the author from the form on their page."""
    try:
        days, reason = _sanction_days(), parse_form(SanctionFields).reason
    except ApiError as error:
        flash(error.message, "error")
        return redirect(url_for("queue.user", username=get_user(username).username))
    return _user_action(username, lambda u: service.sanction(u, current_user, days, reason),
                        lambda u: f"{u.username} is {u.status}{'' if days is None else f' for {days} days'}.")


@bp.post("/users/<username:username>/lift")
@moderator_required
def lift(username):
    """Lift the author's sanction from their page."""
    return _user_action(username, lambda u: service.lift(u, current_user),
                        lambda u: f"{u.username} can take part again.")


@bp.post("/users/<username:username>/role")
@admin_required
def role(username):
    """Change the author's role from their page (admins only)."""
    return _user_action(username, lambda u: service.change_role(u, current_user, parse_form(RoleBody).role.value),
                        lambda u: f"{u.username} is now {u.role.value}.")


@bp.post("/users/<username:username>/notes")
@moderator_required
def add_note(username):
    """Write a note on the author from their page."""
    return _user_action(username, lambda u: readers.add_note(u, current_user, parse_form(NoteBody).text),
                        lambda u: f"Your note on {u.username} is saved.")


@bp.post("/users/<username:username>/premoderation")
@moderator_required
def premoderate(username):
    """Put the author on pre-moderation from their page."""
    return _user_action(username, lambda u: readers.premoderate(u, current_user),
                        lambda u: f"Every new comment of {u.username} now waits for a moderator.")


@bp.post("/users/<username:username>/premoderation/release")
@moderator_required
def release(username):
    """Take the author off pre-moderation from their page."""
    return _user_action(username, lambda u: readers.release(u, current_user),
                        lambda u: f"{u.username} is off pre-moderation.")
