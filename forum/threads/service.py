"""Posting, editing and deleting comments: validate, score, apply the policy, persist, announce."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import exc, select, update
from sqlalchemy.orm import joinedload

from forum import screening
from forum.accounts.service import ensure_can_participate
from forum.accounts.verification import ensure_email_confirmed
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import Article, Comment, CommentStatus, HoldReason, ModerationMode, User, utcnow
from forum.signals import comment_deleted, comment_published, comment_screened
from forum.threads import queries
from forum.validation import ID_MAX, clean_body
from forum.webhooks import events

#: What scoring an edit decides: written with the new body, or not at all.
#: ``post_comment``'s ``nudge``: ask first, or post after the warning.
NUDGE_CHECK, NUDGE_POST_ANYWAY = "check", "post_anyway"


class MayBreakGuidelines(Conflict):
    """The comment was not posted: the screen finds it likely abusive; edit it or post it anyway."""

    def __init__(self):
        super().__init__("Your comment may break our community guidelines: edit it, or post it anyway "
                         "(a moderator will review it).", code="may_break_guidelines")


SCREENED = ("status", "hold_reason", "hold_rule", "abuse_score", "off_topic_score", "model_version")


def get_article(external_id: str) -> Article:
    """Return the article with the publisher's id ``external_id`` or raise 404."""
    article = db.session.scalar(select(Article).where(Article.external_id == external_id))
    if article is None:
        raise NotFound(f"No article has the id '{external_id}'.", code="article_not_found")
    return article


def can_see(comment: Comment, viewer: User | None) -> bool:
    """Everyone sees published comments; authors see their own; moderators see all."""
    if comment.status == CommentStatus.PUBLISHED:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.is_moderator or (comment.author_id == viewer.id and comment.status != CommentStatus.DELETED)


def _load_comment(comment_id) -> Comment | None:
    """Return the comment ``comment_id`` with its author and article, or None (also for ids no row can have)."""
    if isinstance(comment_id, bool) or not isinstance(comment_id, int) or not 0 < comment_id <= ID_MAX:
        return None
    return db.session.scalar(
        select(Comment).options(joinedload(Comment.author), joinedload(Comment.article)).where(Comment.id == comment_id)
    )


def get_comment(comment_id, viewer: User | None) -> Comment:
    """Return the comment if ``viewer`` may see it, else raise 404 (hidden ones are not confirmed)."""
    comment = _load_comment(comment_id)
    if comment is None or not can_see(comment, viewer):
        raise NotFound(f"No comment {comment_id} is visible to you.", code="comment_not_found")
    return comment


def get_thread_comment(comment_id, viewer: User | None) -> tuple[Comment, bool]:
    """Return the comment a page is about and whether the viewer sees it only as a placeholder.

    A comment the viewer may not see still has a page while it holds up replies they can see.

    :raise NotFound: nothing of the comment is visible to ``viewer``.
    """
    comment = _load_comment(comment_id)
    if comment is not None and can_see(comment, viewer):
        return comment, False
    if comment is not None and queries.holds_up_replies(comment, viewer):
        return comment, True
    raise NotFound(f"No comment {comment_id} is visible to you.", code="comment_not_found")


def thread_context(article: Article, parent: Comment | None,
                   before: int | None = None) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Return the ids and the bodies of the latest published comments of the article (or of the
    parent's conversation): what the screen compares a new comment with, as many as it asks for;
    with ``before``, only those older than that comment (the thread as it was when it came)."""
    size = screening.context_size()
    if size <= 0:
        return (), ()
    # Latest by (created_at, id), the order of the index on (article_id or root_id, status,
    # created_at, id), which no other index gives. By id alone, PostgreSQL may walk the primary key
    # back through every newer comment of other stories, which it expects to be the thread's.
    latest = (
        select(Comment.id)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(size)
    )
    if parent is not None:
        latest = latest.where(Comment.root_id == (parent.root_id or parent.id))
    if before is not None:
        latest = latest.where(Comment.id < before)
    # The bodies of those ids apart, in no order, so that this walk too needs no sort of the thread.
    rows = sorted(db.session.execute(select(Comment.id, Comment.body, Comment.created_at)
                                     .where(Comment.id.in_(latest))),
                  key=lambda row: (row.created_at, row.id), reverse=True)
    return tuple(row.id for row in rows), tuple(row.body for row in rows)


def submission(text: str, article: Article | None, parent: Comment | None, before: int | None = None,
               **who) -> screening.Submission:
    """Return ``text`` as the screen sees it under ``article`` (and ``parent``): their texts and ids
    and the thread's latest comments (older than comment ``before``, to replay a comment as it
    came); ``who`` adds the mode and the author's and comment's ids."""
    context_ids, context = thread_context(article, parent, before) if article is not None else ((), ())
    return screening.Submission(
        text=text,
        article=article.text if article is not None else "",
        parent=parent.body if parent is not None else "",
        context=context,
        article_id=article.id if article is not None else None,
        parent_id=parent.id if parent is not None else None,
        context_ids=context_ids,
        **who,
    )


def _apply_moderation(comment: Comment, article: Article, parent: Comment | None) -> None:
    """Screen ``comment`` in its thread and set its status, hold reason and scores from the assessment."""
    assessment = screening.assess(submission(comment.body, article, parent, mode=article.moderation_mode,
                                             author_id=comment.author.id, comment_id=comment.id))
    comment.abuse_score = assessment.abuse
    comment.off_topic_score = assessment.off_topic
    comment.model_version = assessment.model_version
    comment.status = assessment.status
    comment.hold_reason = assessment.hold_reason
    comment.hold_rule = assessment.rule


def _ensure_open_for_replies(parent: Comment) -> None:
    if parent.status == CommentStatus.DELETED:
        raise Conflict("That comment was deleted; it takes no new replies.", code="parent_deleted")
    if parent.status != CommentStatus.PUBLISHED:
        # Replying would show the held comment's thread to readers (and notify followers).
        raise Conflict("That comment is not published; it takes no replies until a moderator approves it.",
                       code="parent_not_published")


def _resolve_parent(article: Article, parent_id, author: User) -> Comment | None:
    """Return the comment a new reply attaches to: the one asked for, or, beyond the depth cap,
    its ancestor at the deepest allowed level."""
    if parent_id is None:
        return None
    parent = get_comment(parent_id, author)
    if parent.article_id != article.id:
        raise Invalid("You can only reply to a comment on the same article.", code="parent_on_other_article",
                      payload={"field": "parent_id"})
    _ensure_open_for_replies(parent)
    deepest = current_app.config["THREAD_MAX_DEPTH"] - 1
    if parent.depth > deepest:
        parent = queries.ancestors(parent, parent.depth - deepest)[-1]
        _ensure_open_for_replies(parent)
    return parent


def _earlier_submission(author: User, submission_key: str | None) -> Comment | None:
    if not submission_key:
        return None
    return db.session.scalar(
        select(Comment).where(Comment.author_id == author.id, Comment.submission_key == submission_key)
    )


def post_comment(article: Article, author: User, body, *, parent_id=None, submission_key=None,
                 nudge: str | None = None) -> Comment:
    """Post a comment or a reply and return it, published, pending or rejected.

    A form submitted twice (the same ``submission_key``) returns the comment it made the first time.
    ``nudge``: ``check`` asks first whether the screen finds it likely abusive (then nothing is
    posted: ``MayBreakGuidelines``), ``post_anyway`` posts it after that warning and records so.

    :raise MayBreakGuidelines: with ``nudge="check"``, the screen would hold or reject it for abuse.
    """
    ensure_can_participate(author)
    ensure_email_confirmed(author)
    if article.moderation_mode == ModerationMode.CLOSED:
        raise Conflict("Comments on this article are closed.", code="article_closed")
    body = clean_body(body)
    if submission_key is not None and (not isinstance(submission_key, str) or len(submission_key) > 64):
        raise Invalid("The form is damaged; reload the page and try again.", code="invalid_submission_key")
    earlier = _earlier_submission(author, submission_key)
    if earlier is not None:
        return earlier
    parent = _resolve_parent(article, parent_id, author)
    comment = Comment(
        article=article,
        author=author,
        parent=parent,
        root_id=(parent.root_id or parent.id) if parent is not None else None,
        depth=parent.depth + 1 if parent is not None else 0,
        body=body,
        submission_key=submission_key,
        created_at=utcnow(),
    )
    _apply_moderation(comment, article, parent)
    if nudge == NUDGE_CHECK and comment.hold_reason == HoldReason.ABUSE:
        raise MayBreakGuidelines()
    comment.posted_after_nudge = nudge == NUDGE_POST_ANYWAY
    db.session.add(comment)
    try:
        db.session.flush()
    except exc.IntegrityError:
        # The same form sent twice at once: the other request made the comment first.
        db.session.rollback()
        earlier = _earlier_submission(author, submission_key)
        if earlier is None:
            raise
        return earlier
    events.record_comment(events.COMMENT_CREATED, comment)
    comment_screened.send(comment)
    if comment.is_published:
        comment_published.send(comment, is_new=True)
    return comment


def is_editable(comment: Comment, now=None) -> bool:
    """Return whether the edit window for ``comment`` is still open."""
    window = timedelta(seconds=current_app.config["COMMENT_EDIT_WINDOW_SECONDS"])
    return (now or utcnow()) <= comment.created_at + window


def _ensure_author(comment: Comment, user: User, action: str) -> None:
    if comment.author_id != user.id:
        raise Forbidden(f"You can only {action} your own comments.", code="not_yours")


def _ensure_editable(comment: Comment, editor: User) -> None:
    _ensure_author(comment, editor, "edit")
    ensure_can_participate(editor)
    if comment.status in (CommentStatus.DELETED, CommentStatus.REJECTED):
        raise Conflict(f"A {comment.status.value} comment cannot be edited.", code="not_editable")
    if not is_editable(comment):
        minutes = current_app.config["COMMENT_EDIT_WINDOW_SECONDS"] // 60
        raise Conflict(f"Comments can be edited for {minutes} minutes after posting; that time is over.",
                       code="edit_window_over")
    if comment.article.moderation_mode == ModerationMode.CLOSED:
        raise Conflict("Comments on this article are closed.", code="article_closed")


def _screen_edit(comment: Comment, body: str) -> dict:
    """Return the columns the policy gives ``body`` as the comment's text, changing nothing."""
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    with db.session.no_autoflush:
        comment.body = body
        _apply_moderation(comment, comment.article, parent)
        verdict = {name: getattr(comment, name) for name in SCREENED}
    # Drop the changes from the object: only the conditional UPDATE below may write them.
    db.session.expire(comment, ["body", *SCREENED])
    return verdict


def _write_if_unchanged(comment: Comment, seen: dict, values: dict) -> None:
    """Write ``values`` only if the comment is still as ``seen``; else a moderator or another edit won.

    :raise Conflict: the comment changed since it was read.
    """
    stmt = (update(Comment)
            .where(Comment.id == comment.id, *(getattr(Comment, k).is_not_distinct_from(v) for k, v in seen.items()))
            .values(**values).execution_options(synchronize_session=False))
    try:
        written = db.session.execute(stmt).rowcount == 1
    except exc.OperationalError:
        # SQLite answers "database is locked" to the second of two simultaneous writers.
        db.session.rollback()
        written = False
    if not written:
        raise Conflict("Your comment changed while you were editing it (a moderator decided on it, or another "
                       "edit came first). Reload it and try again.", code="edit_conflict")
    db.session.expire(comment, list(values))


def edit_comment(comment: Comment, editor: User, body) -> Comment:
    """Replace the body of the editor's own comment within the window, and score it again.

    An edit may hold a published comment, never release a held one: a pending comment stays
    pending with its reason (escalated, reported, premoderation...) and the rule that held it
    until a moderator decides, and a published one escalated to the admins stays escalated.
    """
    _ensure_editable(comment, editor)
    body = clean_body(body)
    seen = {name: getattr(comment, name) for name in ("status", "hold_reason", "edited_at", "decided_at")}
    held_by = comment.hold_rule
    verdict = _screen_edit(comment, body)
    if seen["status"] == CommentStatus.PENDING:
        verdict.update(status=CommentStatus.PENDING, hold_reason=seen["hold_reason"], hold_rule=held_by)
    elif seen["hold_reason"] == HoldReason.ESCALATED:
        verdict.update(hold_reason=HoldReason.ESCALATED, hold_rule=held_by)
    _write_if_unchanged(comment, seen, {**verdict, "body": body, "edited_at": utcnow()})
    events.record_comment(events.COMMENT_EDITED, comment)
    comment_screened.send(comment)
    return comment


def delete_comment(comment: Comment, user: User) -> None:
    """Delete the user's own comment; its place stays (as a placeholder) while it has replies."""
    _ensure_author(comment, user, "delete")
    erase_comments([comment])


def erase_comments(comments: list[Comment]) -> None:
    """Delete ``comments`` (an author's own deletion, or their account's): their words go, their
    places stay while replies hang from them, and each one is announced (``comment_deleted``)."""
    erased = [comment for comment in comments if comment.status != CommentStatus.DELETED]
    for comment in erased:
        comment.status = CommentStatus.DELETED
        comment.body = ""
        comment.hold_reason = None
    db.session.flush()
    for comment in erased:
        comment_deleted.send(comment)
