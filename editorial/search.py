"""Full-text search: PostgreSQL FTS, with a plain fallback on SQLite.

On PostgreSQL every searchable table has a stored, generated ``search_vector``
column (weighted: titles A, summaries and authors B, long text D) with a GIN
index, created by migration ``0002_search_vectors``. The database keeps it up
to date on every insert and update, bulk ones included, so no application code
maintains it. The column is not a model field (SQLite has no tsvector); it is
reached through :class:`StoredVector`. Documents are ranked by a second,
smaller one, ``rank_vector`` (migration ``0008_document_rank_vector``): their
title, authors, abstract and the first RANK_LEAD characters of their text.

Queries use ``websearch_to_tsquery``: ``"exact phrase"``, ``-word`` and ``or``
work as on a web search engine. Ranked with ``ts_rank`` (weighted frequency:
a title's match outranks a body's). ``ts_rank_cd`` (cover density), used
before, cost four to seven times as much on the 100k-claim corpus (1.1 ms
against 0.3 for 400 recommendations, 0.8 against 0.1 for 400 claims).
A query that matches more than CANDIDATES rows of a kind ranks the newest
CANDIDATES of them (``filter_search``), so a search costs the same at any
size. Snippets, and each result's heading with the words found marked, come
from ``ts_headline``, computed only for the rows being shown.

On SQLite the fallback matches every word (case-insensitively, as a part of
any searchable field), in the list's usual order, and follows the same
syntax: a "quoted phrase" is matched whole, ``-word`` excludes, ``or`` joins
alternatives.
"""

import datetime
import functools
import html
import re
import weakref
from functools import reduce
from operator import or_

import orjson
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import BooleanField, F, FloatField, Func, Q, Value
from django.db.models.expressions import Expression
from django.utils.safestring import mark_safe
from psycopg.types.numeric import Int8

from .db import literal, prepared_cursor, written_in
from .models import Claim, Document, Policy, Recommendation
from .sqljson import PUBLISHED

CONFIG = "english"
MAX_QUERY_LENGTH = 200
# The most matches of one kind that a search ranks (PostgreSQL); see
# filter_search. Documents' vectors hold whole papers, so fewer of them.
# Measured on the 100k-claim corpus (bench/): ranking 1,000 claims took
# 11 ms of a 66 ms search page, 400 about a third of that. At 400 the search
# page (three of each kind) made 0.086 to 0.100 of the floor's requests a
# second, at 200 0.104 to 0.115 (the bench's "missile defense", interleaved
# runs on one host); its target is 0.1. Past the cap a search's ranking is a
# window on the newest matches, so a smaller one shows newer rows first: for
# 15 searches on that corpus the top three of a kind were the same at both
# caps in 35 of 60 cases.
CANDIDATES = 200

# model -> {weight: [fields]}; migration 0002 builds the stored columns from the same list.
WEIGHTS = {
    Document: {"A": ["title"], "B": ["authors", "abstract"], "D": ["body"]},
    Claim: {"A": ["summary"], "B": ["quote"]},
    Policy: {"A": ["title"], "B": ["summary"]},
    Recommendation: {"A": ["title"], "B": ["summary"]},
}

# The field whose text a result's snippet is cut from.
SNIPPET_FIELD = {Document: "body", Claim: "quote", Policy: "summary", Recommendation: "summary"}
# The field a result is headed by, shown whole with the query's words marked
# (``heading``): a row may match by its heading alone, which its snippet,
# cut from another field, would not show.
HEADING_FIELD = {Document: "title", Claim: "summary", Policy: "title", Recommendation: "title"}

_START, _STOP = "\x02", "\x03"  # never in stored text; replaced after escaping


class QueryTooLong(ValueError):
    pass


def clean_query(q):
    """Strip what no search needs (control characters, surrounding space).

    Raises :class:`QueryTooLong` past ``MAX_QUERY_LENGTH`` characters."""
    q = re.sub(r"[\x00-\x1f\x7f]", " ", q or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"The search is limited to {MAX_QUERY_LENGTH} characters.")
    return q


def is_postgres():
    return connection.vendor == "postgresql"


# The body's characters a document's rank reads (see rank_column).
RANK_LEAD = 3000


def rank_column(model):
    """The stored vector ``model``'s matches are ranked by. A document's whole
    text would make ranking a many-word query cost the product of its words'
    positions (2.1 ms for 100 papers and two words, 0.2 ms for one: bench/)."""
    return "rank_vector" if model is Document else "search_vector"


class StoredVector(Expression):
    """A stored vector column (``search_vector`` unless told) of the query's
    own table.

    Qualified with the alias the table has in the query being compiled, so it
    stays right inside a subquery (where Django renames the table ``U0``)."""

    output_field = SearchVectorField()

    def __init__(self, column="search_vector"):
        super().__init__()
        self.column = column

    def as_sql(self, compiler, connection):
        alias = compiler.query.base_table
        return f"{compiler.quote_name_unless_alias(alias)}.{self.column}", []


# Which matches a broad query ranks: the newest (the most recently added),
# by primary key. Before, it ranked whichever the scan met first, so the
# candidates depended on the plan PostgreSQL picked and on where rows lay in
# the table. Now they depend on the rows alone: every statement that ranks
# them (filter_search, ranked_ids, the search page's overview) and every
# count agree by construction, and a page does not shift when a plan does.
# The cost is about the same, not less: over ten queries on the 100k-claim
# corpus the claims' candidates took 24.1 ms against 25.5 ("missile
# defense" 0.87 against 1.75; "gray zone" 6.2 against 2.3, where PostgreSQL
# took 7,411 matches for 559 and sorted them all instead of walking the
# index), recommendations' 10.2 against 6.0 (pgbench, bench/ database).
NEWEST_FIRST = ("-pk",)


# A claim's candidates are walked, newest first, in an index of published
# claims' ids that holds each one's vector and document (migration 0010):
# the walk reads the index alone, not the rows (an index-only scan), and the
# API's claims searched for "missile defense" took 0.73 ms of walk against
# 1.7 (EXPLAIN ANALYZE, bench/ database). A B-tree entry holds at most 2,704
# bytes, so a claim's vector is kept within CLAIM_VECTOR_BYTES (a check
# constraint, mirrored in ``Claim.clean``): about 2,000 characters of
# ordinary text, quote and summary together; a quote is a passage, not a
# section. The planner takes that index only if it prices a page read as
# the data being in memory or on SSD (``random_page_cost``, settings).
CLAIM_VECTOR_BYTES = 2600


def claim_vector_bytes(summary, quote):
    """The size in bytes of the vector a claim with this ``summary`` and
    ``quote`` would have (its ``search_vector``, as migration 0002 makes it,
    uncompressed, as the check constraint measures it); None where there is
    no such vector (SQLite)."""
    if not is_postgres():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_size(setweight(to_tsvector(%s::regconfig, %s), 'A')"
            " || setweight(to_tsvector(%s::regconfig, %s), 'B'))",
            [CONFIG, summary or "", CONFIG, quote or ""],
        )
        return cursor.fetchone()[0]


def candidates_for(model):
    return CANDIDATES // 4 if model is Document else CANDIDATES


def is_capped(model, total):
    """Whether ``total`` matches of ``model`` may be fewer than there are
    (the candidate cap was reached): shown as "200+", not "200"."""
    return is_postgres() and total >= candidates_for(model)


def _tsquery(q):
    return SearchQuery(q, search_type="websearch", config=CONFIG)


def filter_search(queryset, q):
    """``queryset`` narrowed to matches of ``q`` and annotated with ``rank``.

    On PostgreSQL the result is ordered by rank (best first); callers that
    want another order may ``order_by()`` again. An empty ``q`` matches all.
    """
    q = clean_query(q)
    if not q:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    model = queryset.model
    if is_postgres():
        query = _tsquery(q)
        # Ranking reads every match's whole vector; a broad query can match
        # tens of thousands of rows. Rank at most CANDIDATES of them, the
        # newest (see NEWEST_FIRST), so a search costs the same at any size.
        # The candidates are drawn from ``queryset`` itself, so rows it leaves
        # out (drafts) take no place among them, and a total that reaches the
        # cap means there may be more (``is_capped``).
        candidates = _candidates(queryset, query).values("pk")[: candidates_for(model)]
        return _with_rank(queryset.filter(_among(candidates)), query).order_by("-rank", "pk")
    fields = [f for names in WEIGHTS[model].values() for f in names]
    alternatives = []
    for terms in _fallback_terms(q):
        condition = Q()
        for text, excluded in terms:
            found = reduce(or_, (Q(**{f"{field}__icontains": text}) for field in fields))
            condition &= ~found if excluded else found
        alternatives.append(condition)
    if not alternatives:
        return queryset.none()
    return queryset.filter(reduce(or_, alternatives)).annotate(
        rank=Value(0.0, output_field=FloatField())
    )


def _among(candidates):
    """``pk = ANY(ARRAY(candidates))``: the candidates' ids found once, then
    each row read by its key. Given ``pk__in`` instead, PostgreSQL may walk
    the whole primary key to meet them (the newest) in a list ordered by id:
    the API's claims searched for "missile" and ordered by id took 34 ms a
    request against 4.3 (median of 50, in-process, bench/ database)."""
    return Func(
        F("pk"),
        ArraySubquery(candidates),
        arg_joiner=" = ANY(",
        template="(%(expressions)s))",
        output_field=BooleanField(),
    )


def _candidates(queryset, query):
    """``queryset``'s matches of ``query``, the newest first (the order in
    which the capped ones are drawn)."""
    return (
        queryset.alias(search_vector=StoredVector())
        .filter(search_vector=query)
        .order_by(*NEWEST_FIRST)
    )


def _with_rank(queryset, query):
    """``queryset`` annotated with each row's ``rank`` for ``query``."""
    rank_vector = StoredVector(rank_column(queryset.model))
    return queryset.alias(rank_vector=rank_vector).annotate(
        rank=SearchRank(F("rank_vector"), query)
    )


def ranked_ids(queryset, q, *, offset, limit, shape=None):
    """The ids of the matches ``filter_search(queryset, q)`` gives from
    ``offset``, at most ``limit`` of them: the same rows in the same order
    (PostgreSQL, ``q`` not empty; the same candidates, see NEWEST_FIRST),
    in one pass over them.

    ``filter_search`` keeps the candidates' ids alone, then reads each of
    their rows again to rank it, joins and all (it is a queryset like any
    other, which callers filter, count and order further). Here the
    candidates are ranked as they are found and only the page's ids leave
    the statement: on the 100k-claim corpus a page of claims matching
    "missile defense" took 1.2 ms instead of 2.2-2.5, planning included
    (pgbench). Its plan must see the query's words: they are written into
    the statement (quoted by psycopg), which is then prepared from its second
    execution on a connection (``db.prepared_cursor``), planned for them; a
    generic plan, blind to them, made the search page's ranking of "missile
    defense" twelve times as dear (32.7 ms against 2.7, bench/ database). A
    search asked for again skips its planning: 0.74 ms against 1.0 for a page
    of claims matching "missile defense" (pgbench); another costs what it did.

    ``shape`` (hashable), if given, says that ``queryset`` is the same for
    every call with that shape (a list searched and not otherwise
    filtered): its statement is then compiled and written out once per
    process, with a stand-in for the query's words, which each search
    replaces with its own."""
    return _page_of(ranked_sql(queryset, q, shape=shape), offset, limit, queryset.db)


def _page_of(sql, offset, limit, using):
    """The ids ``sql`` (``ranked_sql``, or None: nothing) gives, ``limit`` from ``offset``."""
    if sql is None:
        return []
    with prepared_cursor(using) as cursor:
        cursor.execute(f"{sql} LIMIT {int(limit)} OFFSET {int(offset)}", {})
        return [row[0] for row in cursor.fetchall()]


def ranked_sql(queryset, q, *, shape=None):
    """``ranked_ids``' statement, without its limits: the ids of every
    candidate, best first, written out (``db.written_in``: to run with
    ``db.prepared_cursor`` or to embed in such a statement, which then
    applies the limits); None if ``queryset`` is known to match nothing."""
    q = clean_query(q)
    if shape is None:
        compiled = _ranked_statement(queryset, q)
        if compiled is EmptyResultSet:
            return None
        return written_in(*compiled, queryset.db)
    key = (shape, queryset.db, candidates_for(queryset.model))
    written = _ranked_statements.get(key)
    if written is None:
        written = _ranked_statements[key] = _written_for_any_query(queryset)
    if written is EmptyResultSet:
        return None
    sql, anywhere = written
    return sql.replace(anywhere, literal(q, queryset.db))


# Stands for the query's words in a statement written once for any of
# them: a cleaned query never holds a control character (clean_query).
_ANY_QUERY = "\x01"
_ranked_statements = {}


def _written_for_any_query(queryset):
    """``(sql, stand_in)``: ``ranked_ids``' statement for ``queryset``
    written out (``db.written_in``) with ``_ANY_QUERY`` for the query's
    words, and that literal as it is written there, for each search to put
    its own in its place; ``EmptyResultSet`` if ``queryset`` matches
    nothing. Written out per request, the whole statement was quoted and
    parsed again by psycopg: the API's claims searched for "missile
    defense" took 3.55 million instructions a request against 3.64 (callgrind,
    in-process)."""
    compiled = _ranked_statement(queryset, _ANY_QUERY)
    if compiled is EmptyResultSet:
        return EmptyResultSet
    sql, stand_in = written_in(*compiled, queryset.db), literal(_ANY_QUERY, queryset.db)
    # The words are in it (in the match and the rank), and nothing else reads so.
    if not sql.count(stand_in) == compiled[1].count(_ANY_QUERY) > 0:
        raise RuntimeError(f"The query's stand-in is not where its words go: {sql}")
    return sql, stand_in


def _ranked_statement(queryset, q):
    """``(sql, params)`` of ``ranked_ids``' statement, without its limits;
    ``EmptyResultSet`` if ``queryset`` is known to match nothing."""
    query = _tsquery(q)
    found = _with_rank(_candidates(queryset, query), query).values_list("pk", "rank")[
        : candidates_for(queryset.model)
    ]
    try:
        sql, params = found.query.get_compiler(found.db).as_sql()
    except EmptyResultSet:
        return EmptyResultSet
    return f"SELECT id FROM ({sql}) AS found(id, rank) ORDER BY rank DESC, id", list(params)


class RankedMatches:
    """The matches of ``q`` among ``queryset``, in ``filter_search``'s order,
    as a paginator takes them: :meth:`count` counts them (what
    ``filter_search(queryset, q).count()`` gives), and a slice is that
    page (a :class:`RankedPage` of ``ranked_ids``, given ``shape``). Nothing
    is built or run before it is asked for: a list whose count is cached
    builds no ``filter_search`` query."""

    def __init__(self, queryset, q, *, shape=None):
        self.queryset, self.q, self.shape = queryset, q, shape

    def count(self):
        return filter_search(self.queryset, self.q).order_by().count()

    def __getitem__(self, page):
        if not isinstance(page, slice) or page.step not in (None, 1):
            raise TypeError("RankedMatches takes a slice (a page), not an index.")
        offset = page.start or 0
        if page.stop is None or page.stop <= offset:
            return []
        return RankedPage(self, offset, page.stop - offset)


class RankedPage:
    """A page of :class:`RankedMatches`, ``limit`` ids from ``offset``, not
    yet read: iterating it reads them (``ranked_ids``). A statement that
    composes the page's items can instead take :attr:`sql` and read the ids
    itself (``api.payloads``, for a search asked for before): one round
    trip, not two, and no list of ids sent back."""

    def __init__(self, matches, offset, limit):
        self.matches, self.offset, self.limit = matches, offset, limit
        self.db = matches.queryset.db

    @functools.cached_property
    def sql(self):
        """``ranked_sql``: every match's id, best first, without the page's limits."""
        return ranked_sql(self.matches.queryset, self.matches.q, shape=self.matches.shape)

    @functools.cached_property
    def _ids(self):
        return _page_of(self.sql, self.offset, self.limit, self.db)

    def __iter__(self):
        return iter(self._ids)

    def __len__(self):
        return len(self._ids)


# How many searches' statements a connection remembers running (as many as
# psycopg keeps prepared on it: its ``prepared_max``).
SEARCHES_REMEMBERED = 100
_searches_run = weakref.WeakKeyDictionary()  # psycopg connection: {page: None}, oldest first


def asked_before(page, using):
    """Whether the page of a search ``page`` names (hashable: its statement,
    ``ranked_sql``, and limits) was read on this database connection before;
    it has now.

    A searched page of the API's reads its ids with the ranking statement,
    then composes the items with a statement prepared once per connection
    for every search (``api.payloads``). The two in one statement save a
    round trip and the ids sent back and forth: 3.23 against 2.73 million
    instructions a request for the claims searched for "missile defense".
    But the one statement is new for each new search, and PostgreSQL then
    plans the composing part too: 0.75 ms of planning against 0.33 for the
    ranking alone (EXPLAIN SUMMARY, median of 7 searches). So a search is
    composed in one statement only when it is asked for again, as psycopg
    prepares a statement only when it is run again."""
    connection = connections[using]
    connection.ensure_connection()
    run = _searches_run.setdefault(connection.connection, {})
    if page in run:
        run[page] = run.pop(page)  # the most recent last
        return True
    run[page] = None
    if len(run) > SEARCHES_REMEMBERED:
        del run[next(iter(run))]
    return False


def _fallback_terms(q):
    """``q`` read as ``websearch_to_tsquery`` reads it, for the fallback:
    alternatives (split by ``or``), each a list of ``(text, excluded)``
    terms that must all hold; a "quoted phrase" is one term, ``-word`` (or
    ``-"phrase"``) is excluded."""
    alternatives, terms = [], []
    for match in re.finditer(r'(-?)"([^"]*)"?|(\S+)', q):
        minus, phrase, token = match.groups()
        if token is None:
            text = " ".join(phrase.split())
            terms += [(text, minus == "-")] if text else []
        elif token.lower() == "or":
            alternatives.append(terms)
            terms = []
        else:
            excluded = token.startswith("-")
            words = (w.strip("-") for w in re.findall(r"[\w'-]+", token.lstrip("-")))
            terms += [(word, excluded) for word in words if word]
    return [terms for terms in [*alternatives, terms] if terms]


def _words(q):
    """The words of a query for the fallback: quotes, ``or`` and ``-`` dropped."""
    return [w for w in re.findall(r"[\w'-]+", q) if w.lower() != "or" and not w.startswith("-")]


def add_snippets(objects, q, *, max_words=35):
    """Set ``obj.snippet`` and ``obj.heading`` (safe HTML, matches in
    ``<mark>``: an excerpt of ``SNIPPET_FIELD``, the whole ``HEADING_FIELD``)
    on each of ``objects``: the page being shown, never the whole result set."""
    objects = list(objects)
    q = clean_query(q)
    if not objects:
        return objects
    model = type(objects[0])
    field, heading = SNIPPET_FIELD[model], HEADING_FIELD[model]
    if q and is_postgres():
        headlines = _headlines(model, [o.pk for o in objects], q, max_words)
        for obj in objects:
            snippet, marked_heading = headlines.get(obj.pk, ("", None))
            obj.snippet = _marked(snippet)
            obj.heading = _marked(marked_heading or getattr(obj, heading) or "")
        return objects
    words = _words(q)
    for obj in objects:
        obj.snippet = _fallback_snippet(getattr(obj, field) or "", words, max_words)
        obj.heading = _marked(_fallback_marks(getattr(obj, heading) or "", words))
    return objects


# ts_headline parses all of the text it is given: a whole paper costs about
# 5 ms (either of the two longest seed papers, 38,000 and 56,000 characters).
# It is given, in turn, until one of them shows a query word:
#
# 1. the first HEADLINE_WINDOW characters (a paragraph or two: a snippet
#    shows 35 words of it);
# 2. else NEAR_WINDOW characters around the place a query's word is first
#    found in the text, as it is stemmed (``_FIRST_FOUND``, a regular
#    expression a word: 0.3 and 0.4 ms for those papers when it was one for
#    all of them; one word, 0.9 and 1.3 ms against 6.7 and 12.2 for their
#    whole text's headline, on the bench's later, slower host): a word past
#    the first paragraphs, as in most of the seed's papers, costs that
#    instead of the whole text;
# 3. else the whole text: a word whose stem is not how it begins ("dying"
#    is stemmed "die"), words asked for together that are not found close.
#
# The second step is taken for papers only (LONG_TEXT): the other kinds'
# snippets are cut from a summary or a quote, which the first window mostly
# holds. All in the same query. Whether a window shows a match is read off
# its headline, which marks every query word it shows: parsing the window a
# second time to ask ``@@`` doubled the cost. The first window is read with
# ``left()``, which decompresses only the start of a long text (PostgreSQL
# stores it compressed); asking the text's ``length()``, as before, read all
# of it (the three seed papers searched for "alliance": 1.60 ms against 1.44).
#
# The first window was 3,000 characters; at 1,200, as the near one, the
# headlines of the five papers the search page shows for "missile defense"
# took 3.4 to 3.6 ms against 5.8 to 5.9, for "alliance" 3.6 against 6.4,
# and the seed's three papers' for "alliance" 2.8 to 3.0 against 4.0 to 4.5
# (medians of 40, two runs each, bench/ database; the snippets the same or
# as good: a window still holds several of a snippet's length).
HEADLINE_WINDOW = 1200
NEAR_WINDOW = 1200
NEAR_LEAD = 200  # of its characters, before that word
LONG_TEXT = {Document}


def _headline_options(max_words):
    return (
        f"StartSel={_START}, StopSel={_STOP}, MaxWords={max_words}, "
        f"MinWords={max(5, max_words // 3)}, MaxFragments=2, "
        'FragmentDelimiter=" \u2026 "'
    )


# Endings English words take after their stem (Snowball's English stemmer
# takes these off), for a word to be found as the query's are stemmed: at
# most a few of them, so that "Korean" is not found for "Korea".
_ENDINGS = (
    "s|es|e|ed|ing|er|ers|est|ly|ment|ness|ful|ation|ational|ize|ise|ization"
    "|ism|ist|ity|ities|ive|able|ible|al|ally|ance|ence|ic|ical|ous|ant|ent|ion|or|y|ies"
)

# Where in a text the near window is cut (SQL, given the row's ``text``
# and the ``query``): at the first place a word of the query is found, as
# it is stemmed (its positive part: ``querytree`` leaves out -excluded
# words). Each word is a regular expression: every character other than a
# letter or digit escaped, a final i as i or y (English stems "policy"
# "polici"), followed by at most a few endings. Of a query that asks for
# words together (``&``, a phrase's ``<->``), the one found last is taken:
# where it first occurs, every other has occurred already, likely close by
# (the seed's papers searched for "missile defense" all name Defense before
# they name missile defense); of one that asks for any of them, the one
# found first. NULL if none is found: then the whole text is read. Cut at the
# first of any of them, as before, the near window of a paper that names
# defense early, and missile defense later, showed no match, and the whole
# text was read: the seed's papers searched for "missile defense" took 17.0
# to 19.1 ms of headlines against 8.1 to 9.6 now, for "ballistic missile"
# (a phrase) 27.3 to 27.8 against 7.1 to 8.0 (with the smaller first window
# below; medians of 40, bench/ database).
_FIRST_FOUND = (
    # NULLIF: 0 where a word is not found. OFFSET 0: each found once.
    "(SELECT CASE WHEN bool_or(tree.together) THEN max(NULLIF(at, 0))"
    " ELSE min(NULLIF(at, 0)) END"
    " FROM (SELECT querytree(query) AS t) AS leaves,"
    # The operators: what is outside the quoted lexemes.
    r" LATERAL (SELECT regexp_replace(leaves.t, '''(?:[^'']|'''')*''', '', 'g') ~ '[&<]'"
    " AS together) AS tree,"
    " LATERAL (SELECT replace(m[1], '''''', '''') AS w"
    " FROM regexp_matches(leaves.t, '''((?:[^'']|'''')+)''', 'g') AS m) AS lexeme,"
    r" LATERAL (SELECT regexp_replace(w, '([^[:alnum:]])', '\\\1', 'g') AS e) AS escaped,"
    r" LATERAL (SELECT regexp_instr({text}, '\m' || CASE WHEN right(w, 1) = 'i'"
    r" THEN left(e, -1) || '(?:i|y)' ELSE e END"
    rf" || '(?:{_ENDINGS}){{{{0,3}}}}\M', 1, 1, 0, 'i') AS at OFFSET 0) AS found"
    " WHERE w <> '')"
)


# The query with its words asked for together (``&``, a phrase's ``<->``
# or ``<N>``) asked for as any of them (``|``), its excluded ones left out
# (``querytree``), for a long text in which they never meet: a headline of
# them all together then shows the text's first words, none of them marked
# (PostgreSQL looks for them all within ten times a snippet's words), so
# the near window is shown with whichever of them it holds marked. It costs
# one more window's headline, only then; the seed's papers, whose words
# asked for together meet somewhere, show what they did.
_ANY_WORD = r"regexp_replace(querytree(query), '&|<[0-9]*->|<[0-9]+>', '|', 'g')::tsquery"


def _window(text, start, size):
    """``size`` characters of ``text`` from ``start`` (SQL), without a word cut
    at either end: a cut word could look like a match."""
    cut = f"substr({text}, {start}, {size} + 1)"
    return (
        rf"(SELECT CASE WHEN {start} > 1 THEN regexp_replace(w, '^\S*\s*', '') ELSE w END"
        rf" FROM (SELECT CASE WHEN length(w) > {size} THEN regexp_replace(w, '\S*$', '')"
        # OFFSET 0: each made once, not once per use.
        f" ELSE w END AS w FROM (SELECT {cut} AS w OFFSET 0) AS cut OFFSET 0) AS ended)"
    )


def _headline_sql(model, rows):
    """``SELECT id, headline, heading`` for the rows of ``model`` whose ids
    ``rows`` (SQL) gives, with the parameters of :func:`_headline_params`."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(model._meta.get_field(SNIPPET_FIELD[model]).column)
    heading = quote(model._meta.get_field(HEADING_FIELD[model]).column)
    pk = quote(model._meta.pk.column)
    text = f"COALESCE(item.{column}, '')"

    def headline(of):
        return f"ts_headline(%(config)s::regconfig, {of}, query, %(options)s)"

    def marks(headline):
        return f"strpos({headline}, chr({ord(_START)})) > 0"

    otherwise = headline(text)  # the whole text's
    if model in LONG_TEXT:
        # The near window's headline if it marks a query word, else the whole
        # text's if that does, else the near window's for any of the words.
        first = _FIRST_FOUND.format(text=text)
        near = _window(text, "place.start", "%(near)s")
        any_word = f"ts_headline(%(config)s::regconfig, near.w, {_ANY_WORD}, %(options)s)"
        otherwise = (
            f"(SELECT CASE WHEN {marks('near.h')} THEN near.h ELSE (SELECT CASE WHEN"
            f" {marks('whole.h')} OR near.w IS NULL THEN whole.h ELSE {any_word} END"
            f" FROM (SELECT {otherwise} AS h OFFSET 0) AS whole) END"
            f" FROM (SELECT w, {headline('w')} AS h FROM (SELECT {near} AS w"
            " FROM (SELECT CASE WHEN found.at > 0"
            f" THEN greatest(1, found.at - %(near_lead)s) END AS start FROM (SELECT {first} AS at"
            " OFFSET 0) AS found OFFSET 0) AS place OFFSET 0) AS cut OFFSET 0) AS near)"
        )
    return (
        # The first window's headline if it marks a query word (or the window
        # is the whole text); else ``otherwise``. A CASE runs only the branch it takes.
        f"SELECT item.{pk}, CASE WHEN {marks('head.h')} OR NOT head.cut THEN head.h"
        f" ELSE {otherwise} END,"
        # A heading is short: all of it, every match marked.
        f" ts_headline(%(config)s::regconfig, COALESCE(item.{heading}, ''), query,"
        " %(heading_options)s)"
        f" FROM {table} AS item, websearch_to_tsquery(%(config)s::regconfig, %(q)s) AS query,"
        # OFFSET 0 keeps the window's headline made once, not once per use.
        f" LATERAL (SELECT {headline('w')} AS h, length(w) < length(whole) AS cut"
        f" FROM (SELECT {_window(text, 1, '%(window)s')} AS w,"
        f" left({text}, %(window)s + 1) AS whole OFFSET 0) AS win OFFSET 0) AS head"
        f" WHERE item.{pk} IN ({rows})"
    )


def _headline_params(q, max_words):
    return {
        "config": CONFIG,
        "options": _headline_options(max_words),
        "heading_options": f"StartSel={_START}, StopSel={_STOP}, HighlightAll=true",
        "window": HEADLINE_WINDOW,
        "near": NEAR_WINDOW,
        "near_lead": NEAR_LEAD,
        "q": q,
    }


def _headlines(model, pks, q, max_words):
    """``{pk: (snippet, heading)}`` for the rows ``pks``, in one query."""
    sql = _headline_sql(model, "SELECT unnest(%(pks)s::bigint[])")
    params = {**_headline_params(q, max_words), "pks": list(pks)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: (snippet, heading) for pk, snippet, heading in cursor.fetchall()}


def _marked(text):
    # The standard library's escape, which Django's wraps (as lazy-aware and
    # safe): the search page marks forty texts.
    return mark_safe(html.escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))


def _fallback_marks(text, words):
    """``text`` with every one of ``words`` in it marked (case-insensitively)."""
    if not words:
        return text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return pattern.sub(lambda m: f"{_START}{m.group()}{_STOP}", text)


# The fallback's snippet starts near the place where the most of the
# query's words are found within this many characters of each other (of
# such places, where they are closest together; of those, the first).
FALLBACK_SPAN = 200


def _fallback_start(lower, words):
    """Where in ``lower`` (a text, lowercased) the snippet's first match is
    (see FALLBACK_SPAN); 0 if none is found."""
    distinct = {w.lower() for w in words if w}
    if len(distinct) < 2:
        return max(0, lower.find(*distinct)) if distinct else 0
    hits = sorted(
        (match.start(), n)
        for n, word in enumerate(distinct)
        for match in re.finditer(re.escape(word), lower)
    )
    best, first = (0, 0), 0
    for i, (at, _word) in enumerate(hits):
        found, span = set(), 0
        for j in range(i, len(hits)):  # not hits[i:]: a copy of the rest for each
            later, word = hits[j]
            if later - at > FALLBACK_SPAN:
                break
            if word not in found:  # the span: to the last word found anew
                found.add(word)
                span = later - at
                if len(found) == len(distinct):
                    break
        # The most words, then the closest together, then the first.
        if (len(found), -span) > best:
            best, first = (len(found), -span), at
    return first


def _fallback_snippet(text, words, max_words):
    text = " ".join(text.split())
    lower = text.lower()
    first = _fallback_start(lower, words)
    start = max(0, text.rfind(" ", 0, max(0, first - 80)) + 1) if first > 80 else 0
    excerpt_words = text[start:].split(" ")[:max_words]
    excerpt = _fallback_marks(" ".join(excerpt_words), words)
    prefix = "\u2026 " if start else ""
    suffix = " \u2026" if len(text[start:].split(" ")) > max_words else ""
    return _marked(prefix + excerpt + suffix)


# --- The search page's overview (PostgreSQL) ---------------------------------
#
# The best few of each kind with their totals and snippets: what
# ``SearchView`` otherwise asks of the ORM in eight queries (a ranked one and
# a snippet one per kind), whose building and compiling cost as much as
# their running. The same candidates (``filter_search``: published rows
# only, the newest CANDIDATES matches), the same rank and order, the same
# snippets (``_headline_sql``), in two statements:
#
# - ``_found_sql`` finds and ranks each kind's candidates: their number and the
#   best few ids. Its plan must see the query's words: they are written into
#   it, as into ``ranked_ids``' statement, which makes it a statement of its
#   own for each search, prepared from its second execution on a connection.
#   A search asked for again (a popular one) then skips its planning: for
#   "missile defense" the statement took 2.84 to 2.85 ms of the database's
#   CPU against 3.90 to 4.17 planned each time (1,000 executions, twice
#   each, bench/ database); another search costs what it did.
# - ``_shown_sql`` reads those rows and cuts their snippets, given the ids: a
#   prepared statement, planned once per connection. Planning it with the
#   rest on every search took about a third of the search's time in the
#   database (one statement: 2.8 ms of 8 to 10, pgbench, bench corpus).

_OVERVIEW = {
    # kind: (model, candidates FROM ... WHERE, the columns shown)
    "recommendations": (
        Recommendation,
        f"editorial_recommendation x WHERE x.state = {PUBLISHED}",
        ("id", "title", "slug", "status"),
    ),
    "documents": (
        Document,
        f"editorial_document x WHERE x.state = {PUBLISHED}",
        ("id", "title", "slug", "authors", "published_on", "published_precision"),
    ),
    "claims": (
        Claim,
        "editorial_claim x INNER JOIN editorial_document d ON d.id = x.document_id"
        f" WHERE x.state = {PUBLISHED} AND d.state = {PUBLISHED}",
        ("id", "summary", "document_id"),
    ),
    "policies": (
        Policy,
        f"editorial_policy x WHERE x.state = {PUBLISHED}",
        ("id", "title", "slug", "instrument"),
    ),
}
_QUERY = "websearch_to_tsquery(%(config)s::regconfig, %(q)s)"


def _found_sql():
    """Each kind's number of candidates and its best ``per_kind`` ids, in
    order: two columns a kind, in ``_OVERVIEW``'s order."""
    ctes, columns = [], []
    for kind, (model, source, _shown) in _OVERVIEW.items():
        ctes.append(
            f"{kind} AS MATERIALIZED (SELECT x.id, x.{rank_column(model)} AS rank_vector"
            f" FROM {source} AND x.search_vector @@ {_QUERY}"
            f" ORDER BY x.id DESC LIMIT %(cap_{kind})s)"
        )
        columns += [
            f"(SELECT count(*) FROM {kind})",
            f"ARRAY(SELECT id FROM {kind} ORDER BY ts_rank(rank_vector, {_QUERY}) DESC, id"
            " LIMIT %(per_kind)s)",
        ]
    return f"WITH {', '.join(ctes)} SELECT {', '.join(columns)}"


def _shown_sql(per_kind):
    """The rows of each kind's ids (parameters ``%(kind_0)s`` to
    ``%(kind_<per_kind - 1>)s``), with their
    snippets, as one JSON object of arrays in those ids' order.

    The ids are ``per_kind`` parameters of an ``ARRAY[...]``, not one array
    parameter: PostgreSQL estimates an array parameter at 10 elements in a
    generic plan but counts the elements in a custom one, so the few ids of
    a search page made the generic plan look dearer, and a statement whose
    generic plan looks dearer is planned anew on every execution. Counted
    alike both ways, the generic plan wins. Each is an ``int8`` (0 where
    there is none): psycopg keeps a prepared statement per set of parameter
    types, and would type small numbers ``int2``, larger ones ``int4``."""
    sections = []
    for kind, (model, _source, columns) in _OVERVIEW.items():
        shown = ", ".join(f"'{column}', x.{column}" for column in columns)
        joins = f"INNER JOIN {model._meta.db_table} x ON x.id = t.id"
        if model is Claim:
            shown += ", 'document_title', d.title"
            joins += " INNER JOIN editorial_document d ON d.id = x.document_id"
        ids = "ARRAY[{}]".format(", ".join(f"%({kind}_{n})s::bigint" for n in range(per_kind)))
        headlines = _headline_sql(model, f"SELECT unnest({ids})")
        sections.append(
            f"'{kind}', COALESCE((SELECT json_agg(json_build_object({shown}, 'snippet',"
            f" h.headline, 'heading', h.heading) ORDER BY t.n) FROM unnest({ids})"
            f" WITH ORDINALITY AS t(id, n) {joins} LEFT OUTER JOIN ({headlines})"
            " AS h(id, headline, heading) ON h.id = t.id), '[]'::json)"
        )
    return f"SELECT json_build_object({', '.join(sections)})::text"


@functools.cache
def _overview_statements(vendor, per_kind, caps):
    """``(found, stand_in, shown)``: ``_found_sql`` written out with
    ``_ANY_QUERY`` for the words (each search puts its own literal in place
    of ``stand_in``, that one's) and ``caps`` for each kind's number of
    candidates, and ``_shown_sql``."""
    found_sql = _found_sql()
    params = {"config": CONFIG, "q": _ANY_QUERY, "per_kind": per_kind}
    params.update((f"cap_{kind}", cap) for kind, cap in zip(_OVERVIEW, caps, strict=True))
    found, stand_in = written_in(found_sql, params), literal(_ANY_QUERY)
    if not found.count(stand_in) == found_sql.count("%(q)s") > 0:
        raise RuntimeError(f"The query's stand-in is not where its words go: {found}")
    return found, stand_in, _shown_sql(per_kind)


def overview(q, *, per_kind, max_words=35):
    """``{kind: (total, [unsaved model instances with .snippet])}``, best
    first, for the search page without ``kind`` (PostgreSQL only)."""
    q = clean_query(q)
    common = _headline_params(q, max_words)
    caps = tuple(candidates_for(model) for model, *_ in _OVERVIEW.values())
    found_sql, stand_in, shown_sql = _overview_statements(connection.vendor, per_kind, caps)
    with prepared_cursor() as cursor:
        cursor.execute(found_sql.replace(stand_in, literal(q)), {})
        found = cursor.fetchone()
    totals = dict(zip(_OVERVIEW, found[0::2], strict=True))
    best = dict(zip(_OVERVIEW, found[1::2], strict=True))
    data = {kind: [] for kind in _OVERVIEW}
    if any(best.values()):
        ids = {
            f"{kind}_{n}": Int8(best[kind][n] if n < len(best[kind]) else 0)
            for kind in _OVERVIEW
            for n in range(per_kind)
        }
        with prepared_cursor() as cursor:
            cursor.execute(shown_sql, {**common, **ids})
            data = orjson.loads(cursor.fetchone()[0])
    result = {}
    for kind, (model, _source, _columns) in _OVERVIEW.items():
        objects = []
        for row in data[kind]:
            snippet = _marked(row.pop("snippet") or "")
            heading = row.pop("heading")
            document_title = row.pop("document_title", None)
            if row.get("published_on"):
                row["published_on"] = datetime.date.fromisoformat(row["published_on"])
            item = _read(model, row)
            if model is Claim:
                item.document = _read(Document, {"id": item.document_id, "title": document_title})
            item.snippet = snippet
            item.heading = _marked(
                getattr(item, HEADING_FIELD[model]) if heading is None else heading
            )
            objects.append(item)
        result[kind] = (totals[kind], objects)
    return result


def _read(model, row):
    """The ``model`` instance of ``row`` (a dict of some of its columns), as
    the ORM makes one it read: its other fields deferred. The page shows
    those columns only (its query count is tested); made from keywords,
    every other field took its default, at twice the cost (21 against 8.6
    microseconds an instance, 25 on the page). With ``_marked``'s escape,
    the search page for "missile defense" took 11.56 million instructions
    a request against 12.79 (callgrind, in-process)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in row]
    return model.from_db(connection.alias, names, [row[name] for name in names])
