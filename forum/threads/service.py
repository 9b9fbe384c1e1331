"""Posting, editing and deleting comments: validate, score, apply the policy, persist, announce."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import screening
from forum.accounts.service import ensure_can_participate
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import Article, Comment, CommentStatus, ModerationMode, User, utcnow
from forum.signals import comment_published
from forum.validation import clean_body


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


def get_comment(comment_id, viewer: User | None) -> Comment:
    """Return the comment if ``viewer`` may see it, else raise 404 (hidden ones are not confirmed)."""
    comment = None
    if isinstance(comment_id, int) and not isinstance(comment_id, bool) and 0 < comment_id < 2**63:
        comment = db.session.scalar(
            select(Comment)
            .options(joinedload(Comment.author), joinedload(Comment.article))
            .where(Comment.id == comment_id)
        )
    if comment is None or not can_see(comment, viewer):
        raise NotFound(f"No comment {comment_id} is visible to you.", code="comment_not_found")
    return comment


def thread_context(article: Article, parent: Comment | None) -> list[str]:
    """Return the bodies of the latest published comments of the article (or of the parent's
    conversation): what the screen compares a new comment with, as many as it asks for."""
    size = screening.context_size()
    if size <= 0:
        return []
    stmt = (
        select(Comment.body)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.id.desc())
        .limit(size)
    )
    if parent is not None:
        stmt = stmt.where(Comment.root_id == (parent.root_id or parent.id))
    return list(db.session.scalars(stmt))


def _apply_moderation(comment: Comment, article: Article, parent: Comment | None) -> None:
    """Screen ``comment`` in its thread and set its status, hold reason and scores from the assessment."""
    assessment = screening.assess(screening.Submission(
        text=comment.body,
        article=article.text,
        parent=parent.body if parent is not None else "",
        context=tuple(thread_context(article, parent)),
        mode=article.moderation_mode,
    ))
    comment.abuse_score = assessment.abuse
    comment.off_topic_score = assessment.off_topic
    comment.model_version = assessment.model_version
    comment.status = assessment.status
    comment.hold_reason = assessment.hold_reason


def _resolve_parent(article: Article, parent_id, author: User) -> Comment | None:
    if parent_id is None:
        return None
    parent = get_comment(parent_id, author)
    if parent.article_id != article.id:
        raise Invalid("You can only reply to a comment on the same article.", code="parent_on_other_article",
                      payload={"field": "parent_id"})
    if parent.status == CommentStatus.DELETED:
        raise Conflict("That comment was deleted; it takes no new replies.", code="parent_deleted")
    return parent


def post_comment(article: Article, author: User, body, *, parent_id=None, submission_key=None) -> Comment:
    """Post a comment or a reply and return it, published, pending or rejected.

    A form submitted twice (the same ``submission_key``) returns the comment it made the first time.
    """
    ensure_can_participate(author)
    if article.moderation_mode == ModerationMode.CLOSED:
        raise Conflict("Comments on this article are closed.", code="article_closed")
    body = clean_body(body)
    if submission_key is not None and (not isinstance(submission_key, str) or len(submission_key) > 64):
        raise Invalid("The form is damaged; reload the page and try again.", code="invalid_submission_key")
    if submission_key:
        earlier = db.session.scalar(
            select(Comment).where(Comment.author_id == author.id, Comment.submission_key == submission_key)
        )
        if earlier is not None:
            return earlier
    parent = _resolve_parent(article, parent_id, author)
    comment = Comment(
        article=article,
        author=author,
        parent=parent,
        root_id=(parent.root_id or parent.id) if parent is not None else None,
        body=body,
        submission_key=submission_key,
        created_at=utcnow(),
    )
    _apply_moderation(comment, article, parent)
    db.session.add(comment)
    db.session.flush()
    if comment.is_published:
        comment_published.send(comment)
    return comment


def is_editable(comment: Comment, now=None) -> bool:
    """Return whether the edit window for ``comment`` is still open."""
    window = timedelta(seconds=current_app.config["COMMENT_EDIT_WINDOW_SECONDS"])
    return (now or utcnow()) <= comment.created_at + window


def _ensure_author(comment: Comment, user: User, action: str) -> None:
    if comment.author_id != user.id:
        raise Forbidden(f"You can only {action} your own comments.", code="not_yours")


def edit_comment(comment: Comment, editor: User, body) -> Comment:
    """Replace the body of the editor's own comment within the window, and score it again."""
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
    comment.body = clean_body(body)
    comment.edited_at = utcnow()
    was_published = comment.is_published
    reported = comment.hold_reason == "reported"
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    _apply_moderation(comment, comment.article, parent)
    if reported and comment.status == CommentStatus.PUBLISHED:
        # Readers' reports still stand until a moderator decides.
        comment.status, comment.hold_reason = CommentStatus.PENDING, "reported"
    db.session.flush()
    if comment.is_published and not was_published:
        comment_published.send(comment)
    return comment


def delete_comment(comment: Comment, user: User) -> None:
    """Delete the user's own comment; its place stays (as a placeholder) while it has replies."""
    _ensure_author(comment, user, "delete")
    if comment.status == CommentStatus.DELETED:
        return
    comment.status = CommentStatus.DELETED
    comment.body = ""
    comment.hold_reason = None
    db.session.flush()
