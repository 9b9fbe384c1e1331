"""The daily digest of followed readers: chosen, mailed through the outbox to a real SMTP server,
at most once a digest day, by the CLI (``mail digest``) and by the worker. Time is moved through
the data: when a comment was published (its followed_comment notification) and where a reader's
last digest ended."""
import threading
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Notification, User, utcnow
from forum.notifications.digest import digest_day_start, send_digests
from forum.outbox.models import OutboxItem
from tests.factories import ANSWER, ARTICLE, OPENING
from tests.mail_server import body
from tests.moderation_actions import PREMOD, decide, held, premod_article, report
from tests.test_webhooks import drain

SUBJECT = "by readers you follow"
LONG = ("The plan moves the bus depot to the ring road, which frees the old yard for "
        "housing, but nobody has said how the night buses will reach the centre once it closes. ") * 4


PUBLIC_URL = "https://comments.example.org"


@pytest.fixture
def app(make_app, mail_server):
    """Every app of this module mails the test's SMTP server; the digest, queued outside any
    request, links to PUBLIC_URL; and covers what was published up to the moment it runs (except
    in the test of its settling time)."""
    return make_app(MAIL_URL=mail_server.url, PUBLIC_URL=PUBLIC_URL, MAIL_DIGEST_SETTLE_SECONDS=0)


@pytest.fixture
def readers(readers, api, app, mail_server):
    """Alice, who follows Bob and Carol and wants the digest; Bob; Carol. Registration mail is gone."""
    alice, bob = readers
    carol = api.reader("carol")
    want_digest(api, alice)
    for username in ("bob", "carol"):
        assert api.client.put(f"/api/v1/users/{username}/follow", headers=alice).status_code == 204
    drain(app)
    mail_server.clear()
    # The drain's own digest check found nothing new and used up her day: she never had one.
    set_user(app, "alice", digest_through=None)
    return alice, bob, carol


def want_digest(api, headers, on=True) -> None:
    response = api.client.patch("/api/v1/me", json={"email_notifications": {"followed": on}}, headers=headers)
    assert response.status_code == 200, response.get_json()


def run_digest(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "digest", *args])
    assert result.exit_code == 0, result.output
    return result.output


def digests(app, server) -> list:
    """Let the worker send what is queued (and run its own digest check); return the digests received."""
    drain(app)
    return [m for m in list(server.messages) if SUBJECT in m["Subject"]]


def set_user(app, username, **values) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.username == username).values(**values))
        db.session.commit()


def digest_through(app, username) -> datetime | None:
    with app.app_context():
        return db.session.scalar(select(User.digest_through).where(User.username == username))


def published_ago(app, comment, hours) -> None:
    """Move the moment ``comment`` became visible to its followers ``hours`` back."""
    with app.app_context():
        db.session.execute(update(Notification).where(Notification.comment_id == comment["id"])
                           .values(created_at=utcnow() - timedelta(hours=hours)))
        db.session.commit()


def mail_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxItem))


def listed_ids(mail) -> set[int]:
    """Return the ids of the comments a digest links to (``/comments/<id>#comment-<id>``)."""
    text = body(mail)
    return {int(line.rsplit("/comments/", 1)[1].split("#")[0]) for line in text.split() if "/comments/" in line}


def test_the_digest_lists_followed_readers_comments_with_both_parts_and_one_click_headers(
        app, api, readers, mail_server):
    alice, bob, carol = readers
    from_bob, from_carol = api.comment(bob, LONG), api.comment(carol, ANSWER)
    output = run_digest(app)
    assert "Mailed alice: 2 comments" in output and "1 reader due a digest, 1 with something new" in output
    [mail] = digests(app, mail_server)
    assert mail["To"] == "alice@example.org" and mail["Subject"] == "2 new comments by readers you follow"
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{PUBLIC_URL}/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = body(mail), body(mail, "html")
    assert link in text and f'href="{link}"' in html and "the digest of readers you follow" in text
    for part in (text, html):
        assert ARTICLE["title"] in part
        assert ANSWER in part and LONG[:200] in part and LONG not in part and "…" in part
        assert f"/comments/{from_bob['id']}#comment-{from_bob['id']}" in part
        assert f"{PUBLIC_URL}/users/bob" in part and f"{PUBLIC_URL}/users/carol" in part
        assert " UTC" in part
    # Grouped by author, whoever published last first.
    assert text.index("carol") < text.index("bob") and listed_ids(mail) == {from_bob["id"], from_carol["id"]}


def test_only_published_comments_by_followed_unmuted_readers_in_the_window(app, api, readers, mail_server):
    alice, bob, carol = readers
    moderator = api.staff("mia")
    dave = api.reader("dave")
    premod_article(api)
    listed = [api.comment(bob, OPENING)]
    # Followed when he posted, no longer.
    assert api.client.put("/api/v1/users/dave/follow", headers=alice).status_code == 204
    api.comment(dave, "Dave thinks the bus lanes on the bridge should open before the winter.")
    assert api.client.delete("/api/v1/users/dave/follow", headers=alice).status_code == 204
    api.comment(alice, "My own view: the parking fees should fund the night buses.")
    # A followed reader's reply to Alice is mailed as a reply, not repeated in the digest.
    mine = api.comment(alice, "Alice asks whether the new routes will reach the hospital.")
    api.comment(bob, ANSWER, parent_id=mine["id"])
    waiting = held(api, bob, "Bob's comment that waits for a moderator on the premoderated story.")
    rejected = held(api, bob, "Bob's comment that a moderator rejects on the premoderated story.")
    approved = held(api, bob, "Bob's comment that a moderator approves later on the premoderated story.")
    assert decide(api, moderator, rejected["id"], "reject", "off_topic").status_code == 200
    assert decide(api, moderator, approved["id"], "approve").status_code == 200
    listed.append(approved)  # published when approved, which is in the window
    # Published, then gone: deleted by its author, or taken down by a moderator.
    deleted = api.comment(bob, "Bob's comment that he deletes again before the digest goes out.")
    assert api.client.delete(f"/api/v1/comments/{deleted['id']}", headers=bob).status_code == 204
    taken_down = api.comment(bob, "Bob's published comment that a moderator rejects after all.")
    assert report(api, dave, taken_down["id"]).status_code == 201
    assert decide(api, moderator, taken_down["id"], "reject", "off_topic").status_code == 200
    stale = api.comment(bob, "Bob wrote this the day before yesterday about the bus money.")
    published_ago(app, stale, 30)
    muted = api.comment(carol, "Carol's comment, posted before Alice muted her, on the parking fees.")
    assert api.client.put("/api/v1/users/carol/mute", headers=alice).status_code == 204
    assert waiting["status"] == "pending"
    [mail] = digests(app, mail_server)
    assert mail["To"] == "alice@example.org" and listed_ids(mail) == {c["id"] for c in listed}
    assert muted["body"] not in body(mail) and PREMOD not in body(mail)


def test_a_longer_reach_takes_older_comments_but_never_before_the_last_digest(app, api, readers, mail_server):
    alice, bob, _ = readers
    before_last, after_last, recent = (api.comment(bob, f"Bob's comment number {n} on the council budget.")
                                       for n in range(3))
    published_ago(app, before_last, 40)
    published_ago(app, after_last, 30)
    set_user(app, "alice", digest_through=utcnow() - timedelta(hours=36))
    assert "Mailed alice: 2 comments" in run_digest(app, "--since-hours", "48")
    [mail] = digests(app, mail_server)
    assert listed_ids(mail) == {after_last["id"], recent["id"]}


def test_the_worker_sends_the_digest_by_itself_once(app, api, readers, mail_server):
    alice, bob, _ = readers
    comment = api.comment(bob, OPENING)
    [mail] = digests(app, mail_server)
    assert listed_ids(mail) == {comment["id"]}
    assert digest_through(app, "alice") is not None
    api.comment(bob, ANSWER)
    assert digests(app, mail_server) == [mail]  # the same digest day: the new comment waits for tomorrow's


def test_running_twice_sends_once_and_the_next_day_lists_only_what_is_new(app, api, readers, mail_server):
    alice, bob, _ = readers
    first = api.comment(bob, OPENING)
    assert "Mailed alice" in run_digest(app)
    assert "0 readers due a digest" in run_digest(app)
    [mail] = digests(app, mail_server)
    assert listed_ids(mail) == {first["id"]}
    second = api.comment(bob, ANSWER)
    # Yesterday's digest: move its end back a day, as tomorrow's run would find it.
    set_user(app, "alice", digest_through=digest_through(app, "alice") - timedelta(days=1))
    published_ago(app, first, 24)
    assert "Mailed alice: 1 comment\n" in run_digest(app)
    assert [listed_ids(m) for m in digests(app, mail_server)] == [{first["id"]}, {second["id"]}]


def test_digests_at_once_in_several_processes_send_one(make_app, app, api, readers, mail_server):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrent writers are PostgreSQL's case; SQLite runs one writer at a time")
    _, bob, _ = readers
    workers = [make_app(MAIL_URL=mail_server.url, MAIL_DIGEST_SETTLE_SECONDS=0) for _ in range(4)]
    for number in range(3):  # more readers due, so that the runs overlap on several
        headers = api.reader(f"reader{number}")
        want_digest(api, headers)
        assert api.client.put("/api/v1/users/bob/follow", headers=headers).status_code == 204
    api.comment(bob, OPENING)
    start = threading.Barrier(len(workers))
    mailed = []

    def run(worker):
        with worker.app_context():
            start.wait()
            mailed.extend(username for username, _ in send_digests().mailed)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(mailed) == ["alice", "reader0", "reader1", "reader2"]
    assert sorted(m["To"] for m in digests(app, mail_server)) == [
        "alice@example.org", "reader0@example.org", "reader1@example.org", "reader2@example.org"]


def test_nothing_new_mails_nothing_and_uses_up_the_day(app, api, readers, mail_server):
    _, bob, _ = readers
    assert "1 reader due a digest, 0 with something new" in run_digest(app)
    assert digests(app, mail_server) == []
    api.comment(bob, OPENING)
    assert "0 readers due a digest" in run_digest(app)
    assert digests(app, mail_server) == []


def test_the_digest_is_capped_with_a_link_to_the_feed(app, api, readers, mail_server):
    _, bob, _ = readers
    comments = [api.comment(bob, f"Bob's comment number {n} about the council budget and the buses.")
                for n in range(22)]
    [mail] = digests(app, mail_server)
    assert mail["Subject"] == "22 new comments by readers you follow"
    assert listed_ids(mail) == {c["id"] for c in comments[2:]}  # the newest 20
    assert f"And 2 more in your feed: {PUBLIC_URL}/feed" in body(mail)
    assert f'href="{PUBLIC_URL}/feed">And 2 more in your feed' in body(mail, "html")


@pytest.mark.parametrize("change", [{"mail_followed": False}, {"email": None}, {"deleted_at": utcnow()},
                                    {"banned_at": utcnow()}])
def test_no_digest_without_preference_address_or_account(app, api, readers, mail_server, change):
    _, bob, _ = readers
    api.comment(bob, OPENING)
    assert "Would mail alice: 1 comment" in run_digest(app, "--dry-run")  # the baseline: she is due
    set_user(app, "alice", **change)
    assert "0 readers due a digest" in run_digest(app)
    assert digests(app, mail_server) == []


def test_the_preference_is_off_by_default(app, api, readers, mail_server):
    alice, bob, _ = readers
    want_digest(api, alice, on=False)
    assert api.client.put("/api/v1/users/alice/follow", headers=bob).status_code == 204
    api.comment(alice, OPENING)
    api.comment(bob, ANSWER)
    assert digests(app, mail_server) == []


def test_a_dry_run_queues_and_records_nothing(app, api, readers, mail_server):
    _, bob, _ = readers
    api.comment(bob, OPENING)
    before = mail_count(app)
    output = run_digest(app, "--dry-run")
    assert "Would mail alice: 1 comment" in output and "dry run: nothing queued" in output
    assert mail_count(app) == before and digest_through(app, "alice") is None
    assert "Mailed alice: 1 comment" in run_digest(app)


def test_one_click_unsubscribe_turns_the_digest_off(app, api, readers, mail_server):
    _, bob, _ = readers
    api.comment(bob, OPENING)
    [mail] = digests(app, mail_server)
    path = urlsplit(mail["List-Unsubscribe"].strip("<>")).path
    answer = app.test_client().post(path, data="List-Unsubscribe=One-Click",
                                    content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and "the digest of readers you follow" in answer.get_data(as_text=True)
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        assert alice.mail_preferences == {"reply": True, "decision": True, "followed": False}
    set_user(app, "alice", digest_through=utcnow() - timedelta(days=1))
    api.comment(bob, ANSWER)
    assert "0 readers due a digest" in run_digest(app)
    assert digests(app, mail_server) == [mail]


@pytest.mark.parametrize("args", [["--since-hours", "0"], ["--since-hours", "169"], ["--since-hours", "a day"],
                                  ["--since-hours"], ["--hours", "24"]])
def test_bad_arguments_are_refused_and_change_nothing(app, api, readers, args):
    _, bob, _ = readers
    api.comment(bob, OPENING)
    before = mail_count(app)
    result = app.test_cli_runner().invoke(args=["mail", "digest", *args])
    assert result.exit_code == 2 and "Error" in result.output, result.output
    assert "--since-hours" in result.output or "--hours" in result.output
    assert mail_count(app) == before and digest_through(app, "alice") is None


def test_a_digest_leaves_the_last_moments_to_the_next_one(make_app, api, readers, mail_server):
    """A comment published in the last MAIL_DIGEST_SETTLE_SECONDS may not have committed when the
    digest reads: it waits for the next digest, whose window starts where this one ended."""
    alice, bob, _ = readers
    settled = api.comment(bob, "Bob's comment of two minutes ago on the council budget.")
    api.comment(bob, "Bob's comment of just now on the parking fees.")
    published_ago(api.app, settled, 2 / 60)
    settling = make_app(MAIL_URL=mail_server.url, PUBLIC_URL=PUBLIC_URL, MAIL_DIGEST_SETTLE_SECONDS=60)
    assert "Mailed alice: 1 comment" in run_digest(settling)
    [mail] = digests(settling, mail_server)
    assert listed_ids(mail) == {settled["id"]}
    assert utcnow() - digest_through(settling, "alice") >= timedelta(seconds=59)


@pytest.mark.backend_independent
@pytest.mark.parametrize("settle", [-1, 3601, "60", None])
def test_a_settling_time_that_is_not_a_number_of_seconds_stops_the_app(make_app, settle):
    with pytest.raises(ValueError, match="MAIL_DIGEST_SETTLE_SECONDS"):
        make_app(MAIL_DIGEST_SETTLE_SECONDS=settle)


@pytest.mark.backend_independent
@pytest.mark.parametrize("hour", [24, -1, "7", True, None])
def test_a_digest_hour_that_is_not_an_hour_stops_the_app(make_app, hour):
    with pytest.raises(ValueError, match="MAIL_DIGEST_HOUR"):
        make_app(MAIL_DIGEST_HOUR=hour)


@pytest.mark.backend_independent
@pytest.mark.parametrize("now, hour, start", [
    ("2026-12-03 07:00:00", 7, "2026-12-03 07:00:00"),
    ("2026-12-03 06:59:59", 7, "2026-12-02 07:00:00"),
    ("2026-12-03 23:30:00", 7, "2026-12-03 07:00:00"),
    ("2026-12-03 00:10:00", 0, "2026-12-03 00:00:00"),
    ("2026-01-01 22:00:00", 23, "2025-12-31 23:00:00"),
])
def test_a_digest_day_starts_at_the_latest_digest_hour(now, hour, start):
    assert digest_day_start(datetime.fromisoformat(now), hour) == datetime.fromisoformat(start)
