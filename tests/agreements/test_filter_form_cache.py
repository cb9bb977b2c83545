"""The lists' filter forms from the cache: the same markup, never another user's choices."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from crispy_forms.utils import render_crispy_form
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.forms.drafting.listing import AgreementFilterForm
from agreements.forms.signoff import SignedFilterForm
from agreements.page_cache import shared_form_html, shared_form_key
from agreements.selectors import teams_for_user
from teams.models import Membership, Team
from tests.agreements.signoff_pages import page_of

pytestmark = pytest.mark.django_db

LISTS = ["agreements:list", "agreements:signed_list"]


def form_keys() -> list[str]:
    return [key for key in getattr(cache, "_cache", {}) if ":shared-form:" in key]


def filter_form(user: Any, data: dict[str, str] | None = None) -> AgreementFilterForm:
    return AgreementFilterForm(data, teams=teams_for_user(user))


@pytest.mark.parametrize("name", LISTS)
def test_the_cached_form_is_the_form_rendered_afresh(
    client: Any, signed: Any, marketing_member: Any, name: str
) -> None:
    """The second view, its form from the cache, shows exactly what the first rendered."""
    client.force_login(marketing_member)
    first = page_of(client.get(reverse(name)))
    assert form_keys(), "the first view keeps its form"
    second = page_of(client.get(reverse(name)))
    assert second == first
    assert "Marketing" in second


def test_the_cached_rendering_is_crispy_s(marketing_member: Any, sales_team: Team) -> None:
    """What the cache holds is the crispy rendering of the unbound form, markup for markup."""
    expected = str(render_crispy_form(filter_form(marketing_member)))

    assert str(shared_form_html(filter_form(marketing_member))) == expected
    assert str(shared_form_html(filter_form(marketing_member))) == expected
    assert 'id="agreement-filters"' in expected
    assert 'aria-label="Filter agreements"' in expected


@pytest.mark.parametrize("name", LISTS)
def test_the_warm_cache_costs_no_more_queries(
    client: Any,
    signed: Any,
    marketing_member: Any,
    name: str,
    django_assert_max_num_queries: Any,
) -> None:
    """A view served from the cache runs no query that the first view did not."""
    client.force_login(marketing_member)
    with CaptureQueriesContext(connection) as cold:
        client.get(reverse(name))
    with django_assert_max_num_queries(len(cold.captured_queries)):
        client.get(reverse(name))


def test_other_teams_or_another_language_read_another_key(
    marketing_member: Any, sales_member: Any
) -> None:
    """The key names the choices and the language, so no one reads a form of other teams."""
    marketing = shared_form_key(filter_form(marketing_member), language="en")
    sales = shared_form_key(filter_form(sales_member), language="en")

    assert marketing != sales
    assert shared_form_key(filter_form(marketing_member), language="de") != marketing
    assert shared_form_key(filter_form(marketing_member), language="en") == marketing
    assert str(marketing_member.pk) not in marketing.split(":")


def test_a_renamed_team_is_never_shown_by_its_old_name(
    client: Any, marketing_member: Any, marketing_team: Team
) -> None:
    """Renaming a team changes the choices, hence the key: the form shows the new name."""
    client.force_login(marketing_member)
    client.get(reverse("agreements:list"))
    marketing_team.name = "Demand generation"
    marketing_team.save()

    page = page_of(client.get(reverse("agreements:list")))

    assert "Demand generation" in page
    assert len(form_keys()) == 2


def test_a_new_team_is_offered_at_once(
    client: Any, marketing_member: Any, sales_team: Team
) -> None:
    """Joining a team changes the choices: the cached form of one team is not shown."""
    client.force_login(marketing_member)
    assert sales_team.name not in page_of(client.get(reverse("agreements:list")))
    Membership.objects.create(user=marketing_member, team=sales_team)

    assert sales_team.name in page_of(client.get(reverse("agreements:list")))


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("agreements:list", {"q": "pipeline"}),
        ("agreements:list", {"status": "bogus"}),
        ("agreements:list", {"page": "2"}),
        ("agreements:signed_list", {"period_from": "2024-02-01", "period_to": "2024-01-01"}),
    ],
)
def test_a_bound_form_is_never_cached(
    client: Any, signed: Any, marketing_member: Any, name: str, query: dict[str, str]
) -> None:
    """A form with filters shows what was typed and its errors: rendered afresh, not kept."""
    client.force_login(marketing_member)

    client.get(reverse(name), query)

    assert form_keys() == []


def test_a_bound_form_shows_its_values_and_errors(client: Any, marketing_member: Any) -> None:
    """After an unbound view warmed the cache, a bound one still shows its own values."""
    client.force_login(marketing_member)
    client.get(reverse("agreements:signed_list"))

    page = page_of(
        client.get(
            reverse("agreements:signed_list"),
            {"period_from": "2024-02-01", "period_to": "2024-01-01"},
        )
    )

    assert 'value="2024-02-01"' in page
    assert "The end of the period must not be before its start." in page


@pytest.mark.parametrize("name", LISTS)
def test_a_failing_cache_renders_the_form(
    client: Any, signed: Any, marketing_member: Any, name: str
) -> None:
    """When the cache cannot be reached the page renders its form as if nothing were cached."""
    client.force_login(marketing_member)
    expected = page_of(client.get(reverse(name)))
    broken = mock.Mock(
        get=mock.Mock(side_effect=ConnectionError("down")),
        set=mock.Mock(side_effect=ConnectionError("down")),
    )

    with mock.patch("agreements.page_cache.cache", broken):
        page = page_of(client.get(reverse(name)))

    assert page == expected
    assert broken.get.called


def test_the_signed_list_form_keeps_its_own_key(marketing_member: Any) -> None:
    """Two forms offering the same teams keep two renderings: the key names the form."""
    teams = teams_for_user(marketing_member)
    agreements = shared_form_key(AgreementFilterForm(teams=teams), language="en")
    signed = shared_form_key(SignedFilterForm(teams=teams), language="en")

    assert agreements != signed


def test_a_post_form_is_shared_only_without_its_form_tag_and_csrf_token() -> None:
    from agreements.forms.signoff import CommentForm

    with pytest.raises(ValueError, match="CSRF token or a form tag"):
        shared_form_html(CommentForm())
    fields_only = str(shared_form_html(CommentForm(form_tag=False)))
    assert "<form" not in fields_only
    assert "csrfmiddlewaretoken" not in fields_only
    assert 'name="body"' in fields_only
    assert 'type="submit"' in fields_only
