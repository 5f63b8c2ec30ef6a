"""Japanese text analysis for Whoosh (C3).

Japanese has no spaces between words, and buyers type the same thing in
several widths (ＭＳ / MS, ３６５ / 365, ｾｷｭﾘﾃｨ / セキュリティ). So:

* text is NFKC-normalised and case-folded first, which unifies the widths;
* within a line, spaces and punctuation are dropped (「ウイルス 対策」 and
  「ウイルス対策」 are the same text), but lines stay apart;
* at index time every character is indexed as a unigram and, at the same
  position, as the bigram that starts there;
* at query time a one-character query is its unigram and a longer one is its
  run of bigrams, which the field ANDs together (see backends.py).

A product matches a word when the word's bigrams all occur in its text: every
product containing the word is found (recall), at the price of the rare product
that has the same bigrams in another order. Checking their order as a phrase
was measured to cost 3-5x more per matching product in pure-Python Whoosh.

The classes must stay importable at this dotted path: Whoosh pickles the
schema, analyzers included, into the index. Change them → `rebuild_index`.
"""

from __future__ import annotations

import unicodedata

from whoosh.analysis import Token, Tokenizer

LINE_GAP = 2  # positions left free between lines (bigrams never span two lines)


def normalise(text: str) -> str:
    """NFKC + case folding: the one normalisation used for index and queries."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "ー々〆ヶ"


def _runs(text: str) -> list[str]:
    """One string of word characters per line (separators dropped)."""
    return ["".join(ch for ch in line if _is_word_char(ch)) for line in normalise(text).splitlines()]


class JapaneseNgramTokenizer(Tokenizer):
    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        querying = mode == "query"
        for run in _runs(value):
            if querying:
                grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
                for offset, gram in enumerate(grams):
                    yield self._token(token, gram, pos + offset, positions, chars, keeporiginal)
                pos += len(grams) + LINE_GAP
                continue
            for i, ch in enumerate(run):
                yield self._token(token, ch, pos + i, positions, chars, keeporiginal)
                if i + 1 < len(run):
                    yield self._token(token, run[i : i + 2], pos + i, positions, chars, keeporiginal)
            pos += len(run) + LINE_GAP

    @staticmethod
    def _token(token, text, pos, positions, chars, keeporiginal):
        token.text = text
        token.boost = 1.0
        token.stopped = False
        if keeporiginal:
            token.original = text
        if positions:
            token.pos = pos
        if chars:
            token.startchar = pos
            token.endchar = pos + len(text)
        return token


def JapaneseAnalyzer():
    """The analyzer for every full-text field of the Whoosh index."""
    return JapaneseNgramTokenizer()
