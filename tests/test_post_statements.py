"""The SQL statements a POST of a comment sends, counted at the cursor on each backend.

A POST is the hot path of a busy story: every statement is a round trip and SQLAlchemy's work
around it. The lists below are what the work needs, statement by statement (its verb and first
table); a change that adds one fails here, and must say in this file why the work now needs it.
"""
import re

import pytest

from forum.config import Config
from tests.factories import ANSWER, OPENING, ApiActions, sql_sent

pytestmark = pytest.mark.real_model

#: A civil, on-topic comment the trained model publishes.
CLOSING = "The parking fees could pay for the extra buses if the council kept them for transport."

#: A published top-level comment by a reader whom two readers follow.
COMMENT = (
    "SELECT api_tokens",  # the bearer token, with its reader joined
    "SELECT articles",  # the article, by the publisher's id in the URL
    # the desk's settings, read once: whether commenting needs a confirmed address, the policy, the rules
    "SELECT moderation_settings",
    "SELECT comments",  # the thread's latest published comments: the off-topic model's context
    "SELECT moderation_comment_vectors",  # the stored sentence vectors of the context and of the article
    "SELECT moderation_wordlists",  # the versions of the banned and suspect word lists
    "SELECT moderation_reader_flags",  # whether the author is on pre-moderation
    "SELECT moderation_text_signatures",  # the last day's texts sharing most bands with this one
    "SELECT comments",  # the author's comments of the last minute (the burst rule)
    # a few signatures older than a day (their bands go after, if any), before the comment: from its
    # INSERT to the commit, its article's row is locked on PostgreSQL
    "DELETE moderation_text_signatures",
    "INSERT comments",  # the comment
    "INSERT moderation_text_signatures",  # its text's signature ...
    "INSERT moderation_text_bands",  # ... and its bands (one executemany), for the repeat rule of later comments
    "SELECT webhooks",  # the webhooks that want comment.created
    "INSERT moderation_comment_vectors",  # the comment's sentence vector
    "INSERT notifications",  # one notification per follower, in one INSERT ... SELECT
)

#: The same as a published reply to another reader's comment: the parent, its thread, and its
#: author told and mailed.
REPLY = (
    *COMMENT[:3],
    "SELECT comments",  # the parent, with its author and article
    *COMMENT[3:-1],
    "INSERT notifications",  # the parent's author's notification, unless they mute the replier
    "INSERT outbox",  # the mail to the parent's author
    COMMENT[-1],
)


@pytest.fixture
def app(make_app):
    """The app with the shipped settings of the rules that query: repeats and bursts (rate limits on)."""
    return make_app(MODERATION_REPEAT_POST_HOLD=Config.MODERATION_REPEAT_POST_HOLD,
                    MODERATION_BURST_LIMIT=Config.MODERATION_BURST_LIMIT, RATELIMIT_ENABLED=Config.RATELIMIT_ENABLED)


@pytest.fixture
def story(app):
    """Alice, whom Bob and Carol follow, and Bob's opening comment on the article (the first
    comment screened also loads the model and compiles the word lists)."""
    api = ApiActions(app)
    api.article()
    alice, bob, carol = api.reader("alice"), api.reader("bob"), api.reader("carol")
    for follower in (bob, carol):
        assert api.client.put("/api/v1/users/alice/follow", headers=follower).status_code in (200, 201, 204)
    opening = api.comment(bob, OPENING)
    assert opening["status"] == "published"
    return {"api": api, "alice": alice, "opening": opening}


def kind(statement: str) -> str:
    """Return a statement's verb and first table (or function): ``INSERT notifications``."""
    verb, rest = statement.split(None, 1)
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement) or re.match(r"(\w+)", rest)
    return f"{verb} {table.group(1)}"


def statements_of(app, send) -> tuple:
    """Return ``send()``'s response and the kinds of the SQL statements it sent, in order."""
    with sql_sent(app) as sent:
        response = send()
    return response, [kind(statement) for statement, _ in sent]


def test_a_published_comment_sends_the_statements_its_work_needs(app, story):
    response, sent = statements_of(app, lambda: story["api"].post(story["alice"], CLOSING))
    assert response.status_code == 201 and response.get_json()["comment"]["status"] == "published"
    assert sent == list(COMMENT)


def test_a_published_reply_adds_the_statements_that_notify_and_mail_its_parents_author(app, backend, story):
    response, sent = statements_of(app, lambda: story["api"].post(story["alice"], ANSWER,
                                                                 parent_id=story["opening"]["id"]))
    assert response.status_code == 201 and response.get_json()["comment"]["status"] == "published"
    # On PostgreSQL the outbox wakes its listening workers (NOTIFY, delivered at the commit).
    wakes_workers = ["SELECT pg_notify"] if backend == "postgresql" else []
    mail = REPLY.index("INSERT outbox")
    assert sent == [*REPLY[:mail], *wakes_workers, *REPLY[mail:]]
