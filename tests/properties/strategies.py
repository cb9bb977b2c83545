"""Hostile form input: values for each kind of field, whole posts, and posts near a valid one."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, cast

from django import forms
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, ResolutionFailed
from hypothesis.extra.django import from_field, from_form

# A key drawn as OMIT is left out of the post, as a tampered or truncated request would.
OMIT = object()

# NUL, control characters, invisible and direction-changing characters, line breaks.
SPECIAL_CHARACTERS = (
    "\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x85\xa0\u00ad\u200b\u200c\u200d\u200e\u202e\u2028"
    "\u2060\ufeff\ufffd\r\n\t "
)
NUMBER_EDGES = (
    "0",
    "-0",
    "-1",
    "0.5",
    "-0.01",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "999999999999.99",
    "999999999999.995",
    "1000000000000",
    "0.000000000000000000000001",
    "12345678901234567890.123456789012345678901234567890",
    "1e3",
    "1E+999999",
    "-1e-999999",
    "1e309",
    "NaN",
    "sNaN",
    "Infinity",
    "-inf",
    "1_000",
    "1,5",
    " 7 ",
    "0x1F",
    "\u0661\u0662",
    "\uff11\uff12",
)
DATE_EDGES = (
    "0001-01-01",
    "9999-12-31",
    "9999-12-01",
    "1899-12-31",
    "1900-01-01",
    "2100-12-31",
    "2101-01-01",
    "10000-01-01",
    "0000-00-00",
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "-0001-01-01",
    "2026-1-1",
    "01/02/2026",
    "2026-01-01T00:00:00",
    " 2026-01-01 ",
)
MONTH_EDGES = (
    "0001-01",
    "9999-12",
    "1899-12",
    "1900-01",
    "2100-12",
    "2101-01",
    "2026-00",
    "2026-13",
    "2026-1",
    "202601",
    "10000-01",
    "2026-01-15",
)
# A formset's management data: missing, malformed, negative, or more rows than posted. Counts
# stay small: each row posted is a form built, checked and shown again, about 7 ms a row; a
# count past the formsets' maximum of 500 rows has a test of its own in test_drafting_forms.
MANAGEMENT_FIELDS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
MANAGEMENT_EDGES = ("", "-1", "0", "1", "2", "7", "abc", "1.5", "1e1", " 3 ", "\x00", "\u0663")
TIME_EDGES = ("00:00", "23:59", "24:00", "23:59:59.999999", "12:60", "25:00", "9:00", "noon")
BOOLEAN_POSTS = ("on", "true", "false", "True", "0", "1", "")


def texts(*, long: bool = True, nul: bool = True) -> st.SearchStrategy[str]:
    """Text as anyone might type or paste it: empty, odd characters, or very long."""
    left_out = "" if nul else "\x00"
    specials = [character for character in SPECIAL_CHARACTERS if character not in left_out]
    characters = st.characters(codec="utf-8", exclude_characters=left_out)
    options = [
        st.just(""),
        st.text(alphabet=characters, max_size=40),
        st.text(alphabet=st.sampled_from(specials) | characters, max_size=40),
    ]
    if long:
        repeated = ["x", "é", "\u200b", "\U0001d54f", " ", *(["\x00"] if nul else [])]
        options.append(
            st.builds(
                lambda character, count: character * count,
                st.sampled_from(repeated),
                st.integers(150, 70_000),
            )
        )
    return st.one_of(options)


def numbers() -> st.SearchStrategy[str]:
    """Numbers as text: huge, tiny, negative, with many places, or not numbers at all."""
    return st.one_of(
        st.sampled_from(NUMBER_EDGES),
        st.integers(-(10**40), 10**40).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.integers(0, 40)
        .flatmap(lambda places: st.decimals(places=places, allow_nan=False, allow_infinity=False))
        .map(str),
    )


def dates(*, last_year: int = 9999) -> st.SearchStrategy[str]:
    """Dates as text, real or not; ``last_year`` keeps out the real ones after that year."""
    real = st.dates(max_value=dt.date(last_year, 12, 31)).map(lambda day: day.isoformat())
    edges = [edge for edge in DATE_EDGES if not _real_date_after(edge, last_year)]
    return st.one_of(st.sampled_from(edges), real)


def _real_date_after(text: str, last_year: int) -> bool:
    try:
        return dt.date.fromisoformat(text).year > last_year
    except ValueError:
        return False


def months() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(MONTH_EDGES), st.dates().map(lambda day: f"{day.year:04d}-{day.month:02d}")
    )


def times() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(TIME_EDGES), st.times().map(lambda time: time.isoformat()))


# How deep the drawn JSON nests, past Python's recursion limit too: the agreement import and
# the admin's workdays field must refuse it as invalid input.
NESTING_DEPTHS = (1, 2, 50, 500, 100_000)


def nested_json() -> st.SearchStrategy[str]:
    return st.sampled_from(NESTING_DEPTHS).map(lambda depth: "[" * depth + "]" * depth)


def json_texts() -> st.SearchStrategy[str]:
    """JSON, valid or not, of any shape."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
    documents = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=12,
    )
    return st.one_of(
        documents.map(json.dumps),
        st.sampled_from(["[1, 2, 3]", "[0]", "[8]", "[1.5]", '["1"]', "[true]", "{}", "[1e400]"]),
        nested_json(),
        texts(long=False),
    )


def hostile() -> st.SearchStrategy[Any]:
    """Any value of any kind, or the key left out."""
    return st.one_of(st.just(OMIT), texts(), numbers(), dates(), months(), times())


def _choice_values(field: forms.ChoiceField) -> list[str]:
    values: list[str] = []
    choices: Any = field.choices
    for value, label in choices:
        if isinstance(label, list | tuple):
            values.extend(str(key) for key, _label in label)
        else:
            values.append(str(getattr(value, "value", value)))
    return values or [""]


def _typed(field: forms.Field) -> st.SearchStrategy[Any]:
    """Values of the field's own kind, valid or near it."""
    if isinstance(field, forms.MultipleChoiceField):
        choice = st.sampled_from(_choice_values(field)) | numbers()
        return st.lists(choice, max_size=9)
    if isinstance(field, forms.ChoiceField):  # model choices included
        return st.sampled_from(_choice_values(field)) | numbers()
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(BOOLEAN_POSTS)
    if isinstance(field, forms.DateField):
        return dates()
    if isinstance(field, forms.TimeField):
        return times()
    if isinstance(field, forms.IntegerField | forms.FloatField):  # decimals included
        return numbers()
    if isinstance(field, forms.JSONField):
        return json_texts()
    if getattr(field.widget, "input_type", "") == "month":
        return months()
    return texts()


def management_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(MANAGEMENT_EDGES),
        st.integers(-(10**20), 40).map(str),
        texts(long=False),
        st.just(OMIT),
    )


def _valid(field: forms.Field) -> st.SearchStrategy[Any] | None:
    """Values the field itself accepts, from the smallest to the largest, as posted."""
    # from_field knows Django's own field classes only; a subclass of the project's (a team
    # choice, a finite decimal) is drawn for as the nearest of them.
    for known in type(field).__mro__:
        if not issubclass(known, forms.Field):
            break
        stand_in = copy.copy(field)
        stand_in.__class__ = known
        try:
            strategy = from_field(stand_in)
            strategy.validate()
        # AttributeError: a model choice field offering choices loaded as a list (the filter
        # forms, forms.drafting.listing.offer_loaded_choices), which hypothesis reads as a
        # queryset; it is then drawn for as the ChoiceField it also is.
        except (InvalidArgument, ResolutionFailed, AttributeError):
            continue
        return strategy.map(_posted)
    return None


def _posted(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else OMIT
    if value is None:
        return ""
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


# Strategies are built once per field: building and checking one costs more than drawing.
@cache
def values_for(field: forms.Field | None) -> st.SearchStrategy[Any]:
    """A posted value for the field: one it accepts, one of its kind, any text, or none."""
    if field is None:
        return hostile()
    valid = _valid(field)
    options = [_typed(field), texts(), st.just(OMIT)]
    return st.one_of(options if valid is None else [valid, *options])


def post_of(data: dict[str, Any]) -> dict[str, Any]:
    """The post of drawn values: OMIT keys left out."""
    return {key: value for key, value in data.items() if value is not OMIT}


def form_posts(
    form_class: type[forms.BaseForm],
    form_kwargs: dict[str, Any] | None = None,
    **overrides: st.SearchStrategy[Any],
) -> st.SearchStrategy[dict[str, Any]]:
    """Posts for every field of the form, each value hostile or of the field's kind."""
    unbound = form_class(**(form_kwargs or {}))
    strategies = {
        name: overrides.get(name, values_for(field)) for name, field in unbound.fields.items()
    }
    # from_form is typed for Form, and takes any BaseForm (model forms too).
    return from_form(cast("type[forms.Form]", form_class), form_kwargs, **strategies).map(
        lambda form: post_of(dict(form.data))
    )


def posted_value(bound: forms.BoundField) -> Any:
    """What a browser posts for the field as the page shows it."""
    value = bound.value()
    widget = bound.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "on" if value else OMIT
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if value is None:
        return ""
    formatted = widget.format_value(value)
    if isinstance(formatted, list):  # a select's chosen values
        return [str(item) for item in formatted]
    return "" if formatted is None else str(formatted)


def page_post(
    all_forms: Iterable[forms.BaseForm],
) -> tuple[dict[str, Any], dict[str, forms.Field]]:
    """The post of the forms as shown, and the field behind each key."""
    data: dict[str, Any] = {}
    fields: dict[str, forms.Field] = {}
    for form in all_forms:
        for bound in form:
            data[bound.html_name] = posted_value(bound)
            fields[bound.html_name] = bound.field
    return post_of(data), fields


def formset_forms(formset: forms.BaseFormSet) -> list[forms.BaseForm]:
    """The management form and every row form of a formset, as the page shows them."""
    return [formset.management_form, *formset.forms]


def near(
    baseline: dict[str, Any],
    fields: Mapping[str, forms.Field],
    *,
    extra: dict[str, st.SearchStrategy[Any]] | None = None,
    max_changes: int = 3,
) -> st.SearchStrategy[dict[str, Any]]:
    """A valid post with up to ``max_changes`` keys set to hostile values or left out.

    ``extra`` adds keys the page does not show (buttons, say) with the values they may take.
    """
    extra = extra or {}
    keys = sorted({*baseline, *fields, *extra})

    @st.composite
    def changed(draw: st.DrawFn) -> dict[str, Any]:
        data = dict(baseline)
        for key in draw(st.lists(st.sampled_from(keys), max_size=max_changes, unique=True)):
            if key in extra:
                strategy = extra[key]
            elif key.endswith(MANAGEMENT_FIELDS):
                strategy = management_values()
            else:
                strategy = values_for(fields.get(key))
            data[key] = draw(strategy)
        return post_of(data)

    return changed()
