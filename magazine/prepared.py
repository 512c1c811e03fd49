"""
Queries built and compiled once per process, then run with new values.

Building a queryset of many annotated subqueries and compiling it to SQL can cost
more than running it: the article page spent about half of its time there, a list
page a third. When only the values of a query change from one request to the next
(a slug, a page, the current time), ``PreparedQuery`` compiles it once per database,
then runs the SQL and makes the model instances as the ORM's own iterable does,
from what the compiler worked out once: the columns and their converters, which
``Manager.raw()`` worked out again for every query, taking as long as the query.
What a page prints of related rows (an article's credits, an author's affiliations)
comes in the same query as JSON (``json_rows()``), made into instances as if
prefetched (``instances()``, ``prefetched()``).

On PostgreSQL the statement is also prepared on the server, once per connection,
with a generic plan: planning such a query took PostgreSQL four times longer than
running it. (A pooler in transaction mode between the app and PostgreSQL, which
may hand a session's prepared statements to another client, needs
``PREPARED_STATEMENTS = False``.)

A value that changes is a ``Parameter`` in the queryset. ``CurrentTime()`` is what
``published()`` compares with: in any query it is the time when the query is
compiled, and in a prepared query the time when it runs.
"""

import contextvars
import functools
import hashlib
import re
import weakref

from django.conf import settings
from django.db import connections, models, router
from django.db.models import TextField, functions
from django.db.models.base import ModelState
from django.db.models.functions import Cast
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

# Set while a PreparedQuery compiles: parameters become slots, filled when the query runs.
_preparing = contextvars.ContextVar("preparing", default=False)
# While a PreparedQuery compiles, the common table expressions (name, sql, params) it is to start with.
_common = contextvars.ContextVar("common")


class _Slot:
    def __init__(self, name):
        self.name = name


NOW = "now"


class JSONObject(functions.JSONObject):
    """Django's ``JSONObject``, built as ``json`` on PostgreSQL, not ``jsonb``.

    These objects are only ever sent back as text, and ``json_build_object()`` writes its text directly,
    where ``jsonb_build_object()`` builds a binary value (sorting and deduplicating its keys) and then prints
    it: the article page's query, which carries about twenty of them, took an eighth less of PostgreSQL's
    time. The connection reads ``json`` back as text, as Django reads ``jsonb``, for ``JSONField`` to decode
    (``json_as_text()``)."""

    def as_postgresql(self, compiler, connection, **extra_context):
        # Django's own, with json for jsonb. Keys are cast to text, as Django casts them.
        copy = self.copy()
        expressions = copy.get_source_expressions()
        copy.set_source_expressions([Cast(e, TextField()) if not n % 2 else e for n, e in enumerate(expressions)])
        if connection.features.is_postgresql_16:
            return copy.as_native(compiler, connection, returning="JSON", **extra_context)
        function = "JSON_BUILD_OBJECT"
        return super(functions.JSONObject, copy).as_sql(compiler, connection, function=function, **extra_context)


class JSONRows(models.Func):
    """Every row of a subquery as one JSON array (SQLite's json_group_array, PostgreSQL's json_agg).

    Not an aggregate for Django: the subquery must not be grouped, its rows are the whole set."""

    function = "JSON_GROUP_ARRAY"
    output_field = models.JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_AGG", **extra_context)


def json_as_text(sender, connection, **kwargs):
    """``connection_created``: PostgreSQL's ``json`` values come back as text, like Django has ``jsonb`` come
    back, for ``JSONField`` to decode (psycopg2 would decode them itself, and JSONField then fail)."""
    if connection.vendor == "postgresql":
        from psycopg2.extras import register_default_json

        register_default_json(conn_or_curs=connection.connection, loads=lambda text: text)


class Parameter(models.Expression):
    """A value given each time a ``PreparedQuery`` runs: ``PreparedQuery.fetch(name=value)``."""

    def __init__(self, name, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        if not _preparing.get():
            raise TypeError(f"Parameter({self.name!r}) belongs in a PreparedQuery")
        return "%s", [_Slot(self.name)]


class CurrentTime(models.Expression):
    """The current time, read when the query is compiled or, in a prepared query, each time it runs."""

    output_field = models.DateTimeField()

    def as_sql(self, compiler, connection):
        if _preparing.get():
            return "%s", [_Slot(NOW)]
        return "%s", [self.output_field.get_db_prep_value(timezone.now(), connection)]


class PageOf(models.Expression):
    """The ids of one page of ``queryset``, in its order, for ``pk__in=PageOf(queryset)`` in a prepared query:
    ``limit`` and ``offset`` are given when it runs. Only the page's ids are read from the list (an index
    answers that on its own), then only those rows: deep pages cost what the first does.

    ``counted=True`` also counts the list as it is read, for ``ListTotal()`` in the same query: one reading
    of the list instead of two, which is most of the cost when the list is a join (an author's articles)."""

    output_field = models.IntegerField()

    def __init__(self, queryset, counted=False):
        super().__init__()
        queryset = queryset.values("pk")
        if counted:
            # Counted before LIMIT takes the page: every row of the page carries the whole list's count.
            queryset = queryset.annotate(list_total=models.Window(models.Count("*")))
        self.query, self.counted = queryset.query, counted

    def as_sql(self, compiler, connection):
        if not _preparing.get():
            raise TypeError("PageOf belongs in a PreparedQuery")
        sql, params = self.query.get_compiler(connection=connection).as_sql()
        sql, params = f"{sql} LIMIT %s OFFSET %s", (*params, _Slot("limit"), _Slot("offset"))
        if not self.counted:
            return f"({sql})", params
        # Read once (MATERIALIZED), for the ids here and for ListTotal().
        _common.get().append((COUNTED_PAGE, sql, params))
        return f"(SELECT pk FROM {COUNTED_PAGE})", ()


COUNTED_PAGE = "counted_page"


class ListTotal(models.Expression):
    """How many rows the list of the query's ``PageOf(…, counted=True)`` holds (null when the page is empty)."""

    output_field = models.IntegerField()

    def as_sql(self, compiler, connection):
        return f"(SELECT list_total FROM {COUNTED_PAGE} LIMIT 1)", ()


class PreparedQuery:
    """``build()`` returns the queryset, with ``Parameter`` for what changes; it is called once per process."""

    def __init__(self, build):
        self.build = build
        self._queryset = None
        self._compiled = {}

    @property
    def queryset(self):
        if self._queryset is None:
            self._queryset = self.build()
            if self._queryset.query.select_related:
                # Rows become instances of the model alone (_Compiled.instances).
                raise ValueError("A PreparedQuery cannot select_related(): annotate what it needs of the relation")
        return self._queryset

    def fetch(self, **values):
        """The instances the query finds with these values, fields and annotations converted."""
        model = self.queryset.model
        using = router.db_for_read(model)
        connection = connections[using]
        compiled = self._compiled.get(using) or self._compile(using)
        sql, params = compiled.sql, compiled.params
        values[NOW] = timezone.now()
        if connection.vendor == "postgresql" and settings.PREPARED_STATEMENTS:
            sql, params = _prepared_on_server(connection, compiled)
        adapt = connection.ops.adapt_unknown_value
        params = [adapt(values[p.name]) if isinstance(p, _Slot) else p for p in params]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return compiled.instances(rows, using)

    def sql(self, using="default"):
        """The SQL it runs, with a placeholder for each parameter (on PostgreSQL, its prepared statement's)."""
        return (self._compiled.get(using) or self._compile(using)).sql

    def _compile(self, using):
        compiler = self.queryset.query.get_compiler(using=using)
        token, common = _preparing.set(True), _common.set([])
        try:
            sql, params = compiler.as_sql()
            tables = _common.get()
        finally:
            _preparing.reset(token)
            _common.reset(common)
        if tables:
            if len({name for name, _, _ in tables}) < len(tables):
                raise ValueError("A PreparedQuery can count one PageOf at most")
            sql = f"WITH {', '.join(f'{name} AS MATERIALIZED ({part})' for name, part, _ in tables)} {sql}"
            params = (*(param for _, _, part in tables for param in part), *params)
        self._compiled[using] = compiled = _Compiled(compiler, sql, tuple(params))
        return compiled


class _Compiled:
    """A query's SQL and what turns its rows into instances: what Django's ModelIterable reads off the compiler
    for every query, read once."""

    def __init__(self, compiler, sql, params):
        self.sql, self.params = sql, params
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        self.model, self.model_columns = klass_info["model"], slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.model_columns]]
        self.annotations = list(compiler.annotation_col_map.items())
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        self.converters = list(converters.items())

    @functools.cached_property
    def statement(self):
        """On PostgreSQL: its server-side statement's name, the slots it takes and its ``EXECUTE``; worked out once,
        not on every run (the name is a hash of the whole SQL, ten kilobytes for the article page)."""
        name = statement_name(self.sql)
        # One parameter per name: the article page's query compares with the current time in each published()
        # it holds, and adapting and sending that time 24 times was 4 % of the page's work in the app.
        slots = list({param.name: param for param in self.params if isinstance(param, _Slot)}.values())
        return name, slots, f"EXECUTE {name} ({', '.join(['%s'] * len(slots))})" if slots else f"EXECUTE {name}"

    def instances(self, rows, using):
        connection = connections[using]
        found = []
        for row in rows:
            if self.converters:
                row = list(row)
                for position, (functions, expression) in self.converters:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            instance = self.model.from_db(using, self.init_list, row[self.model_columns])
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            found.append(instance)
        return found


# The statements prepared on each PostgreSQL connection (a new connection has none).
_on_server = weakref.WeakKeyDictionary()


def statement_name(sql):
    """The name of the server-side statement prepared for ``sql``."""
    return "magazine_" + hashlib.sha1(sql.encode()).hexdigest()[:16]


def _prepared_on_server(connection, compiled):
    """``EXECUTE`` of the compiled query prepared on this connection (now, if it was not yet), and its
    parameters: the slots of its own. Its constants are written into the statement, so that the planner sees them
    (a partial index on published articles applies to ``status = 'published'``, not to ``status = $1``); the
    connection plans it once, whatever the slots' values (``plan_cache_mode``, magazine.settings)."""
    name, slots, execute = compiled.statement
    sql, params = compiled.sql, compiled.params
    connection.ensure_connection()
    prepared = _on_server.setdefault(connection.connection, set())
    if name not in prepared:
        # Once per connection, like the connection's own set-up (its time zone): on the driver's cursor, not
        # among the queries of the request that happens to come first (which tests count).
        with connection.wrap_database_errors, connection.connection.cursor() as cursor:
            given, positions = iter(params), {slot.name: n for n, slot in enumerate(slots, start=1)}

            def placeholder(match):
                if match[0] == "%%":
                    return "%"
                param = next(given)
                if isinstance(param, _Slot):
                    return f"${positions[param.name]}"
                return cursor.mogrify("%s", [param]).decode()

            cursor.execute(f"PREPARE {name} AS {re.sub(r'%[s%]', placeholder, sql)}")
        prepared.add(name)
    return execute, slots


class QuickLoading:
    """For models that pages load by the dozen (a list's articles with their sections, an article's credits,
    authors and institutions): ``from_db()`` without ``__init__()``.

    Django's ``from_db()`` fills in the fields a row lacks as deferred, then calls ``__init__()``, which sets
    each field through its descriptor and sends ``pre_init`` and ``post_init``: about 12 microseconds for a
    list's article, ten times what putting the row's values in the instance's ``__dict__`` takes. That is
    what the descriptors of concrete fields do with a value on a new instance, and what the fields left out
    stay: deferred, loaded on first access. While anything listens to ``pre_init`` or ``post_init`` for the
    model, Django's own way is taken.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in vars(cls):
            raise TypeError(f"{cls.__name__} loads quickly: from_db() would not call its __init__()")

    @classmethod
    def from_db(cls, db, field_names, values):
        # Mostly nothing listens to either, for any model: that is quick to tell.
        if (pre_init.receivers or post_init.receivers) and (
            pre_init.has_listeners(cls) or post_init.has_listeners(cls)
        ):
            return super().from_db(db, field_names, values)
        instance = cls.__new__(cls)
        instance._state = state = ModelState()
        state.adding, state.db = False, db
        instance.__dict__.update(zip(field_names, values, strict=True))
        return instance


# Related rows read as JSON inside a prepared query (which cannot prefetch), then made into model instances.


def json_rows(queryset, **fields):
    """A subquery: the rows of ``queryset`` (which may use OuterRef) as a JSON array of objects of ``fields``
    (names, or expressions by name): what ``instances()`` reads back."""
    return models.Subquery(queryset.order_by().values(data=JSONRows(JSONObject(**fields))))


def from_row(model, **values):
    """An instance of ``model`` as loaded from the database with only these fields (by attribute name, "id",
    "section_id"; other names are set as attributes): cheaper than ``model(**values)``, which fills in every
    other field's default."""
    columns, others = _columns(model, tuple(values))
    instance = model.from_db(None, columns, [values[name] for name in columns])
    for name in others:
        setattr(instance, name, values[name])
    return instance


@functools.cache
def _columns(model, names):
    """Of a ``from_row()`` call's ``names``, the model's fields in the model's order (as ``from_db()`` takes them),
    and the others: worked out once per model and set of names, not for each of a page's fifty rows."""
    fields = [field.attname for field in model._meta.concrete_fields]
    return [name for name in fields if name in names], [name for name in names if name not in fields]


def instances(model, rows, ordering=None):
    """Instances of ``model`` from ``json_rows()`` objects, keyed by attribute name ("id", "author_id"), values
    converted by the model's fields (JSON has no dates); sorted by ``ordering`` (field names), else the model's."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    found = [
        from_row(
            model, **{name: fields[name].to_python(value) if name in fields else value for name, value in row.items()}
        )
        for row in rows or []
    ]
    for name in reversed(ordering or model._meta.ordering):
        # As PostgreSQL orders: empty values last, or first when descending.
        key = name.lstrip("-")
        found.sort(key=lambda row: (getattr(row, key) is None, getattr(row, key)), reverse=name != key)
    return found


def prefetched(instance, name, objects, queryset):
    """``instance.<name>.all()`` answers ``objects`` with no query, as after ``prefetch_related(name)``.
    ``queryset``: the relation's own (``filtered_later()``), for what chains on from ``all()``."""
    queryset._result_cache, queryset._prefetch_done = objects, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def filtered_later(model, **lookups):
    """``model.objects.filter(**lookups)``, its filter built only if something asks for its query, as Django's
    related managers defer theirs: a relation's queryset (the article's credits, regions, tags) took longer to
    build than the objects it is given by ``prefetched()``, which nothing filters further."""
    queryset = model._default_manager.all()
    queryset._defer_next_filter = True
    return queryset.filter(**lookups)
