import pytest
from django.core.exceptions import ValidationError

from editorial import quotes
from editorial.models import Claim

from .factories import ClaimFactory, DocumentFactory

pytestmark = pytest.mark.django_db


def test_an_exact_quote_is_anchored_at_its_offsets():
    body = "Preamble. The alliance should deploy Aegis Ashore. Coda."
    anchor = quotes.anchor(body, "The alliance should deploy Aegis Ashore.")
    assert body[anchor.start : anchor.end] == "The alliance should deploy Aegis Ashore."


def test_white_space_typographic_quotes_and_dashes_are_normalised():
    body = "He called it \u201ca \u2018seamless\u2019\n\n   alliance\u201d \u2014 twice."
    anchor = quotes.anchor(body, "\"a 'seamless' alliance\" - twice.")
    assert body[anchor.start : anchor.end] == (
        "\u201ca \u2018seamless\u2019\n\n   alliance\u201d \u2014 twice."
    )


def test_a_missing_quote_names_the_closest_passage():
    body = "First part. Japan should create a space agency within the Ministry of Defense. End."
    with pytest.raises(quotes.QuoteNotFound) as caught:
        quotes.anchor(body, "Japan should create a space command within the Ministry of Defense")
    assert "Japan should create a space agency within the Ministry" in caught.value.closest
    assert "closest passage" in caught.value.message


def test_a_quote_sharing_nothing_with_the_text_says_so():
    with pytest.raises(quotes.QuoteNotFound) as caught:
        quotes.anchor("Completely unrelated text.", "zebra quantum hamster")
    assert caught.value.closest == ""
    assert "no similar passage" in caught.value.message


def test_a_repeated_quote_anchors_near_its_previous_position():
    body = "Alpha beta. Middle. Alpha beta."
    assert quotes.anchor(body, "Alpha beta.").start == 0
    assert quotes.anchor(body, "Alpha beta.", near=25).start == 20


def test_claim_clean_stores_the_offsets():
    claim = ClaimFactory()
    body = claim.document.body
    assert body[claim.start_offset : claim.end_offset] == claim.quote


def test_claim_clean_rejects_a_missing_quote_with_the_closest_passage():
    document = DocumentFactory()
    claim = Claim(
        document=document,
        quote="sign a Japan-South Korea General Security of Military Intelligence Agreement",
        summary="x",
    )
    with pytest.raises(ValidationError) as caught:
        claim.full_clean()
    message = " ".join(caught.value.message_dict["quote"])
    assert "does not occur" in message
    assert "General Security of Military Information Agreement" in message


def test_editing_the_document_moves_an_anchor_whose_words_are_still_there():
    claim = ClaimFactory()
    document = claim.document
    document.body = "A new opening paragraph.\n\n" + document.body
    document.save()
    claim.refresh_from_db()
    assert document.body[claim.start_offset : claim.end_offset] == claim.quote
    assert claim.anchor_problem == ""


def test_editing_the_document_flags_a_claim_whose_quote_is_gone():
    claim = ClaimFactory()
    before = (claim.start_offset, claim.end_offset)
    document = claim.document
    document.body = document.body.replace("Military Information", "Military Intelligence")
    document.save()
    claim.refresh_from_db()
    assert claim.needs_attention
    assert "closest passage" in claim.anchor_problem
    # Never silently moved to a look-alike passage: the old offsets stay.
    assert (claim.start_offset, claim.end_offset) == before


def test_a_flagged_claim_is_cleared_when_the_text_is_mended():
    claim = ClaimFactory()
    document = claim.document
    original = document.body
    document.body = original.replace("Military Information", "Military Intelligence")
    document.save()
    document.body = original
    document.save()
    claim.refresh_from_db()
    assert not claim.needs_attention
