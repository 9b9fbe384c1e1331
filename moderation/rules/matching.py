"""Whole-word and phrase matching of the moderators' word lists, in time linear in the text.

A text is cut into tokens the way the classifier's normaliser reads it (moderation.classifier.
normalise: case and look-alike letters folded, leetspeak inside words undone, letters spelt out
with one repeated separator joined, "s.c.a.m" or "s c a m"), each token keeping the span of the
original text it came from. A term is cut the same way, and a list's terms go into a trie of
token sequences, so a text is matched by walking it once: a term never matches inside a longer
word ("class" holds no "ass"), and no regular expression is ever built from a moderator's input.

Repeated letters: a letter written three times or more stands for itself once or twice
("scaaam" is "scam", "asssss" is "ass"), while a letter written once or twice is read as written,
so "as" is not "ass" and "good" is not "god".
"""
import re
from dataclasses import dataclass, field
from itertools import groupby

from moderation.classifier.normalise import LEETSPEAK, SPLIT_LETTERS, fold_ascii

#: The letters spelt out one by one, with the same separator between each ("s.c.a.m").
_SPELT_OUT = re.compile(SPLIT_LETTERS.pattern.decode("ascii"), re.ASCII)
#: What a word is made of before leetspeak is undone ("5c4m", "$h!t", "don't", "f*ck").
_WORD = re.compile(r"[a-z0-9@$!|+'*]+")
#: What a word is made of after it; anything else left (a trailing "!") ends the word.
_PLAIN = re.compile(r"[a-z0-9*']+")
_RUNS = re.compile(r"(.)\1+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_STRETCHED = re.compile(r"([a-z])\1\1")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGIT_LEET = frozenset(c for c in LEETSPEAK if c.isdigit())


@dataclass(frozen=True, slots=True)
class Token:
    """A normalised word and the span ``[start, end)`` of the original text it was read from."""

    text: str
    start: int
    end: int
    #: Spelt out letter by letter ("s c a m"), so a phrase written that way may match it too.
    spelt_out: bool = False
    #: For letters spelt out after the one-letter word "a" or "i" ("a s c a m"): the letters after it.
    rest: "Token | None" = None
    #: Has a letter written three times or more ("scaaam"), so it may stand for a shorter word.
    stretched: bool = False


def tokens(text: str) -> list[Token]:
    """Return the normalised words of ``text``, in order, with their spans in ``text``."""
    folded, origin = _fold(text)
    found: list[Token] = []
    position = 0
    for match in _SPELT_OUT.finditer(folded):
        _words(folded, position, match.start(), found)
        found.append(_spelt_out(match))
        position = match.end()
    _words(folded, position, len(folded), found)
    if _STRETCHED.search(folded):  # rare: one search of the whole text spares one per word
        found = [Token(t.text, t.start, t.end, t.spelt_out, t.rest, True) if _STRETCHED.search(t.text) else t
                 for t in found]
    if origin is None:
        return found
    return [_moved(t, origin) for t in found]


def _spelt_out(match: re.Match) -> Token:
    """Return the letters of a spelt-out run as one token, and those after a leading "a" or "i" as its rest."""
    step = len(match.group(1)) + 1
    letters = match.group()[::step]
    rest = None
    if letters[0] in "ai" and len(letters) > 3:
        rest = Token(letters[1:], match.start() + step, match.end(), spelt_out=True,
                     stretched=bool(_STRETCHED.search(letters[1:])))
    return Token(letters, match.start(), match.end(), spelt_out=True, rest=rest,
                 stretched=bool(_STRETCHED.search(letters)))


def _moved(token: Token, origin: list[int]) -> Token:
    """Return ``token`` with its span moved from the folded text back to the original."""
    rest = _moved(token.rest, origin) if token.rest is not None else None
    return Token(token.text, origin[token.start], origin[token.end - 1] + 1, token.spelt_out, rest, token.stretched)


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Return ``text`` in lower-case ASCII and, when that changed its length, each character's origin."""
    if text.isascii():
        return text.lower(), None
    pieces, origin, position = [], [], 0
    for match in _NON_ASCII.finditer(text):
        pieces.append(text[position:match.start()].lower())
        origin.extend(range(position, match.start()))
        for index in range(match.start(), match.end()):
            piece = fold_ascii(text[index])
            pieces.append(piece)
            origin.extend([index] * len(piece))
        position = match.end()
    pieces.append(text[position:].lower())
    origin.extend(range(position, len(text)))
    return "".join(pieces), origin


def _words(folded: str, start: int, end: int, found: list[Token]) -> None:
    """Append the words of ``folded[start:end]``, leetspeak undone, to ``found``."""
    for match in _WORD.finditer(folded, start, end):
        word = match.group()
        if word.isalpha():  # the common case: nothing to undo
            found.append(Token(word, match.start(), match.end()))
            continue
        plain = _undo_leet(word)
        for part in _PLAIN.finditer(plain):
            offset = match.start() + part.start()
            found.append(Token(part.group().replace("'", ""), offset, offset + len(part.group())))


def _undo_leet(word: str) -> str:
    """Return ``word`` with leetspeak undone as the normaliser does, apostrophes inside it kept as "'"."""
    chars = list(word)
    for i, char in enumerate(word):
        before = i > 0 and word[i - 1] in _LETTERS
        after = i + 1 < len(word) and word[i + 1] in _LETTERS
        if char in LEETSPEAK and (after or (before and char in _DIGIT_LEET)):
            chars[i] = LEETSPEAK[char]
    for i, char in enumerate(chars):
        # An apostrophe between letters is dropped later ("don't" is "dont"); any other ends a word.
        if char == "'" and not (0 < i < len(chars) - 1 and chars[i - 1] in _LETTERS and chars[i + 1] in _LETTERS):
            chars[i] = " "
    return "".join(chars)


def skeleton(word: str) -> str:
    """Return ``word`` with every run of one letter written once ("scaaam" and "scam" are "scam")."""
    return _RUNS.sub(r"\1", word)


def runs(word: str) -> tuple[int, ...]:
    """Return the length of each run of one letter in ``word``."""
    return tuple(len(list(group)) for _, group in groupby(word))


def _term_runs(word: str) -> tuple[int, ...]:
    """Return a term's runs, three or more of a letter read as one ("scaaam" is meant as "scam").

    Other characters count as written: a text's "f***" is never stretched, so the term "f***" must
    not be read as "f*".
    """
    return tuple(1 if n >= 3 and char in _LETTERS else n for char, n in zip(skeleton(word), runs(word), strict=True))


def _runs_match(text_runs: tuple[int, ...], term_runs: tuple[int, ...]) -> bool:
    return all(t == r or t >= 3 for t, r in zip(text_runs, term_runs, strict=True))


@dataclass(eq=False)
class _Node:
    #: A term's next word as written, three or more of a letter read as one -> the next node.
    exact: dict = field(default_factory=dict)
    #: skeleton -> [(the term word's runs, the next node)], for stretched words ("scaaam").
    children: dict = field(default_factory=dict)
    term: str | None = None

    def child(self, word: str) -> "_Node":
        term_runs = _term_runs(word)
        written = "".join(letter * n for letter, n in zip(skeleton(word), term_runs, strict=True))
        if written not in self.exact:
            self.exact[written] = _Node()
            self.children.setdefault(skeleton(word), []).append((term_runs, self.exact[written]))
        return self.exact[written]

    def step(self, token: Token) -> "_Node | None":
        # A word with no letter three times matches only a term word written the same.
        if not token.stretched:
            return self.exact.get(token.text)
        entries = self.children.get(skeleton(token.text), ())
        token_runs = runs(token.text)
        return next((node for term_runs, node in entries if _runs_match(token_runs, term_runs)), None)


def term_key(term: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Return what a term matches, as token (skeleton, runs) pairs: two terms with one key are one."""
    return tuple((skeleton(t.text), _term_runs(t.text)) for t in tokens(term))


@dataclass(frozen=True)
class Match:
    term: str
    start: int
    end: int


class Matcher:
    """A word list compiled for matching: a trie of its terms' token sequences."""

    def __init__(self, terms):
        self._root = _Node()
        #: Phrases written as one run of spelt-out letters ("b u y n o w" for "buy now").
        self._spelt = _Node()
        for term in terms:
            self._add(term)

    def _add(self, term: str) -> None:
        words = [t.text for t in tokens(term)]
        if not words:
            return
        node = self._root
        for word in words:
            node = node.child(word)
        node.term = node.term or term
        if len(words) > 1:
            spelt = self._spelt.child("".join(words))
            spelt.term = spelt.term or term

    def find(self, words: list[Token]) -> list[Match]:
        """Return the terms found in ``words`` (from ``tokens``), longest first at each place, without overlaps."""
        found, i = [], 0
        while i < len(words):
            hit = self._longest(words, i, words[i])
            if hit is None and words[i].rest is not None:
                hit = self._longest(words, i, words[i].rest)
            if hit is None:
                i += 1
                continue
            term, start, last = hit
            found.append(Match(term, start, words[last].end))
            i = last + 1
        return found

    def _longest(self, words: list[Token], i: int, first: Token) -> tuple[str, int, int] | None:
        """Return the longest term that starts with ``first`` in place of ``words[i]``: (term, start, last index)."""
        last, node, j, token = None, self._root, i, first
        while (node := node.step(token)) is not None:
            if node.term is not None:
                last = (node.term, first.start, j)
            j += 1
            if j == len(words):
                break
            token = words[j]
        if last is None and first.spelt_out and (node := self._spelt.step(first)) is not None:
            last = (node.term, first.start, i)
        return last
