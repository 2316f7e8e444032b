"""Citation downloads parse with real parsers and give the date at its precision."""

import datetime
import json
from pathlib import Path

import bibtexparser
import citeproc
import jsonschema
import pytest
import rispy
from bibtexparser import middlewares
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from django.urls import reverse

from editorial import citations

from .factories import DocumentFactory

pytestmark = pytest.mark.django_db

TRICKY_TITLE = 'Costs & Benefits: 100% of {Aegis} #1 "Ashore" under_score'


@pytest.fixture
def report():
    return DocumentFactory(
        title=TRICKY_TITLE,
        slug="hoff-2016-next-steps",
        authors="Rachel Hoff\nIan E. Rinehart\nCongressional Research Service",
        publisher="Sasakawa Peace Foundation USA",
        series="Sasakawa USA Forum",
        identifier="Issue No. 3",
        kind="paper",
        published_on=datetime.date(2016, 1, 1),
        published_precision="year",
        url="https://example.org/hoff.pdf",
        abstract="In recent years, the alliance has grown.",
    )


def download(client, document, fmt):
    response = client.get(
        reverse("editorial:document-citation", kwargs={"slug": document.slug, "fmt": fmt})
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response


def parse_bibtex(text, *, names=False):
    """The one entry of ``text`` and its fields, LaTeX decoded; with ``names``,
    authors split into name parts instead (braces kept, as BibTeX reads them)."""
    steps = (
        [middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
        if names
        else [middlewares.LatexDecodingMiddleware()]
    )
    library = bibtexparser.parse_string(text, append_middleware=steps)
    assert library.failed_blocks == []
    [entry] = library.entries
    return entry, {field.key: field.value for field in entry.fields}


def test_bibtex_parses_and_survives_special_characters(client, report):
    response = download(client, report, "bibtex")
    assert response["Content-Type"].startswith("application/x-bibtex")
    entry, fields = parse_bibtex(response.content.decode())
    assert entry.entry_type == "techreport"
    assert entry.key == "hoff-2016-next-steps"
    # The title decodes back to exactly what was stored (braces protect case).
    assert fields["title"].removeprefix("{").removesuffix("}") == TRICKY_TITLE
    _entry, named = parse_bibtex(response.content.decode(), names=True)
    assert [(a.last, a.first) for a in named["author"]] == [
        (["Hoff"], ["Rachel"]),
        (["Rinehart"], ["Ian", "E."]),
        (["{Congressional Research Service}"], []),  # braced: an organisation, kept whole
    ]
    assert fields["institution"] == "Sasakawa Peace Foundation USA"
    assert fields["number"] == "Issue No. 3"


@pytest.mark.parametrize(
    ("date", "precision", "expected"),
    [
        (datetime.date(2016, 1, 1), "year", {"year": "2016", "date": "2016"}),
        (datetime.date(2022, 12, 1), "month", {"year": "2022", "month": "dec", "date": "2022-12"}),
        (
            datetime.date(2015, 4, 28),
            "day",
            {"year": "2015", "month": "apr", "date": "2015-04-28"},
        ),
    ],
)
def test_bibtex_gives_the_date_at_its_precision(date, precision, expected):
    document = DocumentFactory(published_on=date, published_precision=precision)
    _entry, fields = parse_bibtex(citations.bibtex(document))
    assert {key: fields[key] for key in ("year", "month", "date") if key in fields} == expected


def test_bibtex_entry_types_follow_the_kind():
    kinds = {"journal_article": "article", "book": "book", "report": "techreport"}
    for kind, entry_type in kinds.items():
        entry, _ = parse_bibtex(citations.bibtex(DocumentFactory(kind=kind, series="S")))
        assert entry.entry_type == entry_type


def test_ris_parses_with_the_date_at_its_precision(client, report):
    response = download(client, report, "ris")
    text = response.content.decode()
    assert text.startswith("TY  - RPRT\r\n")
    assert text.endswith("ER  - \r\n")
    [record] = rispy.loads(text)
    assert record["type_of_reference"] == "RPRT"
    assert record["title"] == TRICKY_TITLE
    assert record["authors"] == [
        "Hoff, Rachel",
        "Rinehart, Ian E.",
        "Congressional Research Service",
    ]
    assert record["year"] == "2016"
    assert record["date"] == "2016///"
    assert record["publisher"] == "Sasakawa Peace Foundation USA"
    assert record["urls"] == ["https://example.org/hoff.pdf"]


@pytest.mark.parametrize(
    ("date", "precision", "ris_date"),
    [
        (datetime.date(2022, 12, 1), "month", "2022/12//"),
        (datetime.date(2015, 4, 28), "day", "2015/04/28/"),
    ],
)
def test_ris_dates_at_month_and_day_precision(date, precision, ris_date):
    [record] = rispy.loads(
        citations.ris(DocumentFactory(published_on=date, published_precision=precision))
    )
    assert record["date"] == ris_date


# The part of the CSL-JSON 1.0 schema (csl-data.json) that our items use,
# written out here because no installable package ships the schema file.
CSL_TYPES = [
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing",
    "interview", "legal_case", "legislation", "manuscript", "map", "motion_picture",
    "musical_score", "pamphlet", "paper-conference", "patent", "performance", "periodical",
    "personal_communication", "post", "post-weblog", "regulation", "report", "review",
    "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
]  # fmt: skip
NAME = {
    "type": "object",
    "properties": {
        "family": {"type": "string"},
        "given": {"type": "string"},
        "literal": {"type": "string"},
    },
    "additionalProperties": False,
}
DATE = {
    "type": "object",
    "properties": {
        "date-parts": {
            "type": "array",
            "items": {
                "type": "array",
                "items": {"type": ["string", "number"]},
                "minItems": 1,
                "maxItems": 3,
            },
            "minItems": 1,
            "maxItems": 2,
        }
    },
    "additionalProperties": False,
}
STRING_VARIABLES = [
    "title", "publisher", "URL", "abstract", "language", "container-title",
    "collection-title", "number", "issue",
]  # fmt: skip
CSL_DATA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": ["string", "number"]},
            "type": {"type": "string", "enum": CSL_TYPES},
            "author": {"type": "array", "items": NAME},
            "issued": DATE,
            **{name: {"type": "string"} for name in STRING_VARIABLES},
        },
        "required": ["type", "id"],
        "additionalProperties": False,
    },
}


def test_csl_json_validates_and_renders_with_a_csl_processor(client, report):
    response = download(client, report, "csl-json")
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    data = json.loads(response.content)
    jsonschema.validate(data, CSL_DATA)
    [item] = data
    assert item["type"] == "report"
    assert item["issued"] == {"date-parts": [[2016]]}
    assert item["author"][0] == {"family": "Hoff", "given": "Rachel"}
    assert item["author"][2] == {"literal": "Congressional Research Service"}

    # A real CSL processor reads it and formats a bibliography entry.
    style_path = Path(citeproc.__file__).parent / "data" / "styles" / "harvard-cite-them-right.csl"
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(str(style_path), validate=False), CiteProcJSON(data), formatter.plain
    )
    bibliography.register(Citation([CitationItem(item["id"])]))
    [entry] = [str(text) for text in bibliography.bibliography()]
    assert "Hoff, R." in entry
    assert "(2016)" in entry
    assert "Aegis" in entry


@pytest.mark.parametrize(
    ("date", "precision", "parts"),
    [
        (datetime.date(2016, 1, 1), "year", [[2016]]),
        (datetime.date(2022, 12, 1), "month", [[2022, 12]]),
        (datetime.date(2015, 4, 28), "day", [[2015, 4, 28]]),
    ],
)
def test_csl_json_date_parts_stop_at_the_known_precision(date, precision, parts):
    document = DocumentFactory(published_on=date, published_precision=precision)
    [item] = json.loads(citations.csl_json(document))
    jsonschema.validate([item], CSL_DATA)
    assert item["issued"]["date-parts"] == parts


def test_citation_of_an_unpublished_document_or_unknown_format_is_404(client, report):
    url = reverse("editorial:document-citation", kwargs={"slug": report.slug, "fmt": "endnote"})
    assert client.get(url).status_code == 404
    draft = DocumentFactory(state="draft")
    url = reverse("editorial:document-citation", kwargs={"slug": draft.slug, "fmt": "bibtex"})
    assert client.get(url).status_code == 404


def test_highwire_tags_name_each_author_and_the_date_at_precision(report):
    tags = citations.highwire_tags(report, absolute_url="https://x.test/documents/a/")
    assert ("citation_author", "Rachel Hoff") in tags
    assert ("citation_author", "Ian E. Rinehart") in tags
    assert ("citation_publication_date", "2016") in tags
    assert ("citation_technical_report_number", "Issue No. 3") in tags
    assert ("citation_technical_report_institution", "Sasakawa Peace Foundation USA") in tags
    month = DocumentFactory(published_on=datetime.date(2022, 12, 1), published_precision="month")
    assert ("citation_publication_date", "2022/12") in citations.highwire_tags(
        month, absolute_url="https://x.test/"
    )


def test_a_citation_answers_head_as_every_page_does_and_refuses_writes(client, report):
    url = reverse("editorial:document-citation", kwargs={"slug": report.slug, "fmt": "ris"})
    response = client.head(url)
    assert response.status_code == 200
    assert response["Content-Type"] == client.get(url)["Content-Type"]
    assert client.post(url).status_code == 405
