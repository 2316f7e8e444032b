import random
import string
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from editorial import search
from editorial.models import Claim, Document
from editorial.search import QueryTooLong, add_snippets, clean_query, filter_search

from .factories import ClaimFactory, DocumentFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search (run in CI)"
)


@pytest.fixture
def claims():
    aegis = ClaimFactory(
        quote="a land-based missile defense system, like Aegis Ashore", summary="Deploy it."
    )
    gsomia = ClaimFactory()
    space = ClaimFactory(
        quote="creation of a Japanese space agency within the Ministry of Defense",
        summary="Japan needs a military space agency.",
    )
    return aegis, gsomia, space


def test_search_finds_by_words_in_the_quote(claims):
    aegis, _, _ = claims
    assert list(filter_search(Claim.objects.all(), "Aegis Ashore")) == [aegis]


def test_search_with_an_empty_query_matches_everything(claims):
    assert filter_search(Claim.objects.all(), "  ").count() == 3


def test_search_for_nothing_known_is_empty(claims):
    assert not filter_search(Claim.objects.all(), "zeppelin").exists()


def test_control_characters_are_dropped_and_long_queries_refused():
    assert clean_query("aegis\x00ashore") == "aegis ashore"
    with pytest.raises(QueryTooLong):
        clean_query("x" * 201)


def test_snippets_mark_the_matches_and_escape_the_text():
    document = DocumentFactory(body="Intro <script>alert(1)</script> about Aegis Ashore radars.")
    [result] = add_snippets(filter_search(Document.objects.all(), "Aegis"), "Aegis")
    assert "<mark>Aegis</mark>" in result.snippet
    assert "<script>" not in result.snippet
    assert document.pk == result.pk


def test_headings_are_shown_whole_with_every_match_marked():
    """A row may match by its heading (a title; a claim's summary) alone: its
    snippet, cut from another field, cannot show that, its heading does."""
    document = DocumentFactory(title="Aegis & the <Ashore> question", body="Radars in Akita.")
    claim = ClaimFactory(
        document=document, summary="Aegis Ashore, or Aegis at sea?", quote="Radars in Akita."
    )
    [found_document] = add_snippets(filter_search(Document.objects.all(), "aegis"), "aegis")
    assert found_document.pk == document.pk
    assert found_document.heading == "<mark>Aegis</mark> &amp; the &lt;Ashore&gt; question"
    assert "<mark>" not in found_document.snippet
    [found_claim] = add_snippets(filter_search(Claim.objects.all(), "aegis"), "aegis")
    assert found_claim.pk == claim.pk
    assert found_claim.heading == "<mark>Aegis</mark> Ashore, or <mark>Aegis</mark> at sea?"


@postgres_only
def test_drafts_take_no_place_among_the_ranked_matches(monkeypatch):
    from editorial import search

    quote = "a land-based missile defense system, like Aegis Ashore"
    published = {ClaimFactory(quote=quote, summary=f"published #{n}") for n in range(3)}
    for n in range(4):  # the newest, which a broad search takes first
        ClaimFactory(quote=quote, summary=f"draft #{n}", state="draft")
    monkeypatch.setattr(search, "CANDIDATES", 2)
    ranked = list(filter_search(Claim.objects.published(), "aegis"))
    assert len(ranked) == 2
    assert set(ranked) <= published
    assert search.is_capped(Claim, len(ranked))
    monkeypatch.setattr(search, "CANDIDATES", 3)
    assert set(filter_search(Claim.objects.published(), "aegis")) == published


@postgres_only
def test_a_snippet_shows_the_match_wherever_it_lies_in_a_long_text(monkeypatch):
    from editorial import search

    filler = "The alliance met again to discuss burden sharing. " * 400  # ~20,000 characters
    early = DocumentFactory(body="Aegis Ashore radars first. " + filler)
    late = DocumentFactory(body=filler + "Only here: Aegis Ashore radars.")
    assert len(late.body) > 2 * search.HEADLINE_WINDOW
    results = add_snippets(filter_search(Document.objects.all(), "Aegis"), "Aegis")
    snippets = {r.pk: str(r.snippet) for r in results}
    assert "<mark>Aegis</mark>" in snippets[early.pk]
    assert "<mark>Aegis</mark>" in snippets[late.pk]
    assert "Only here" in snippets[late.pk]


@postgres_only
def test_a_word_cut_at_the_edge_of_the_snippet_window_is_no_match():
    from editorial import search

    words = "The alliance met again. "
    head = (words * (search.HEADLINE_WINDOW // len(words) + 1))[: search.HEADLINE_WINDOW - 5] + " "
    document = DocumentFactory(body=head + "partisan debate. Later the real part came.")
    assert document.body[search.HEADLINE_WINDOW - 4 : search.HEADLINE_WINDOW] == "part"
    [result] = add_snippets(filter_search(Document.objects.filter(pk=document.pk), "part"), "part")
    assert "real <mark>part</mark>" in result.snippet
    assert "<mark>partisan" not in result.snippet


FILLER = "The alliance met again to discuss burden sharing. "  # no query's word


def _snippet(document, q):
    """``document``'s snippet for ``q``, as a list cuts it (``add_snippets``)
    and as the search page's overview does: the same statement's, with its
    parameters bound by the client in one and by the server (prepared) in
    the other."""
    [result] = add_snippets(filter_search(Document.objects.filter(pk=document.pk), q), q)
    _total, shown = search.overview(q, per_kind=5)["documents"]
    assert [(row.pk, row.snippet) for row in shown] == [(document.pk, result.snippet)]
    return str(result.snippet)


@postgres_only
def test_a_match_past_the_first_window_is_shown_from_around_the_first_one():
    from editorial import search

    document = DocumentFactory(
        body=FILLER * 100
        + "The Korean War came first. "  # "Korean" is not "Korea"
        + FILLER * 60
        + "Later Korea signed the agreement. "
        + FILLER * 100
        + "At the very end Korea appears again."
    )
    assert document.body.index("Later Korea") > search.HEADLINE_WINDOW
    snippet = _snippet(document, "korea")
    assert "<mark>Korea</mark> signed" in snippet
    # Cut from a window around the first match, not from the whole text,
    # whose headline would show the last one too.
    assert "very end" not in snippet
    assert "<mark>Korean" not in snippet


@postgres_only
@pytest.mark.parametrize(
    "words, q, marked",
    [
        ("new defense policies were adopted", "policy", "policies"),  # stemmed polici
        ("a dying alliance", "dying", "dying"),  # stemmed die: the whole text is read
        ("a missile defense system", "missile defense", "missile"),  # both: the whole text
        ("F-35 (c++) [fighters] cost $100", "F-35 c++ [fighters]", "fighters"),
        ("Japan acts alone", "japan -korea", "Japan"),
        ("the Aegis Ashore system", "zeppelin or aegis", "Aegis"),
    ],
)
def test_a_match_past_the_first_window_is_marked_however_it_is_spelled(words, q, marked):
    body = FILLER * 100 + words + " " + FILLER * 100 + " the defense of it."
    document = DocumentFactory(body=body)
    assert f"<mark>{marked}</mark>" in _snippet(document, q)


@postgres_only
@pytest.mark.parametrize("q", ["missile defense", '"missile defense"'])
def test_words_asked_for_together_are_shown_where_they_meet(q):
    # Past the first window, "defense" alone first, then both together: the
    # snippet is cut from around the meeting, not from around the first
    # word (which shows no match), nor from the whole text (whose headline
    # would show the end).
    document = DocumentFactory(
        body=FILLER * 100
        + "A defense budget. "
        + FILLER * 60
        + "Then a missile defense system came. "
        + FILLER * 100
        + "At the very end, missile defense again."
    )
    snippet = _snippet(document, q)
    assert "<mark>missile</mark> <mark>defense</mark> system" in snippet
    assert "very end" not in snippet


@postgres_only
def test_words_asked_for_together_not_met_near_the_last_one_are_found_in_the_whole_text():
    # "missile" alone, then "defense" alone (where the near window is cut:
    # the last of the words to be found), then both together far past it:
    # no window shows a match, the whole text's headline does.
    short = "We met. " * 150  # short words: a window's first 35 hold no query word
    document = DocumentFactory(
        body=short + "A missile. " + short + "A defense. " + short + "A missile defense system. "
    )
    assert "<mark>missile</mark> <mark>defense</mark> system" in _snippet(
        document, "missile defense"
    )


@postgres_only
@pytest.mark.parametrize("q", ["space agency", '"outer space" agency'])
def test_words_asked_for_together_that_never_meet_are_shown_where_one_is(q):
    # "agency" alone, then "space" alone far past it (where the near window
    # is cut), never together: no headline of both can be made, and the whole
    # text's shows its first words, none of them marked. The near window is
    # shown instead, with whichever of the words it holds marked.
    document = DocumentFactory(
        body=FILLER * 100
        + "The Defense Agency was founded. "
        + FILLER * 200
        + "Then came outer space. "
        + FILLER * 100
    )
    snippet = _snippet(document, q)
    assert "came" in snippet and "<mark>space</mark>" in snippet
    assert "<mark>Agency</mark>" not in snippet  # not in that window


@postgres_only
def test_a_claim_whose_text_is_unchanged_is_not_measured_again():
    claim = Claim.objects.get(pk=ClaimFactory().pk)
    measured = "pg_column_size"
    with CaptureQueriesContext(connection) as captured:
        claim.summary = claim.summary  # a form sets every field
        claim.full_clean()
    assert not any(measured in query["sql"] for query in captured)
    with CaptureQueriesContext(connection) as captured:
        claim.summary = "Another summary."
        claim.full_clean()
    assert any(measured in query["sql"] for query in captured)


def test_websearch_syntax_on_either_database(claims):
    # The hint on the search page promises it; the SQLite fallback keeps it.
    aegis, gsomia, space = claims
    qs = Claim.objects.all()
    assert set(filter_search(qs, '"missile defense"')) == {aegis}
    assert set(filter_search(qs, '"defense missile"')) == set()
    assert set(filter_search(qs, "agency or aegis")) == {aegis, space}
    assert set(filter_search(qs, "japan -korea")) == {space}
    assert set(filter_search(qs, 'japan -"south korea"')) == {space}
    assert set(filter_search(qs, "aegis ashore or space agency")) == {aegis, space}
    assert set(filter_search(qs, "japan or")) == {gsomia, space}


@pytest.mark.parametrize(
    "text, words, shown",
    [
        # Each word alone first, then near each other, then together: shown
        # where they are closest.
        (
            "Outer space first. "
            + "We met. " * 40
            + "The Defense Agency then. "
            + "We met. " * 40
            + "Space assets for early warning, positioning, navigation and communication"
            + " as crucial elements of coordination. Japan would benefit from the creation"
            + " of a Japanese space agency at last. "
            + "We met. " * 40,
            ["space", "agency"],
            "Japanese <mark>space</mark> <mark>agency</mark> at last",
        ),
        # One word found only, twice close by, then again: from the first.
        (
            "We met. " * 30
            + "Outer space. "
            + "We met. " * 15
            + "Inner space. "
            + "We met. " * 40
            + "Space again.",
            ["space", "agency"],
            "Outer <mark>space</mark>",
        ),
        # Never together: from the first found, as for one word.
        (
            "We met. " * 30 + "The Defense Agency then. " + "We met. " * 40 + "Outer space.",
            ["space", "agency"],
            "Defense <mark>Agency</mark> then",
        ),
        (
            "We met. " * 30 + "Outer space. " + "We met. " * 40,
            ["SPACE"],
            "Outer <mark>space</mark>",
        ),
        ("Nothing to find here.", ["space", "agency"], "Nothing to find here."),
    ],
)
def test_the_fallbacks_snippet_starts_where_the_most_words_are_found_together(text, words, shown):
    """SQLite's snippets (``make run``): PostgreSQL's ts_headline, which
    shows words asked for together where they meet, is not there."""
    snippet = str(search._fallback_snippet(text, words, 35))
    assert shown in snippet
    assert snippet.startswith("\u2026 ") == (shown != "Nothing to find here.")


@postgres_only
def test_title_matches_rank_above_body_matches():
    in_body = DocumentFactory(title="Other", body="Aegis Ashore is mentioned once here.")
    in_title = DocumentFactory(title="Aegis Ashore in Japan", body="Nothing else.")
    assert list(filter_search(Document.objects.all(), "aegis")) == [in_title, in_body]


@postgres_only
def test_papers_are_found_by_their_whole_text_and_ranked_by_their_start():
    from editorial import search

    filler = "The alliance met again to discuss burden sharing. " * 120  # past the lead
    assert len(filler) > search.RANK_LEAD
    deep = DocumentFactory(title="Deep", body=filler + "Aegis Ashore radars. " * 10)
    lead = DocumentFactory(title="Lead", body="Aegis Ashore radars, once. " + filler)
    ranked = list(filter_search(Document.objects.all(), "aegis ashore"))
    assert ranked == [lead, deep]
    assert ranked[1].rank < ranked[0].rank
    # The rank's vector is the database's to keep: it follows an edit.
    deep.body = "Aegis Ashore radars. " * 10 + filler
    deep.save()
    assert list(filter_search(Document.objects.all(), "aegis ashore")) == [deep, lead]


@postgres_only
def test_a_papers_rank_vector_is_kept_in_its_row():
    """A search ranks up to a hundred papers by it: kept in the row
    (``MAIN``), it is not looked up in the TOAST table first (migration
    0011). The body and the whole text's vector stay ``EXTENDED``: moved
    out of a row that would be too large."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute"
            " WHERE attrelid = 'editorial_document'::regclass"
            " AND attname IN ('body', 'search_vector', 'rank_vector')"
        )
        storage = dict(cursor.fetchall())
    assert storage == {"body": "x", "search_vector": "x", "rank_vector": "m"}
    # A paper whose vectors are larger than a page together is still saved and found.
    words = random.Random(6)
    body = " ".join(
        "".join(words.choices(string.ascii_lowercase, k=words.randint(4, 9))) for _ in range(3000)
    )
    document = DocumentFactory(title="Kestrelwatch", body=body)
    assert list(filter_search(Document.objects.all(), "kestrelwatch")) == [document]


@postgres_only
def test_a_broad_query_ranks_a_bounded_number_of_matches(monkeypatch):
    from editorial import search

    for n in range(5):
        ClaimFactory(
            quote="a land-based missile defense system, like Aegis Ashore", summary=f"#{n}"
        )
    assert filter_search(Claim.objects.all(), "aegis").count() == 5
    monkeypatch.setattr(search, "CANDIDATES", 2)
    ranked = list(filter_search(Claim.objects.all(), "aegis"))
    assert len(ranked) == 2
    assert all("Aegis" in claim.quote for claim in ranked)
    assert ranked[0].rank >= ranked[1].rank


@postgres_only
def test_a_broad_query_ranks_its_newest_matches_best_first(monkeypatch):
    """Past the cap, the candidates are the newest matches, whatever order
    the table holds them in; among them the best match comes first."""
    from editorial import search

    quote = "a land-based missile defense system, like Aegis Ashore"
    claims = [ClaimFactory(quote=quote, summary=f"#{n}") for n in range(5)]
    # The oldest is the best match of all, and moved to the table's end (an
    # update writes a new row version there), where a scan would meet it last.
    best = claims[0]
    Claim.objects.filter(pk=best.pk).update(summary="Aegis Ashore: Aegis, Aegis")
    newest = claims[-2:]
    newest[0].summary = "Aegis Ashore, Aegis"  # the better of the two newest
    newest[0].save()
    assert filter_search(Claim.objects.all(), "aegis").first() == best
    monkeypatch.setattr(search, "CANDIDATES", 2)
    assert list(filter_search(Claim.objects.all(), "aegis")) == newest


@postgres_only
@pytest.mark.parametrize(
    "q",
    ["Japan", "missile defense", '"space agency" -korea', "nothing", "Japan's 100% c:\\missile"],
)
@pytest.mark.parametrize("cap", [None, 12])
def test_the_search_pages_overview_is_what_the_orm_ranks(q, cap, settings, monkeypatch):
    """On PostgreSQL the search page's overview is two statements
    (``search.overview``): the same totals, the same best rows in the same
    order, and the same snippets as ranking each kind with the ORM, past the
    candidate cap too (the same newest matches ranked)."""
    from editorial import search
    from editorial.models import Policy, Recommendation

    if cap:
        monkeypatch.setattr(search, "CANDIDATES", cap)
    from editorial.search import CANDIDATES, overview

    from .api_data import bulk_world, world
    from .factories import PolicyFactory, RecommendationFactory

    world()
    bulk_world(30)
    Document.objects.filter(slug="draft-paper").update(body="Japan missile defense")
    # Matches of every kind, ranked apart by how often and where they match.
    for i in range(8):
        words = " ".join(["Japan missile defense"] * (i % 3 + 1))
        RecommendationFactory(title=f"Plan {i}", summary=f"{words} in the space agency plan")
        PolicyFactory(title=f"Law {i} on Japan" if i % 2 else f"Law {i}", summary=words)
        ClaimFactory(
            quote="a land-based missile defense system" if i % 2 else "GSOMIA",
            summary=f"Claim {i}: " + " ".join(["Japan"] * (i % 4 + 1)),
        )
    RecommendationFactory(title="Hidden Japan", summary="missile defense", state="draft")
    found = overview(q, per_kind=5)
    models = {
        "recommendations": Recommendation,
        "documents": Document,
        "claims": Claim,
        "policies": Policy,
    }
    for kind, model in models.items():
        ranked = filter_search(model.objects.published(), q)
        expected = add_snippets(list(ranked[:5]), q)
        total, rows = found[kind]
        assert total == ranked.count() <= CANDIDATES
        assert [row.pk for row in rows] == [row.pk for row in expected], kind
        assert [row.snippet for row in rows] == [row.snippet for row in expected], kind
        assert [row.heading for row in rows] == [row.heading for row in expected], kind
        if kind == "claims":
            assert [r.document.title for r in rows] == [r.document.title for r in expected]
    if q in ("Japan", "missile defense"):
        assert all(found[kind][0] for kind in ("recommendations", "documents", "claims"))
    if q == "nothing":
        assert not any(found[kind][0] for kind in models)


# --- A claim's vector fits the index its matches are walked in (migration 0010) ---

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"


def _passage(length):
    """``length`` characters or so of a seed paper's text, cut at a word."""
    text = " ".join((CORPUS / "hoff-2016-next-steps.md").read_text(encoding="utf-8").split())
    return text[5000 : 5000 + length].rsplit(" ", 1)[0]


def _claim_quoting(quote, **kwargs):
    document = DocumentFactory(body=f"The paper begins. {quote} The paper ends.")
    return Claim(document=document, quote=quote, summary="A long passage.", **kwargs)


@postgres_only
def test_a_long_passage_of_ordinary_text_is_a_claim_like_any_other():
    claim = _claim_quoting(_passage(1900), state="published")
    claim.full_clean()
    claim.save()
    with connection.cursor() as cursor:
        # The stored vector's size as the check constraint sees it, before
        # the row is stored (which may compress it): a fresh copy's.
        cursor.execute(
            "SELECT pg_column_size(search_vector || ''::tsvector) FROM editorial_claim"
            " WHERE id = %s",
            [claim.pk],
        )
        stored = cursor.fetchone()[0]
    # What clean() measures is what the database stores.
    assert search.claim_vector_bytes(claim.summary, claim.quote) == stored
    assert 1800 < stored <= search.CLAIM_VECTOR_BYTES
    assert claim in filter_search(Claim.objects.published(), "Japan")


@postgres_only
@pytest.mark.parametrize(
    "quote",
    [
        _passage(3200),  # ordinary text
        " ".join(f"x{n:03d}" for n in range(300)),  # 1,500 characters of short, distinct words
    ],
)
def test_a_quote_whose_vector_would_not_fit_is_refused_with_a_message(quote):
    claim = _claim_quoting(quote)
    with pytest.raises(ValidationError) as caught:
        claim.full_clean()
    (message,) = caught.value.message_dict["quote"]
    assert "too long to be searched" in message
    assert f"the limit {search.CLAIM_VECTOR_BYTES:,}" in message


@postgres_only
def test_the_database_refuses_a_vector_that_would_not_fit():
    claim = ClaimFactory(state="draft")
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(quote=_passage(3200))
    assert "claim_vector_fits" in str(caught.value)


@postgres_only
def test_published_claims_are_walked_in_an_index_that_holds_their_vectors():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'claim_published_search'")
        (definition,) = cursor.fetchone()
        cursor.execute("SHOW random_page_cost")
        (page_cost,) = cursor.fetchone()
    assert definition.endswith(
        "USING btree (id) INCLUDE (document_id, search_vector)"
        " WHERE ((state)::text = 'published'::text)"
    )
    assert float(page_cost) == 1.1  # without it the planner walks the rows (settings)


@postgres_only
@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_the_planner_walks_claims_matches_in_the_index_that_holds_their_vectors():
    document = DocumentFactory()
    # As on the bench's corpus: one claim in five matches (400 of 100,000
    # walked in 2,031), too many to find them all and sort them.
    quotes = ["missile defense cooperation", *(f"burden sharing talk {n}" for n in range(4))]
    Claim.objects.bulk_create(
        Claim(
            document=document,
            quote=quotes[n % 5],
            summary=f"Claim {n}",
            start_offset=0,
            end_offset=10,
            state="published",
        )
        for n in range(20_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE editorial_claim, editorial_document")
        sql, params = search._ranked_statement(Claim.objects.published(), "missile")
        cursor.execute(f"EXPLAIN {sql} LIMIT 25", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan Backward using claim_published_search" in plan, plan


@postgres_only
def test_a_connection_remembers_the_searches_it_ran_the_newest_first(monkeypatch):
    monkeypatch.setattr(search, "SEARCHES_REMEMBERED", 3)
    monkeypatch.setattr(search, "_searches_run", __import__("weakref").WeakKeyDictionary())
    asked = [search.asked_before(page, "default") for page in ["a", "b", "a", "c", "d"]]
    assert asked == [False, False, True, False, False]
    # Kept: "a" (asked again after "b"), "c" and "d"; "b", the oldest, forgotten.
    assert [search.asked_before(page, "default") for page in ["a", "b", "d"]] == [
        True,
        False,
        True,
    ]
