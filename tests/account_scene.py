"""A reader with something of every kind Parley holds about a reader, made through the API.

Alice posts comments in every status, replies, likes, reports, follows, mutes, is replied to and
followed, has a comment rejected by a moderator (with a note) and is suspended. Bob and Carol are
the readers around her; Mia is the moderator.
"""
from dataclasses import dataclass, field

from tests.moderation_actions import PREMOD, decide, premod_article, report

ARTICLE = "council-budget"
PUBLISHED = "The bus money is welcome, but the parking fees will hurt the shops."
LONELY = "Nobody answers this one: the bridge should have reopened in spring."
HELD = "Only an idiot would vote for these fees."
REJECTED = "Idiot councillors, stupid budget."
WAITING = "A comment on the pre-moderated story."
REPLY = "Alice answers Bob: footfall went up after the new routes opened."
BOB_SAYS = "Bob answers Alice: the shops had the same worry in 2019."
CAROL_SAYS = "Carol thinks the budget is fine as it is."
DECISION_NOTE = "Called the council idiots"
SUSPENSION_REASON = "Insults in the budget thread"


@dataclass
class Scene:
    alice: dict
    bob: dict
    carol: dict
    mia: dict
    ids: dict = field(default_factory=dict)


def build(api) -> Scene:
    """Make the scene; ``ids`` names each comment."""
    api.article(ARTICLE)
    premod_article(api)
    scene = Scene(api.reader("alice"), api.reader("bob"), api.reader("carol"), api.staff("mia"))
    ids = scene.ids
    api_put = api.client.put
    assert api_put("/api/v1/users/bob/follow", headers=scene.alice).status_code == 204
    assert api_put("/api/v1/users/alice/follow", headers=scene.carol).status_code == 204
    assert api_put("/api/v1/users/carol/mute", headers=scene.alice).status_code == 204
    assert api_put("/api/v1/users/alice/mute", headers=scene.carol).status_code == 204
    ids["published"] = api.comment(scene.alice, PUBLISHED)["id"]
    ids["lonely"] = api.comment(scene.alice, LONELY)["id"]
    held = api.comment(scene.alice, HELD)
    assert held["status"] == "pending", held
    ids["held"] = held["id"]
    rejected = api.comment(scene.alice, REJECTED)
    assert rejected["status"] == "rejected", rejected
    ids["rejected"] = rejected["id"]
    ids["waiting"] = api.comment(scene.alice, WAITING, article_id=PREMOD)["id"]
    ids["bob"] = api.comment(scene.bob, BOB_SAYS, parent_id=ids["published"])["id"]
    ids["reply"] = api.comment(scene.alice, REPLY, parent_id=ids["bob"])["id"]
    ids["carol"] = api.comment(scene.carol, CAROL_SAYS)["id"]
    assert api.client.post(f"/api/v1/comments/{ids['bob']}/reactions", headers=scene.alice).status_code == 200
    assert api.client.post(f"/api/v1/comments/{ids['published']}/reactions", headers=scene.bob).status_code == 200
    assert report(api, scene.alice, ids["carol"], "spam", "Carol posts this everywhere").status_code == 201
    assert decide(api, scene.mia, ids["held"], "reject", "abusive", note=DECISION_NOTE).status_code == 200
    suspended = api.client.post("/api/v1/moderation/users/alice/suspension",
                                json={"days": 1, "reason": SUSPENSION_REASON}, headers=scene.mia)
    assert suspended.status_code == 200, suspended.get_json()
    return scene
