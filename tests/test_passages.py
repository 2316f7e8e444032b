"""The document's text with claims highlighted in place, and quotes in context."""

import re
from html.parser import HTMLParser
from types import SimpleNamespace

from editorial.passages import highlighted_paragraphs, paragraph_spans, quote_in_context


def claim(pk, body, text, *, problem=""):
    start = body.index(text)
    return SimpleNamespace(
        pk=pk, start_offset=start, end_offset=start + len(text), anchor_problem=problem
    )


class Balance(HTMLParser):
    """Fails on crossed or unclosed elements; collects each mark's text by claim."""

    def __init__(self):
        super().__init__()
        self.stack, self.ids, self.text_by_claim = [], [], {}

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            return
        attrs = dict(attrs)
        self.stack.append((tag, attrs.get("data-claim")))
        if attrs.get("id"):
            self.ids.append(attrs["id"])

    def handle_endtag(self, tag):
        open_tag, _claim = self.stack.pop()
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"

    def handle_data(self, data):
        for _tag, claim_id in self.stack:
            if claim_id:
                self.text_by_claim[claim_id] = self.text_by_claim.get(claim_id, "") + data


def parse(paragraphs):
    parser = Balance()
    for paragraph in paragraphs:
        parser.feed(f"<p>{paragraph}</p>")
    assert parser.stack == []
    return parser


def test_paragraphs_are_split_at_blank_lines_keeping_offsets():
    body = "First para.\n\n  Second\nline.\n \n\nThird."
    spans = paragraph_spans(body)
    assert [body[a:b] for a, b in spans] == ["First para.", "Second\nline.", "Third."]


def test_each_claim_is_marked_in_place_with_its_anchor():
    body = "Intro text. The alliance should deploy Aegis Ashore. Outro."
    paragraphs = highlighted_paragraphs(body, [claim(7, body, "deploy Aegis Ashore")])
    assert paragraphs == [
        'Intro text. The alliance should <mark class="claim" id="claim-7" data-claim="7">'
        "deploy Aegis Ashore</mark>. Outro."
    ]


def test_the_text_is_escaped_and_line_breaks_kept():
    body = "A <script>alert(1)</script> & more\nnext line"
    [paragraph] = highlighted_paragraphs(body, [claim(1, body, "& more\nnext")])
    assert "<script>" not in paragraph
    assert "&lt;script&gt;" in paragraph
    assert "&amp; more<br>" in paragraph


def test_overlapping_claims_never_cross_and_each_keeps_its_whole_text():
    body = "one two three four five six seven"
    a = claim(1, body, "two three four")
    b = claim(2, body, "four five six")
    c = claim(3, body, "three")  # nested inside a
    parser = parse(highlighted_paragraphs(body, [a, b, c]))
    assert sorted(parser.ids) == ["claim-1", "claim-2", "claim-3"]
    assert parser.text_by_claim == {"1": "two three four", "2": "four five six", "3": "three"}


def test_identical_and_same_start_claims_each_get_an_anchor():
    body = "alpha beta gamma delta"
    claims = [claim(1, body, "beta gamma"), claim(2, body, "beta gamma"), claim(3, body, "beta")]
    parser = parse(highlighted_paragraphs(body, claims))
    assert sorted(parser.ids) == ["claim-1", "claim-2", "claim-3"]
    assert parser.text_by_claim["3"] == "beta"


def test_a_claim_across_paragraphs_is_anchored_once_and_continued():
    body = "First paragraph ends here.\n\nSecond paragraph starts here."
    spanning = claim(5, body, "ends here.\n\nSecond paragraph")
    paragraphs = highlighted_paragraphs(body, [spanning])
    assert len(paragraphs) == 2
    assert 'id="claim-5"' in paragraphs[0]
    assert 'id="claim-5"' not in paragraphs[1]
    assert 'class="claim claim-continued" data-claim="5">Second paragraph</mark>' in paragraphs[1]
    parse(paragraphs)


def test_claims_with_an_anchor_problem_or_stale_offsets_are_not_highlighted():
    body = "Some text about cyber defense and space."
    flagged = claim(1, body, "cyber defense", problem="The quote no longer occurs.")
    stale = SimpleNamespace(pk=2, start_offset=30, end_offset=400, anchor_problem="")
    [paragraph] = highlighted_paragraphs(body, [flagged, stale])
    assert "<mark" not in paragraph


def test_many_claims_render_balanced_markup():
    sentences = [f"Sentence number {i} is here." for i in range(300)]
    body = " ".join(sentences)
    claims = [claim(i, body, s) for i, s in enumerate(sentences)]
    claims.append(claim(999, body, "Sentence number 10 is here. Sentence number 11"))
    parser = parse(highlighted_paragraphs(body, claims))
    assert len(parser.ids) == 301
    assert parser.text_by_claim["999"] == "Sentence number 10 is here. Sentence number 11"


def test_quote_in_context_cuts_at_word_boundaries():
    body = "word " * 200 + "THE QUOTE" + " tail" * 200
    start = body.index("THE QUOTE")
    context = quote_in_context(body, start, start + len("THE QUOTE"), chars=50)
    assert context.quote == "THE QUOTE"
    assert context.starts_mid_text and context.ends_mid_text
    assert re.fullmatch(r"(word )+", context.before)
    assert re.fullmatch(r"( tail)+", context.after)
    assert len(context.before) <= 50 and len(context.after) <= 50


def test_quote_in_context_at_the_edges_of_the_text():
    body = "THE QUOTE and then a little more."
    context = quote_in_context(body, 0, 9)
    assert context.before == ""
    assert not context.starts_mid_text
    assert not context.ends_mid_text
    assert context.after == " and then a little more."


def test_a_context_keeps_its_paragraphs_and_marks_the_quote_without_an_anchor():
    body = "Before text here.\n\nThe quote starts here\n\nand ends here. After text."
    start = body.index("The quote")
    end = body.index(" After")
    paragraphs = quote_in_context(body, start, end, chars=8).paragraphs(42)
    parser = parse(paragraphs)
    assert parser.ids == []
    assert parser.text_by_claim == {"42": "The quote starts hereand ends here."}
    assert paragraphs[0].startswith("\u2026")
    assert paragraphs[-1].endswith("\u2026")
