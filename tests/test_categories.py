"""The kinds of abuse (threat, insult, identity attack, obscenity), each held at its own threshold.

Made-up comments posted through the API and screened by the trained model: a threat that says
nothing abusive word by word is held, and speech that only sounds violent or names an identity
is published.
"""
import pytest

from moderation.classifier.corpora import CATEGORIES
from tests.moderation_actions import queue

pytestmark = [pytest.mark.real_model, pytest.mark.backend_independent]

#: The model misses threats that lean on what is left unsaid: "known miss" marks each one it does
#: not hold yet (strict: the test fails once the model holds it, so the mark must then go).
KNOWN_MISS = pytest.mark.xfail(strict=True, reason="known miss of the threat head (issue 12)")
IMPLICIT_THREATS = (
    "Someone should find out where you live and teach you a lesson.",
    "Keep talking like that and one night you will not make it home.",
    pytest.param("I know which school your kids go to. Think about that before you post again.", marks=KNOWN_MISS),
)
CIVIL = (
    "Kill the bill. It spends money the city does not have.",
    "This budget is an assault on the constitution and on every taxpayer.",
    "As a gay man, I think the council got the bus routes right.",
    "That is a dumb idea, but I see why the council tried it.",
)


@pytest.mark.parametrize("text", IMPLICIT_THREATS)
def test_an_implicit_threat_is_held(readers, api, text):
    comment = api.comment(readers[0], text)
    assert comment["status"] == "pending" and comment["hold_reason"] == "abuse", comment


@pytest.mark.parametrize("text", CIVIL)
def test_speech_that_only_sounds_violent_or_names_an_identity_is_published(readers, api, text):
    comment = api.comment(readers[0], text)
    assert comment["status"] == "published", comment


def test_the_score_endpoint_and_the_queue_give_each_kind(readers, api):
    mia = api.staff("mia")
    response = api.client.post("/api/v1/moderation/score", json={"text": "I will kill you"}, headers=mia)
    kinds = response.get_json()["categories"]
    assert set(kinds) == set(CATEGORIES) and max(kinds, key=kinds.get) == "threat"
    held = api.comment(readers[0], IMPLICIT_THREATS[0])
    [item] = queue(api, mia)["items"]
    assert item["comment"]["id"] == held["id"] and set(item["categories"]) == set(CATEGORIES)
    assert item["categories"]["threat"] == pytest.approx(max(item["categories"].values()))
    assert item["hold_rule"].startswith("threat: ")


def test_the_queue_page_shows_each_kind_most_likely_first(readers, api, pages):
    api.staff("mia")
    api.comment(readers[0], IMPLICIT_THREATS[0])
    pages.login("mia")
    html = pages.client.get("/moderation").get_data(as_text=True)
    assert "Kinds of abuse: threat 0." in html and "identity attack" in html
