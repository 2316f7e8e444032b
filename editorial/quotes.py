"""Quote normalisation and anchoring against a document's text.

A claim's quote must occur in its document's body once white space runs,
typographic quote marks and dashes are normalised. Offsets are stored in the
*original* body, so the public document page can highlight the passage
exactly as it was received.

Nothing here is fuzzy on purpose: a quote is either found (exactly, after
normalisation) or it is not. When it is not, :func:`closest_passage` points
the editor at the best candidate, but that candidate is never stored.
"""

import re
from collections import Counter
from dataclasses import dataclass

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u00ad": None,  # soft hyphen: invisible, dropped
    }
)


def normalise(text):
    """The comparison form of ``text``: one space per white-space run, plain
    quote marks and hyphens, no leading or trailing space."""
    return " ".join(text.translate(_TRANSLATE).split())


def _normalise_with_map(text):
    """Normalise ``text`` and return, for each normalised character, the index
    of the original character it came from."""
    out = []
    index_map = []
    pending_space = None
    for i, ch in enumerate(text):
        mapped = ch.translate(_TRANSLATE)
        if mapped == "":
            continue
        if mapped.isspace():
            if out and pending_space is None:
                pending_space = i
            continue
        if pending_space is not None:
            out.append(" ")
            index_map.append(pending_space)
            pending_space = None
        out.append(mapped)
        index_map.append(i)
    return "".join(out), index_map


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int


class QuoteNotFound(Exception):
    def __init__(self, quote, closest):
        self.quote = quote
        self.closest = closest
        super().__init__(self.message)

    @property
    def message(self):
        if self.closest:
            return (
                "This quote does not occur in the document's text. "
                f"The closest passage is: \u201c{self.closest}\u201d"
            )
        return "This quote does not occur in the document's text, and no similar passage was found."


def find_all(body, quote):
    """Every anchor at which ``quote`` occurs in ``body`` (normalised)."""
    needle = normalise(quote)
    if not needle:
        return []
    haystack, index_map = _normalise_with_map(body)
    anchors = []
    pos = haystack.find(needle)
    while pos != -1:
        start = index_map[pos]
        end = index_map[pos + len(needle) - 1] + 1
        anchors.append(Anchor(start, end))
        pos = haystack.find(needle, pos + 1)
    return anchors


def anchor(body, quote, *, near=None):
    """Locate ``quote`` in ``body`` and return its :class:`Anchor`.

    If the quote occurs more than once, the occurrence nearest ``near`` (a
    previous start offset) is chosen, else the first. Raises
    :class:`QuoteNotFound`, carrying the closest passage, if it does not occur.
    """
    anchors = find_all(body, quote)
    if not anchors:
        raise QuoteNotFound(quote, closest_passage(body, quote))
    if near is None:
        return anchors[0]
    return min(anchors, key=lambda a: abs(a.start - near))


_WORD = re.compile(r"\w+")


def closest_passage(body, quote, *, shingle=3):
    """The passage of ``body`` that shares the most word sequences with
    ``quote``, trimmed to about the quote's length; ``""`` if nothing is shared.

    Each run of ``shingle`` consecutive words of the quote that also occurs in
    the body votes for where the quote would start; the best-voted start wins.
    This is linear in the size of the body, so it stays fast on long papers.
    """
    quote_words = [w.lower() for w in _WORD.findall(normalise(quote))]
    if not quote_words:
        return ""
    body_matches = list(_WORD.finditer(body))
    body_words = [m.group().lower() for m in body_matches]
    size = min(shingle, len(quote_words))

    positions = {}
    for i in range(len(body_words) - size + 1):
        positions.setdefault(tuple(body_words[i : i + size]), []).append(i)

    votes = Counter()
    for j in range(len(quote_words) - size + 1):
        for i in positions.get(tuple(quote_words[j : j + size]), ()):
            votes[i - j] += 1
    if not votes:
        return ""
    start_word = max(0, votes.most_common(1)[0][0])
    end_word = min(len(body_matches), start_word + len(quote_words)) - 1
    start = body_matches[start_word].start()
    end = body_matches[end_word].end()
    return normalise(body[start:end])
