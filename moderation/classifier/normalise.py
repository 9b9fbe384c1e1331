"""Text normalisation that undoes the usual ways people dodge word filters.

Case, homoglyphs (Cyrillic / Greek look-alikes, full-width and accented letters), leetspeak
inside words ("1d10t", "$h!t"), letters split by spaces or dots ("i d i o t", "f.u.c.k"),
repeated letters ("stuuuupid") and punctuation. A whole batch is normalised as one ASCII byte
array with numpy masks and C-level ``bytes`` methods, not per-text Python: the output alphabet is
``a-z 0-9 * space`` with texts separated by ``\\n``.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

_HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "ո": "n", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ß": "ss", "æ": "ae", "ø": "o",
    "ł": "l", "đ": "d", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
    "\u00ad": "", "’": "'", "‘": "'", "`": "'",
})
_COMBINING = re.compile(r"[\u0300-\u036f]")
# The same separator between every letter, so "a  f.u.c.k" keeps the article apart.
SPLIT_LETTERS = re.compile(rb"\b[a-z]([ ._\-*]{1,2})[a-z](?:\1[a-z])+\b")
_SEPARATORS = re.compile(rb"[ ._\-*]")

#: Leetspeak: a digit after or before a letter, or a symbol before a letter, stands for this letter.
LEETSPEAK = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
             "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"}
_LEET = np.arange(256, dtype=np.uint8)
for _src, _dst in LEETSPEAK.items():
    _LEET[ord(_src)] = ord(_dst)
_IS_LEET = _LEET != np.arange(256)
_IS_DIGIT_LEET = _IS_LEET.copy()
_IS_DIGIT_LEET[[ord(c) for c in "@$!|+"]] = False
_IS_LETTER = np.zeros(256, dtype=bool)
_IS_LETTER[ord("a"): ord("z") + 1] = True
# Everything but a-z, 0-9, "*", "'" and the text separator becomes a space.
_KEEP = bytes(c if (chr(c).isascii() and (chr(c).islower() or chr(c).isdigit() or chr(c) in "*'\n"))
              else 32 for c in range(256))
SEP = 10
_SPACE = 32
_APOS = ord("'")


def fold_ascii(text: str) -> str:
    """Fold a non-ASCII text to ASCII look-alikes (accents, full width, homoglyphs)."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower())).translate(_HOMOGLYPHS)
    return text.encode("ascii", "replace").decode("ascii")


def _join_letters(match: re.Match) -> bytes:
    return _SEPARATORS.sub(b"", match.group())


def normalise_codes(texts) -> np.ndarray:
    """Return the normalised batch as uint8 codes, texts separated by ``\\n`` (code 10)."""
    texts = [(t if t.isascii() else fold_ascii(t)).replace("\x00", " ") for t in texts]
    raw = "\x00".join(texts).encode("ascii").lower()
    raw = raw.translate(_WHITESPACE)
    if b"." in raw or b" " in raw or b"-" in raw:
        raw = SPLIT_LETTERS.sub(_join_letters, raw)
    a = np.frombuffer(raw, dtype=np.uint8)
    letter = _IS_LETTER[a]
    prev_letter = np.concatenate(([False], letter[:-1]))
    next_letter = np.concatenate((letter[1:], [False]))
    leet = (_IS_DIGIT_LEET[a] & prev_letter) | (_IS_LEET[a] & next_letter)
    a = np.where(leet, _LEET[a], a)
    a = np.frombuffer(a.tobytes().translate(_KEEP), dtype=np.uint8)
    keep = np.ones(len(a), dtype=bool)
    # Runs of 3+ identical letters collapse to one ("stuuupid" -> "stupid").
    same2 = (a[2:] == a[1:-1]) & (a[1:-1] == a[:-2]) & _IS_LETTER[a[2:]]
    run = np.zeros(len(a), dtype=bool)
    run[2:] |= same2
    run[1:-1] |= same2
    keep &= ~(run & np.concatenate(([False], a[1:] == a[:-1])))
    # Apostrophes between letters vanish ("don't" -> "dont"); the others become spaces.
    apos = a == _APOS
    keep &= ~(apos & np.concatenate(([False], _IS_LETTER[a[:-1]])) & np.concatenate((_IS_LETTER[a[1:]], [False])))
    a = np.where(apos, _SPACE, a)
    a = a[keep]
    # Collapse runs of spaces, then drop the spaces at either end of a text.
    a = a[~((a == _SPACE) & np.concatenate(([True], a[:-1] == _SPACE)))]
    edge = np.concatenate(([True], a[:-1] == SEP)) | np.concatenate((a[1:] == SEP, [True]))
    return a[~((a == _SPACE) & edge)]


_WHITESPACE = bytes(10 if c == 0 else 32 if chr(c) in "\n\r\t\v\f" else c for c in range(256))


def normalise_batch(texts) -> list[str]:
    """Return the normalised form of every text (same order, same count)."""
    codes = normalise_codes(texts)
    return codes.tobytes().decode("ascii").split("\n")


def normalise(text: str) -> str:
    """Return the normalised form of one text."""
    return normalise_batch([text])[0]
