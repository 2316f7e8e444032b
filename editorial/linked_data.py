"""schema.org JSON-LD for the public pages, built as plain dicts.

Templates embed them with the ``json_ld`` filter (``templatetags/site.py``),
which escapes like ``json_script`` so no stored text can close the script
element. Dates are ISO 8601 at their known precision ("2016", "2016-04").
"""

from .dates import iso_at_precision
from .models import Document, Policy

_DOCUMENT_TYPES = {
    Document.Kind.JOURNAL_ARTICLE: "ScholarlyArticle",
    Document.Kind.CHAPTER: "ScholarlyArticle",
    Document.Kind.BOOK: "Book",
}

# Only instruments that are legal acts are schema.org Legislation; a strategy,
# an agreement or an organisation is described as a plain CreativeWork.
_LEGISLATION = {Policy.Instrument.LAW, Policy.Instrument.CABINET_DECISION}


def _clean(data):
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _people(names):
    return [{"@type": "Person", "name": name} for name in names]


def document(doc, *, url):
    report = _DOCUMENT_TYPES.get(doc.kind, "Report") == "Report"
    data = {
        "@context": "https://schema.org",
        "@type": _DOCUMENT_TYPES.get(doc.kind, "Report"),
        "@id": url,
        "url": url,
        "name": doc.title,
        "headline": doc.title[:110],
        "author": _people(doc.author_list),
        "datePublished": iso_at_precision(doc.published_on, doc.published_precision),
        "publisher": _clean({"@type": "Organization", "name": doc.publisher})
        if doc.publisher
        else None,
        "isPartOf": _clean({"@type": "CreativeWorkSeries", "name": doc.series})
        if doc.series
        else None,
        "abstract": doc.abstract,
        "inLanguage": doc.language,
        "sameAs": doc.url,
    }
    if report:
        data["reportNumber"] = doc.identifier
    else:
        data["identifier"] = doc.identifier
    return _clean(data)


def claim(item, *, url, document_url):
    doc = item.document
    appearance = _clean(
        {
            "@type": _DOCUMENT_TYPES.get(doc.kind, "Report"),
            "url": f"{document_url}#claim-{item.pk}",
            "name": doc.title,
            "author": _people(doc.author_list),
            "datePublished": iso_at_precision(doc.published_on, doc.published_precision),
        }
    )
    return _clean(
        {
            "@context": "https://schema.org",
            "@type": "Claim",
            "@id": url,
            "url": url,
            "text": item.quote,
            "abstract": item.summary,
            "author": _people(doc.author_list),
            "appearance": appearance,
            "firstAppearance": appearance,
        }
    )


def policy(item, *, url, actors):
    date = iso_at_precision(item.adopted_on, item.adopted_precision)
    if item.instrument in _LEGISLATION:
        data = {
            "@type": "Legislation",
            "legislationType": item.get_instrument_display(),
            "legislationDate": date,
            "legislationJurisdiction": [
                {"@type": "AdministrativeArea", "name": actor.name} for actor in actors
            ],
        }
    else:
        data = {
            "@type": "CreativeWork",
            "genre": item.get_instrument_display(),
            "dateCreated": date,
        }
    return _clean(
        {
            "@context": "https://schema.org",
            "@id": url,
            "url": url,
            "name": item.title,
            "description": item.summary,
            "sameAs": item.url,
            **data,
        }
    )
