"""How to cite a document: BibTeX, RIS and CSL-JSON downloads, and the
Highwire ``citation_*`` meta tags that reference managers (Zotero, Google
Scholar) read from the page.

Every format gives the publication date at its known precision and no more:
a document known to the year is cited with the year alone, never with a
made-up 1 January.
"""

import json
import re

from .dates import Precision, iso_at_precision
from .models import Document

Kind = Document.Kind

FORMATS = {
    # name in the URL: (content type, file extension, label)
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib", "BibTeX"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris", "RIS"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json", "CSL-JSON"),
}

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


# Words that mark an author line as an organisation, not a person: its name
# must stay whole ("Congressional Research Service", never "Service, C. R.").
_ORGANISATION_WORDS = {
    "agency", "association", "bureau", "center", "centre", "commission", "committee",
    "council", "department", "forum", "foundation", "government", "group", "institute",
    "institution", "ministry", "office", "program", "programme", "project", "research",
    "secretariat", "service", "society", "staff", "university",
}  # fmt: skip


def is_organisation(name):
    return any(word.lower().strip(".,") in _ORGANISATION_WORDS for word in name.split())


def name_parts(name):
    """``(family, given)`` of an author's name as printed ("Rachel Hoff",
    "Hoff, Rachel"); ``(name, "")`` for a single word or an organisation,
    which are never split."""
    name = " ".join(name.split())
    if is_organisation(name):
        return name, ""
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return family, given
    if " " not in name:
        return name, ""
    given, family = name.rsplit(" ", 1)
    return family, given


def _has_month(document):
    return document.published_precision in (Precision.MONTH, Precision.DAY)


# --- BibTeX -------------------------------------------------------------------

_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _bibtex_escape(text):
    text = " ".join(str(text).split())
    text = text.replace("\\", r"\textbackslash{}")
    text = _BIBTEX_SPECIAL.sub(r"\\\1", text)
    return text.replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}")


def _bibtex_name(name):
    family, given = name_parts(name)
    if not given or " and " in name:
        # One word, or a name that would read as two: keep it whole.
        return "{" + _bibtex_escape(name) + "}"
    return _bibtex_escape(f"{family}, {given}")


def _bibtex_type(document):
    if document.kind == Kind.JOURNAL_ARTICLE:
        return "article"
    if document.kind == Kind.BOOK:
        return "book"
    if document.kind == Kind.CHAPTER and document.series:
        return "incollection"
    if document.kind in (Kind.PAPER, Kind.REPORT, Kind.BRIEF):
        return "techreport"
    return "misc"


def bibtex(document):
    """One BibTeX entry (with the biblatex ``date`` field at its precision)."""
    entry_type = _bibtex_type(document)
    fields = []

    def add(name, value, *, raw=False):
        if value:
            fields.append((name, value if raw else "{" + _bibtex_escape(value) + "}"))

    authors = " and ".join(_bibtex_name(name) for name in document.author_list)
    if authors:
        fields.append(("author", "{" + authors + "}"))
    # Double braces keep the title's capitals (U.S.-Japan) as printed.
    fields.append(("title", "{{" + _bibtex_escape(document.title) + "}}"))
    if entry_type == "article":
        add("journal", document.series or document.publisher)
        add("number", document.identifier)
    elif entry_type == "techreport":
        add("institution", document.publisher)
        add("type", document.series)
        add("number", document.identifier)
    elif entry_type == "incollection":
        add("booktitle", document.series)
        add("publisher", document.publisher)
    else:
        add("publisher", document.publisher)
        add("series", document.series)
        add("number", document.identifier)
    fields.append(("year", str(document.published_on.year)))
    if _has_month(document):
        # The standard month macro (unbraced) that every style understands.
        fields.append(("month", _MONTHS[document.published_on.month - 1]))
    add("date", iso_at_precision(document.published_on, document.published_precision))
    add("url", document.url)
    add("language", document.language)
    add("abstract", document.abstract)
    key = re.sub(r"[^A-Za-z0-9_:-]", "", document.slug) or f"document{document.pk}"
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{entry_type}{{{key},\n{body}\n}}\n"


# --- RIS ----------------------------------------------------------------------

_RIS_TYPES = {
    Kind.JOURNAL_ARTICLE: "JOUR",
    Kind.BOOK: "BOOK",
    Kind.CHAPTER: "CHAP",
    Kind.TESTIMONY: "HEAR",
    Kind.PAPER: "RPRT",
    Kind.REPORT: "RPRT",
    Kind.BRIEF: "RPRT",
}


def _ris_date(document):
    """RIS ``DA`` is ``YYYY/MM/DD/`` with unknown parts left empty."""
    date, precision = document.published_on, document.published_precision
    if precision == Precision.YEAR:
        return f"{date.year:04d}///"
    if precision == Precision.MONTH:
        return f"{date.year:04d}/{date.month:02d}//"
    return f"{date.year:04d}/{date.month:02d}/{date.day:02d}/"


def ris(document):
    """One RIS record: ``TAG  - value`` lines, ending with ``ER  - ``."""
    ris_type = _RIS_TYPES.get(document.kind, "GEN")
    lines = [("TY", ris_type), ("TI", document.title)]
    for family, given in map(name_parts, document.author_list):
        lines.append(("AU", f"{family}, {given}" if given else family))
    lines.append(("PY", f"{document.published_on.year:04d}"))
    lines.append(("DA", _ris_date(document)))
    if ris_type == "JOUR":
        lines += [("T2", document.series), ("IS", document.identifier)]
    elif ris_type == "RPRT":
        lines += [("T3", document.series), ("SN", document.identifier)]
    else:
        lines += [("T2", document.series), ("M1", document.identifier)]
    lines += [
        ("PB", document.publisher),
        ("LA", document.language),
        ("UR", document.url),
        ("AB", document.abstract),
    ]
    text = "".join(f"{tag}  - {' '.join(str(value).split())}\r\n" for tag, value in lines if value)
    return text + "ER  - \r\n"


# --- CSL-JSON -------------------------------------------------------------------

_CSL_TYPES = {
    Kind.JOURNAL_ARTICLE: "article-journal",
    Kind.BOOK: "book",
    Kind.CHAPTER: "chapter",
    Kind.TESTIMONY: "hearing",
    Kind.PAPER: "report",
    Kind.REPORT: "report",
    Kind.BRIEF: "report",
}


def date_parts(date, precision):
    """CSL ``date-parts``: ``[[2016]]``, ``[[2016, 4]]`` or ``[[2015, 4, 28]]``."""
    parts = [date.year]
    if precision in (Precision.MONTH, Precision.DAY):
        parts.append(date.month)
    if precision == Precision.DAY:
        parts.append(date.day)
    return [parts]


def csl_item(document):
    """The CSL-JSON item (a dict) for ``document``."""
    csl_type = _CSL_TYPES.get(document.kind, "document")
    item = {
        "id": document.slug,
        "type": csl_type,
        "title": document.title,
        "author": [
            {"family": family, "given": given} if given else {"literal": family}
            for family, given in map(name_parts, document.author_list)
        ],
        "issued": {"date-parts": date_parts(document.published_on, document.published_precision)},
    }
    optional = {
        "publisher": document.publisher,
        "URL": document.url,
        "abstract": document.abstract,
        "language": document.language,
    }
    if csl_type == "article-journal":
        optional |= {"container-title": document.series, "issue": document.identifier}
    elif csl_type == "chapter":
        optional |= {"container-title": document.series, "number": document.identifier}
    else:
        optional |= {"collection-title": document.series, "number": document.identifier}
    item.update({key: value for key, value in optional.items() if value})
    return item


def csl_json(document):
    """A CSL-JSON file: a list holding the document's item."""
    return json.dumps([csl_item(document)], ensure_ascii=False, indent=2) + "\n"


RENDERERS = {"bibtex": bibtex, "ris": ris, "csl-json": csl_json}


# --- Meta tags ------------------------------------------------------------------


def highwire_date(document):
    """``citation_publication_date`` at precision: 2016, 2016/04, 2015/04/28."""
    return iso_at_precision(document.published_on, document.published_precision).replace("-", "/")


def highwire_tags(document, *, absolute_url):
    """``(name, content)`` pairs for the ``citation_*`` meta tags."""
    tags = [("citation_title", document.title)]
    tags += [("citation_author", author) for author in document.author_list]
    tags.append(("citation_publication_date", highwire_date(document)))
    if document.kind == Kind.JOURNAL_ARTICLE:
        tags += [
            ("citation_journal_title", document.series),
            ("citation_issue", document.identifier),
            ("citation_publisher", document.publisher),
        ]
    elif document.kind in (Kind.PAPER, Kind.REPORT, Kind.BRIEF):
        tags += [
            ("citation_technical_report_institution", document.publisher),
            ("citation_technical_report_number", document.identifier),
            ("citation_series_title", document.series),
            ("citation_publisher", document.publisher),
        ]
    elif document.kind == Kind.CHAPTER:
        tags += [
            ("citation_inbook_title", document.series),
            ("citation_publisher", document.publisher),
        ]
    else:
        tags += [
            ("citation_series_title", document.series),
            ("citation_publisher", document.publisher),
        ]
    tags += [
        ("citation_language", document.language),
        ("citation_abstract_html_url", absolute_url),
        ("citation_public_url", document.url),
    ]
    return [(name, content) for name, content in tags if content]
