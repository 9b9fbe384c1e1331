"""The kinds of abuse (threat, insult, identity attack, obscenity), each held at its own threshold.

Made-up comments posted through the API and screened by the trained model: a threat that says
nothing abusive word by word is held, and speech that only sounds violent or names an identity
is published.
"""
import pytest

pytestmark = [pytest.mark.real_model, pytest.mark.backend_independent]

IMPLICIT_THREATS = (
    "Someone should find out where you live and teach you a lesson.",
    "Keep talking like that and one night you will not make it home.",
    "I know which school your kids go to. Think about that before you post again.",
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
