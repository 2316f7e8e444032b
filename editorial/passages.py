"""A document's text as readers see it: escaped paragraphs with every visible
claim highlighted in place, and a claim's quote in its context.

Claims are stored as character offsets into the body exactly as received, so
the highlighting works on the original text: the body is cut into paragraphs
(at blank lines) without losing track of offsets, and each paragraph is cut
again at every claim boundary inside it.

Claims may overlap or nest. HTML elements cannot cross, so a claim whose
passage crosses the end of another (or of a paragraph) is closed there and
reopened after it: its first piece carries ``id="claim-<id>"`` (the anchor),
the later pieces carry only ``data-claim``. Everything else is escaped.
"""

import html
import re
from dataclasses import dataclass
from itertools import pairwise

from django.utils.safestring import mark_safe

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    claim_id: int


def paragraph_spans(body):
    """``(start, end)`` of each paragraph of ``body``: text between blank lines,
    without surrounding white space."""
    spans = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(body), None]:
        end = match.start() if match else len(body)
        chunk = body[position:end]
        stripped = chunk.strip()
        if stripped:
            start = position + (len(chunk) - len(chunk.lstrip()))
            spans.append((start, start + len(stripped)))
        if match:
            position = match.end()
    return spans


def claim_spans(body, claims):
    """The spans of the claims that can be highlighted: anchored ones whose
    offsets fall inside the text (a stale anchor is skipped, not guessed)."""
    spans = []
    for claim in claims:
        if claim.anchor_problem:
            continue
        if 0 <= claim.start_offset < claim.end_offset <= len(body):
            spans.append(Span(claim.start_offset, claim.end_offset, claim.pk))
    return spans


def highlighted_paragraphs(body, claims, *, anchors=True):
    """The body as a list of safe HTML strings, one per paragraph, each claim
    wrapped in ``<mark>`` (see the module docstring). Line breaks inside a
    paragraph are kept as ``<br>``. Without ``anchors``, no mark has an id
    (for an excerpt shown on another page)."""
    spans = sorted(claim_spans(body, claims), key=lambda s: (s.start, -s.end, s.claim_id))
    # Claims already given their anchor; with anchors off, all count as given.
    anchored = set() if anchors else {span.claim_id for span in spans}
    paragraphs = []
    # One sweep: paragraphs and spans both in text order. ``waiting`` holds
    # the spans that started before this paragraph's end and may still reach
    # into it (a span can cross paragraphs), in start order.
    waiting = []
    upcoming = iter(spans)
    following = next(upcoming, None)
    for p_start, p_end in paragraph_spans(body):
        while following is not None and following.start < p_end:
            waiting.append(following)
            following = next(upcoming, None)
        waiting = [s for s in waiting if s.end > p_start]
        paragraphs.append(mark_safe(_render(body, p_start, p_end, waiting, anchored)))
    return paragraphs


def _text(fragment):
    return html.escape(fragment).replace("\n", "<br>\n")


def _open(span, anchored):
    if span.claim_id in anchored:
        return f'<mark class="claim claim-continued" data-claim="{span.claim_id}">'
    anchored.add(span.claim_id)
    return f'<mark class="claim" id="claim-{span.claim_id}" data-claim="{span.claim_id}">'


def _render(body, p_start, p_end, spans, anchored):
    """One paragraph: a sweep over the boundaries with a stack of open marks."""
    boundaries = sorted(
        {p_start, p_end}
        | {s.start for s in spans if p_start < s.start < p_end}
        | {s.end for s in spans if p_start < s.end < p_end}
    )
    out = []
    stack = []  # open spans, outermost first
    for here, there in pairwise(boundaries):
        # Close what ends here; anything opened inside it is closed first and
        # reopened afterwards, so elements never cross.
        ending = [s for s in stack if s.end <= here]
        if ending:
            first = min(stack.index(s) for s in ending)
            reopen = [s for s in stack[first:] if s.end > here]
            out.append("</mark>" * (len(stack) - first))
            del stack[first:]
            for span in reopen:
                out.append(_open(span, anchored))
                stack.append(span)
        # Open what covers this piece and is not open yet, longest first so
        # the shorter ones nest inside.
        covering = [s for s in spans if s.start <= here and s.end >= there and s not in stack]
        for span in sorted(covering, key=lambda s: (-s.end, s.claim_id)):
            out.append(_open(span, anchored))
            stack.append(span)
        out.append(_text(body[here:there]))
    out.append("</mark>" * len(stack))
    return "".join(out)


@dataclass(frozen=True)
class Context:
    before: str
    quote: str
    after: str
    starts_mid_text: bool
    ends_mid_text: bool

    def paragraphs(self, claim_id):
        """The excerpt as safe HTML paragraphs (as on the document page),
        the quote marked, and an ellipsis where the text goes on."""
        text = self.before + self.quote + self.after
        span = Span(len(self.before), len(self.before) + len(self.quote), claim_id)
        claim = _AnchoredClaim(span.claim_id, span.start, span.end)
        paragraphs = highlighted_paragraphs(text, [claim], anchors=False)
        if paragraphs and self.starts_mid_text:
            paragraphs[0] = mark_safe("\u2026" + paragraphs[0])
        if paragraphs and self.ends_mid_text:
            paragraphs[-1] = mark_safe(paragraphs[-1] + "\u2026")
        return paragraphs


@dataclass(frozen=True)
class _AnchoredClaim:
    pk: int
    start_offset: int
    end_offset: int
    anchor_problem: str = ""


def quote_in_context(body, start, end, *, chars=320):
    """The quoted passage with about ``chars`` characters of text either side,
    cut at white space so no word is broken."""
    before_start = max(0, start - chars)
    if before_start > 0:
        space = body.find(" ", before_start, start)
        before_start = space + 1 if space != -1 else before_start
    after_end = min(len(body), end + chars)
    if after_end < len(body):
        space = body.rfind(" ", end, after_end)
        after_end = space if space != -1 else after_end
    return Context(
        before=body[before_start:start],
        quote=body[start:end],
        after=body[end:after_end],
        starts_mid_text=before_start > 0,
        ends_mid_text=after_end < len(body),
    )
