"""Training rows made for this project: neutral identity and metaphor sentences, span phrases.

Abuse corpora mention identity words mostly in abusive posts, so a linear model learns "gay" or
"muslim" as evidence of abuse (Dixon et al. 2018). Adding ordinary sentences that use the same
words about everyday things is their simplest mitigation. The sentences below are our own; the
identity-term test set is never looked at to write or tune them. The span phrases are derived
from the shipped toxic-spans training posts (``span_phrases``).
"""

from __future__ import annotations

import itertools

IDENTITY_TERMS = (
    "lesbian", "gay", "bisexual", "transgender", "trans", "queer", "lgbt", "lgbtq", "homosexual",
    "straight", "heterosexual", "male", "female", "nonbinary", "african", "african american",
    "black", "white", "european", "hispanic", "latino", "latina", "latinx", "mexican", "canadian",
    "american", "asian", "indian", "middle eastern", "chinese", "japanese", "christian", "muslim",
    "jewish", "buddhist", "catholic", "protestant", "sikh", "taoist", "old", "older", "young",
    "younger", "teenage", "millenial", "middle aged", "elderly", "blind", "deaf", "paralyzed",
)
# Age words are too common inside other words ("you" in "young") to neutralise as n-grams.
_AGE_TERMS = {"old", "older", "young", "younger", "teenage", "elderly", "millenial", "middle aged"}


def neutral_terms() -> list[str]:
    """Return the identity terms (singular and plural) whose n-grams may not raise abuse."""
    terms = [t for t in IDENTITY_TERMS if t not in _AGE_TERMS]
    return terms + [t + "s" for t in terms]


_PEOPLE = ("man", "woman", "person", "voter", "teacher", "family", "neighbour", "student")
_TEMPLATES = (
    "As a {t} {p}, I think the council should fund the library.",
    "I am a {t} {p} and I agree with the article.",
    "My neighbour is {t} and she runs the bakery downtown.",
    "The {t} community in our town organised a food drive last week.",
    "Being {t} has nothing to do with how you vote on this bill.",
    "The article quotes a {t} {p} who works at the hospital.",
    "Our {t} friends came over for dinner on Sunday.",
    "{T} people pay taxes and deserve good roads like everyone else.",
    "I grew up in a {t} family and we always read the paper.",
    "The report says {t} students did well in the exams this year.",
    "Is the {t} {p} in the photo the new mayor?",
    "Thanks for covering the {t} festival, it was great.",
    "{T}s live on my street and we share a garden.",
    "Many {t}s I know support the new school funding.",
    "{T}s and their families came to the town meeting.",
    "I am {t}.",
    "We are {t}s and we vote.",
)
# Violent words used as ordinary political and sports metaphors, common in news comments.
_METAPHORS = (
    "The senate should kill this proposal before it costs us more.",
    "Voters will kill the measure in November.",
    "Kill the tax hike and fund the schools instead.",
    "This ruling is an attack on free speech.",
    "The new rules are an assault on small farmers.",
    "An assault on voting rights should worry everyone.",
    "Higher fees will murder local restaurants.",
    "The budget cuts are killing our public libraries.",
    "Our team destroyed them in the second half.",
    "The governor shot down the pipeline plan.",
    "Let's shoot for a compromise on the budget.",
    "The bill died in committee last week.",
    "That speech bombed with the crowd.",
    "The market crashed and my pension took a beating.",
    "He fought hard for the veterans' hospital.",
    "The council is fighting over the new bridge.",
    "Stocks got hammered after the report.",
    "The opposition will attack the plan in the debate.",
    "This policy is a disaster for rural towns.",
    "The proposal is dead on arrival.",
    "I hate traffic on the bridge every morning.",
)
# "Kill" with a policy as its object is the everyday verb of legislative fights.
_POLICY_OBJECTS = ("this bill", "the deal", "the tax", "the pipeline", "the amendment", "the merger",
                   "the project", "the levy", "the reform", "this ordinance", "the proposal", "the budget")
_POLICY_VERBS = ("Kill {o}", "They will kill {o}", "Vote to kill {o}", "Time to kill {o}")


# Blunt words for an idea, a plan or an argument: criticism the desk allows, unlike the same
# words aimed at a person (Civil Comments raters often marked both as toxic).
_IDEA_WORDS = ("dumb", "stupid", "silly", "ridiculous", "idiotic", "terrible", "foolish", "absurd")
_IDEAS = ("idea", "plan", "policy", "proposal", "argument", "decision", "law", "column")
_IDEA_TEMPLATES = ("That is a {w} {i}.", "What a {w} {i}.", "This {i} is {w}.", "The council's {i} is {w}.")
# Threats that name no violence word by word: the words are ordinary, the meaning is not. Written
# for this project, with no held-out or test text in view; each is a threat (and abusive).
_THREAT_OPENINGS = ("", "Careful. ", "Just so you know, ", "Think about it. ", "Last warning: ")
_THREATS = (
    "I know where you live.",
    "We know where you work and when you leave.",
    "Watch your back on the way home.",
    "Someone is going to pay you a visit soon.",
    "You will regret writing this, I promise you.",
    "People like you have accidents.",
    "It would be a shame if something happened to your family.",
    "Sleep with one eye open from now on.",
    "We will be waiting for you outside the office.",
    "Somebody ought to shut you up for good.",
    "You won't be posting much longer.",
    "Your car has nice tyres. Would be a pity if they were slashed.",
    "I have your address and a lot of free time.",
    "Next time I see you, you will not walk away.",
    "Say that again and see what happens to you.",
    "Enjoy your last week in this town.",
)


def neutral_sentences() -> list[str]:
    """Return the identity sentences and the violent-metaphor sentences (all not abusive)."""
    policy = [v.format(o=o) for v, o in itertools.product(_POLICY_VERBS, _POLICY_OBJECTS)]
    return identity_sentences() + list(_METAPHORS) + policy


def idea_sentences() -> list[str]:
    """Return blunt criticism of ideas, plans and arguments (not abusive)."""
    return [t.format(w=w, i=i) for t, w, i in itertools.product(_IDEA_TEMPLATES, _IDEA_WORDS, _IDEAS)]


def threat_sentences() -> list[str]:
    """Return the implicit threats, each with every opening (abusive, and threats)."""
    return [opening + threat for opening, threat in itertools.product(_THREAT_OPENINGS, _THREATS)]


def identity_sentences() -> list[str]:
    """Return every template filled with every identity term (about 850 sentences)."""
    out = []
    for template, term in itertools.product(_TEMPLATES, IDENTITY_TERMS):
        person = _PEOPLE[hash_index(term + template) % len(_PEOPLE)]
        out.append(template.format(t=term, T=term.capitalize(), p=person))
    return out


def span_phrases(rows) -> list[str]:
    """Return the rater-marked words of each toxic-spans post, joined: short abusive texts.

    The posts are long and mostly civil around their toxic words; the marked words on their own
    teach which words carry the abuse. In leave-one-corpus-out validation they helped most on
    short texts: tweets, 0.727 -> 0.758 ROC-AUC.
    """
    return [" ".join(row["text"][s:e] for s, e in row["spans"]) for row in rows if row["spans"]]


def hash_index(text: str) -> int:
    """Return a stable small integer for ``text`` (Python's ``hash`` is salted per process)."""
    return sum(ord(c) * (i + 1) for i, c in enumerate(text))
