"""The queue's order (moderation/queue/ranking.py): expected harm × reach, the model's doubt, reports and
waiting time, with rule-held and unscored comments at the model's point of most doubt."""
from datetime import timedelta

import pytest

from forum.models import utcnow
from tests.moderation_actions import CIVIL, held, premod_article, queue, report, set_comment
from tests.reader_actions import LINKED, premoderation_path

STORY = "council-budget"


@pytest.fixture
def desk(api):
    """A pre-moderated story and a post-moderated one, the readers alice and bob, the moderator mia."""
    premod_article(api)
    api.article(STORY)
    return api.reader("alice"), api.reader("bob"), api.staff("mia")


def scored(app, comment_id, abuse, off_topic=0.0, **values) -> int:
    """Give a queued comment the model's scores, posted just now unless ``values`` say otherwise."""
    set_comment(app, comment_id, **{"abuse_score": abuse, "off_topic_score": off_topic, "created_at": utcnow(),
                                    **values})
    return comment_id


def reported(api, author, reporter, body) -> int:
    """Publish a comment on the post-moderated story and report it once, which queues it."""
    comment = api.comment(author, body, article_id=STORY)
    assert comment["status"] == "published" and report(api, reporter, comment["id"]).status_code == 201
    return comment["id"]


def items(api, moderator) -> dict[int, dict]:
    return {item["comment"]["id"]: item for item in queue(api, moderator, limit=100)["items"]}


def order(api, moderator) -> list[int]:
    return [item["comment"]["id"] for item in queue(api, moderator, limit=100)["items"]]


def test_at_equal_reach_what_the_model_doubts_comes_first_then_what_it_finds_harmful(api, app, desk):
    alice, _, mia = desk
    ids = {abuse: scored(app, held(api, alice, f"A remark on the budget, number {n}.")["id"], abuse)
           for n, abuse in enumerate((0.02, 0.3, 0.5, 0.7, 0.99))}
    assert order(api, mia) == [ids[0.7], ids[0.5], ids[0.99], ids[0.3], ids[0.02]]
    # 100 × harm (reach 1: no replies, likes or published comments on the story) + 60 × 4p(1 − p).
    points = {abuse: items(api, mia)[comment_id]["points"] for abuse, comment_id in ids.items()}
    assert points == pytest.approx({0.02: 6.7, 0.3: 80.4, 0.5: 110.0, 0.7: 120.4, 0.99: 101.4}, abs=0.1)


def test_off_topic_is_half_a_harm_and_its_doubt_counts_when_it_is_the_larger(api, app, desk):
    alice, _, mia = desk
    off_topic = scored(app, held(api, alice)["id"], 0.0, off_topic=1.0)
    doubtful = scored(app, held(api, alice, "Is this about the budget?")["id"], 0.0, off_topic=0.5)
    points = items(api, mia)
    assert points[off_topic]["points"] == pytest.approx(50.0, abs=0.1)
    assert points[doubtful]["points"] == pytest.approx(25.0 + 60.0, abs=0.1)


def test_a_doubtful_comment_with_many_replies_comes_before_a_certain_one_with_none(api, app, desk):
    alice, bob, mia = desk
    discussed = reported(api, alice, bob, "The bus lanes on Main Street are a disgrace.")
    ignored = reported(api, alice, bob, "Nobody rides those buses anyway.")
    for n in range(10):
        api.comment(bob, f"Reply {n}: the lanes are fine by me.", article_id=STORY, parent_id=discussed)
    scored(app, discussed, 0.55)
    scored(app, ignored, 0.98)
    assert order(api, mia)[:2] == [discussed, ignored]
    # Ten replies are an audience of 20 (plus the story's 12 comments of the day / 20): reach about 2.
    points = items(api, mia)
    assert points[discussed]["points"] == pytest.approx(100 * 0.55 * 2.015 + 60 * 0.99 + 20, abs=0.2)


def test_replies_likes_and_the_story_s_comments_of_the_day_widen_the_reach(api, app, desk):
    alice, bob, mia = desk
    carol = api.reader("carol")
    quiet = reported(api, alice, bob, "A remark nobody answered or liked.")
    liked = reported(api, alice, bob, "A remark many readers liked.")
    replied = reported(api, alice, bob, "A remark readers answered.")
    api.comment(carol, "An answer.", article_id=STORY, parent_id=replied)
    rejected = api.comment(carol, "You stupid idiot.", article_id=STORY, parent_id=liked)
    assert rejected["status"] == "rejected"  # reaches nobody: no audience
    for comment_id in (quiet, liked, replied):
        scored(app, comment_id, 0.4)
    set_comment(app, liked, reaction_count=2)  # two likes reach as far as one reply
    by_id = items(api, mia)
    assert by_id[liked]["points"] == pytest.approx(by_id[replied]["points"], abs=0.01)
    assert by_id[liked]["points"] > by_id[quiet]["points"]
    assert order(api, mia).index(quiet) == 2


def test_the_busier_story_s_comment_comes_first_and_only_the_last_day_counts(api, app, desk):
    alice, bob, mia = desk
    api.article("busy-story", title="A busy story")
    api.article("old-story", title="A story busy last week")
    busy = api.comment(alice, "A remark on the busy story.", article_id="busy-story")["id"]
    old = api.comment(alice, "A remark on last week's story.", article_id="old-story")["id"]
    for n in range(20):
        api.comment(bob, f"Busy remark {n}.", article_id="busy-story")
        talk = api.comment(bob, f"Old remark {n}.", article_id="old-story")["id"]
        set_comment(app, talk, created_at=utcnow() - timedelta(days=2))
    for comment_id in (busy, old):
        assert report(api, bob, comment_id).status_code == 201
        scored(app, comment_id, 0.4)
    by_id = items(api, mia)
    # 21 published comments today (the busy one too) are an audience of 1.05: reach 1.1.
    assert by_id[busy]["points"] == pytest.approx(100 * 0.4 * (1 + 2 * 1.05 / 21.05) + 60 * 0.96 + 20, abs=0.1)
    assert by_id[old]["points"] == pytest.approx(100 * 0.4 * (1 + 2 * 0.05 / 20.05) + 60 * 0.96 + 20, abs=0.1)
    assert order(api, mia) == [busy, old]


def test_reported_and_old_comments_rise_whatever_the_model_says(api, app, desk):
    alice, _, mia = desk
    fresh, five, ten, old, likely = (held(api, alice, f"Budget remark {n}.")["id"] for n in range(5))
    now = utcnow()
    for comment_id in (fresh, five, ten, old):
        scored(app, comment_id, 0.02, created_at=now)
    scored(app, likely, 0.7, created_at=now)
    set_comment(app, five, report_count=5)
    set_comment(app, ten, report_count=10)  # reports count up to five
    set_comment(app, old, created_at=utcnow() - timedelta(days=3))
    points = {comment_id: item["points"] for comment_id, item in items(api, mia).items()}
    assert points[five] == pytest.approx(points[ten]) == pytest.approx(6.7 + 100, abs=0.1)
    assert points[old] == pytest.approx(6.7 + 2 * 72, abs=0.1)
    assert order(api, mia) == [old, likely, ten, five, fresh]  # ten and five tie: the newer id first


def test_rule_held_and_unscored_comments_rank_as_the_model_s_point_of_most_doubt(api, app, desk):
    alice, bob, mia = desk
    carol = api.reader("carol")
    by_link = api.comment(carol, LINKED, article_id=STORY)  # a new reader's link
    assert by_link["hold_reason"] == "link"
    assert api.client.put(premoderation_path("bob"), headers=mia).status_code == 204
    by_reader = api.comment(bob, CIVIL, article_id=STORY)
    assert by_reader["hold_reason"] == "premoderation"
    by_story = held(api, alice)  # the story's pre-moderation keeps the model's score
    unscored = held(api, alice, "A remark the model never saw.")
    for comment in (by_link, by_reader, by_story):
        scored(app, comment["id"], 0.02)
    scored(app, unscored["id"], None, off_topic=None, hold_reason="model_unavailable")
    points = {comment_id: item["points"] for comment_id, item in items(api, mia).items()}
    assert points[by_link["id"]] == pytest.approx(110.0, abs=0.1)
    assert points[by_reader["id"]] == pytest.approx(110.0, abs=0.1)
    assert points[unscored["id"]] == pytest.approx(110.0, abs=0.1)
    assert points[by_story["id"]] == pytest.approx(6.7, abs=0.1)


ABUSE = (0.1, 0.6, 0.93, 0.45, 0.02, 0.8, 0.5)
OFF_TOPIC = (0.3, 0.0, 0.1, 0.9, 0.0, 0.2, 0.0)


def test_the_sql_order_and_the_points_agree_on_every_item_and_every_page(api, app, desk):
    alice, bob, mia = desk
    ids = [reported(api, alice, bob, f"Published remark {n} on the budget.") for n in range(3)]
    ids += [held(api, alice, f"Held remark {n} on the budget.")["id"] for n in range(4)]
    api.comment(bob, "An answer.", article_id=STORY, parent_id=ids[0])
    for n, comment_id in enumerate(ids):
        scored(app, comment_id, ABUSE[n], off_topic=OFF_TOPIC[n], created_at=utcnow() - timedelta(hours=n * 5),
               reaction_count=n % 3, report_count=1 + n % 4)
    set_comment(app, ids[6], abuse_score=None, off_topic_score=None, hold_reason="model_unavailable")
    everything = queue(api, mia, limit=100)["items"]
    assert [i["points"] for i in everything] == sorted((i["points"] for i in everything), reverse=True)
    offsets = [i["points"] - i["priority"] for i in everything]
    assert max(offsets) - min(offsets) < 0.01
    seen, cursor = [], None
    while True:
        page = queue(api, mia, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [i["comment"]["id"] for i in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [i["comment"]["id"] for i in everything] and sorted(seen) == sorted(ids)
