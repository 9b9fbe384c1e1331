"""Neutral sentences that mention identity terms, written for this project (label: not abusive).

Abuse corpora mention identity words mostly in abusive posts, so a linear model learns "gay" or
"muslim" as evidence of abuse (Dixon et al. 2018). Adding ordinary sentences that use the same
words about everyday things is their simplest mitigation. The sentences below are our own; the
identity-term test set is never looked at to write or tune them.
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
)


def identity_sentences() -> list[str]:
    """Return every template filled with every identity term (about 600 sentences)."""
    out = []
    for template, term in itertools.product(_TEMPLATES, IDENTITY_TERMS):
        person = _PEOPLE[hash_index(term + template) % len(_PEOPLE)]
        out.append(template.format(t=term, T=term.capitalize(), p=person))
    return out


def hash_index(text: str) -> int:
    """Return a stable small integer for ``text`` (Python's ``hash`` is salted per process)."""
    return sum(ord(c) * (i + 1) for i, c in enumerate(text))
