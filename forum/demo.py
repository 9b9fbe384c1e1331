"""The demo: one news story, a few readers, a moderator, an admin, and a conversation under the story.

The story and the comments are written for this project. Comments go through the same service as
readers' posts, so they are scored and moderated like any other.
"""
import logging

from sqlalchemy import select

from forum.accounts.service import find_user, register_user
from forum.articles.service import upsert_article
from forum.extensions import db
from forum.models import Comment, Role
from forum.schemas import ArticleBody
from forum.threads.service import post_comment
from forum.validation import validate

log = logging.getLogger(__name__)

ACCOUNTS = [
    ("maria", "Maria Lopez", "quay-street-12", Role.READER),
    ("tom", "Tom Becker", "river-deck-38", Role.READER),
    ("aisha", "Aisha Khan", "cycle-lane-31", Role.READER),
    ("mod", "Moderator Sam", "steel-beams-4", Role.MODERATOR),
    ("editor", "Editor Jo", "night-desk-27", Role.ADMIN),
]

STORY = {
    "url": "https://news.example.org/city/2026/11/riverside-bridge-reopens",
    "title": "Riverside bridge reopens after two years of repairs, with a lane for bicycles",
    "body": (
        "The Riverside bridge reopened to traffic on Monday morning after a two-year repair programme "
        "that replaced its deck, strengthened the piers and added a protected lane for bicycles.\n\n"
        "The city council said the work came in 4% over its budget of 38 million, mostly because "
        "corrosion in the steel beams was worse than the first survey had found. Buses on routes 12 "
        "and 31 return to the bridge from next week, cutting about ten minutes from journeys into the "
        "centre.\n\n"
        "Shop owners on Quay Street, who lost passing trade during the closure, welcomed the "
        "reopening but asked the council to review parking on the approach roads."
    ),
}

# (author, body, index of the comment it replies to or None)
CONVERSATION = [
    ("maria", "Finally! The detour through the ring road added twenty minutes to my commute every day.", None),
    ("tom", "Good news, but 4% over budget on a project this size is still more than a million. "
            "I would like to see the council publish the full survey.", None),
    ("aisha", "The survey is on the council's website under the transport committee papers, "
              "if I remember correctly.", 1),
    ("tom", "Thanks, I will have a look tonight.", 2),
    ("aisha", "The protected bicycle lane is the best part. My kids can finally ride to school "
              "on the other side of the river.", None),
    ("maria", "Agreed. Now the question is whether the buses will actually keep to the new timetable.", 4),
]


def seed() -> list[tuple[str, str, str]]:
    """Create the demo once; return (username, password, role) for every demo account."""
    users = {}
    for username, display_name, password, role in ACCOUNTS:
        users[username] = find_user(username) or register_user(
            username, f"{username}@demo.parley.test", password, display_name=display_name, role=role
        )
    article, created = upsert_article("riverside-bridge-reopens", validate(ArticleBody, STORY, "json"))
    already = db.session.scalar(select(Comment.id).where(Comment.article_id == article.id).limit(1))
    if created or already is None:
        posted: list[Comment | None] = []
        for author, body, parent in CONVERSATION:
            replied_to = posted[parent] if parent is not None else None
            if parent is not None and (replied_to is None or not replied_to.is_published):
                # A held comment is its author's and the moderators' only: nobody else can reply to it
                # (as with no model, which holds every comment for review).
                log.warning("Demo: %s's reply is left out, the comment it answers waits for review.", author)
                posted.append(None)
                continue
            parent_id = replied_to.id if replied_to is not None else None
            posted.append(post_comment(article, users[author], body, parent_id=parent_id))
    return [(u, p, r.value) for u, _, p, r in ACCOUNTS]
