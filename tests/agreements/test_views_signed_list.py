"""The list of signed SLAs: standing, filters, pagination and who sees what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from agreements.selectors import signed_agreement_teams
from teams.models import Team
from tests.agreements.signoff_pages import (
    text_of,
    url,
)
from tests.factories import (
    AgreementFactory,
    KpiFactory,
    LeadTypeServiceLevelFactory,
    advance_to,
)

pytestmark = pytest.mark.django_db

# Session, user, the user's team ids (named by value, so PostgreSQL reads only their agreements
# through the team indexes: visible_agreements), the filter's teams, count and the page's rows.
SIGNED_LIST_QUERIES = 6

# With one KPI and one lead type, the least content that can go to sign-off.
FUNNEL_INPUTS = {
    "revenue_goal": Decimal("1200000"),
    "marketing_share_pct": Decimal("40"),
    "average_deal_size": Decimal("8000"),
    "lead_to_mql_pct": Decimal("15"),
    "mql_to_sql_pct": Decimal("30"),
    "sql_to_won_pct": Decimal("20"),
    "months": 6,
}


# Signed SLAs.


def make_agreement(
    marketing_team: Team,
    sales_team: Team,
    actor: Any,
    *,
    title: str,
    start: dt.date,
    end: dt.date,
    from_template: bool = True,
) -> Agreement:
    """An agreement signed by both teams: the standard one, or the least that can be signed."""
    agreement = AgreementFactory.create(
        owner=actor,
        title=title,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=start,
        end_date=end,
        from_template=from_template,
        **({} if from_template else FUNNEL_INPUTS),
    )
    if not from_template:
        KpiFactory.create(agreement=agreement)
        LeadTypeServiceLevelFactory.create(agreement=agreement)
    return advance_to(agreement, Agreement.Status.SIGNED)


def test_signed_list_shows_only_signed_agreements_with_their_standing(
    client: Any,
    marketing_team: Team,
    sales_team: Team,
    marketing_member: Any,
    agreement: Agreement,
) -> None:
    """Drafts stay off the list; each signed agreement reads in force, expired or scheduled."""
    today = timezone.localdate()
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="Current SLA",
        start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=80),
    )
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="Old SLA",
        start=today - dt.timedelta(days=400),
        end=today - dt.timedelta(days=300),
    )
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="Next SLA",
        start=today + dt.timedelta(days=100),
        end=today + dt.timedelta(days=190),
    )
    client.force_login(marketing_member)

    response = client.get(reverse("agreements:signed_list"))

    text = text_of(response)
    assert "Current SLA" in text and "In force" in text
    assert "Old SLA" in text and "Expired" in text
    assert "Next SLA" in text and "Signed, not yet in force" in text
    assert agreement.title not in text
    assert 'href="/agreements/signed/"' in response.content.decode()  # the nav link


def test_signed_list_shows_superseded_versions(
    client: Any,
    signed: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """Once an amendment is signed, the earlier version is listed as superseded."""
    AgreementFactory.create(
        amends=signed,
        signed=True,
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
    )
    client.force_login(marketing_member)

    text = text_of(client.get(reverse("agreements:signed_list")))

    assert "Superseded" in text
    assert text.count("Q1 pipeline SLA") == 2


def test_signed_list_filters_by_team_and_overlapping_period(
    client: Any, marketing_team: Team, sales_team: Team, marketing_member: Any
) -> None:
    """A team filter keeps that team's agreements; a period keeps those overlapping it."""
    other_sales = Team.objects.create(name="Partner Sales", side="sales")
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="Winter SLA",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
    )
    make_agreement(
        marketing_team,
        other_sales,
        marketing_member,
        title="Summer SLA",
        start=dt.date(2026, 6, 1),
        end=dt.date(2026, 8, 31),
    )
    client.force_login(marketing_member)
    address = reverse("agreements:signed_list")

    by_team = text_of(client.get(address, {"team": other_sales.pk}))
    assert "Summer SLA" in by_team and "Winter SLA" not in by_team

    overlapping = text_of(client.get(address, {"period_from": "2026-03-15"}))
    assert "Summer SLA" in overlapping and "Winter SLA" in overlapping

    spring = text_of(client.get(address, {"period_from": "2026-04-01", "period_to": "2026-05-31"}))
    assert "No signed agreement matches these filters." in spring

    early = text_of(client.get(address, {"period_to": "2026-02-01"}))
    assert "Winter SLA" in early and "Summer SLA" not in early

    backwards = client.get(address, {"period_from": "2026-05-01", "period_to": "2026-04-01"})
    assert "must not be before its start" in text_of(backwards)
    assert 'value="2026-05-01"' in backwards.content.decode()


def test_signed_list_is_empty_for_outsiders_and_new_users(
    client: Any, signed: Agreement, outsider: Any
) -> None:
    """Nobody sees a signed agreement of teams they are not in."""
    client.force_login(outsider)

    response = client.get(reverse("agreements:signed_list"))

    assert "No signed agreements yet." in text_of(response)
    assert signed.title not in text_of(response)


def test_signed_list_paginates_by_twenty_with_a_fixed_query_count(
    client: Any,
    marketing_team: Team,
    sales_team: Team,
    marketing_member: Any,
    django_assert_num_queries: Any,
) -> None:
    """One signed agreement or fifty: the same queries; fifty make three pages."""
    last_year = timezone.localdate() - dt.timedelta(days=400)
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="SLA 0",
        start=last_year,
        end=last_year + dt.timedelta(days=90),
    )
    client.force_login(marketing_member)
    address = reverse("agreements:signed_list")
    with django_assert_num_queries(SIGNED_LIST_QUERIES):
        client.get(address)

    # The list reads no section, so these carry only what sign-off needs, to save time.
    for number in range(1, 50):
        make_agreement(
            marketing_team,
            sales_team,
            marketing_member,
            title=f"SLA {number}",
            start=last_year,
            end=last_year + dt.timedelta(days=90),
            from_template=False,
        )
    with django_assert_num_queries(SIGNED_LIST_QUERIES):
        first = client.get(address)

    assert text_of(first).count("Expired") == 20
    assert "Page 1 of 3" in text_of(first)
    last = client.get(address, {"page": 3, "team": marketing_team.pk})
    assert text_of(last).count("Expired") == 10
    assert "Page 3 of 3" in text_of(last)
    # The previous page's link keeps the filter.
    assert f'rel="prev" href="?page=2&amp;team={marketing_team.pk}"' in last.content.decode()


def test_signed_list_row_opens_a_read_only_page(
    client: Any, signed: Agreement, sales_member: Any
) -> None:
    """The row links the agreement page, which shows signatures, evidence and verification."""
    client.force_login(sales_member)
    listing = client.get(reverse("agreements:signed_list")).content.decode()
    assert f'href="{signed.get_absolute_url()}"' in listing

    page = client.get(signed.get_absolute_url())

    text = text_of(page)
    assert "Signed by Sally Seller" in text
    assert "Integrity: intact" in text
    assert url("evidence", signed) in page.content.decode()
    assert url("section_edit", signed, "kpis") not in page.content.decode()


def test_the_team_filter_offers_both_sides_of_the_signed_agreements_the_user_sees(
    marketing_team: Team, sales_team: Team, marketing_member: Any
) -> None:
    """Each party of a visible signed agreement, once; not a draft's, not another user's."""
    partner = Team.objects.create(name="Partner Sales", side="sales")
    drafting = Team.objects.create(name="Drafting Sales", side="sales")
    year = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    make_agreement(marketing_team, sales_team, marketing_member, title="A", start=year[0],
                   end=year[1], from_template=False)  # fmt: skip
    make_agreement(marketing_team, partner, marketing_member, title="B", start=year[0],
                   end=year[1], from_template=False)  # fmt: skip
    AgreementFactory.create(marketing_team=marketing_team, sales_team=drafting,
                            from_template=False)  # fmt: skip
    AgreementFactory.create(signed=True)  # signed by two other teams

    teams = list(signed_agreement_teams(user=marketing_member))

    assert teams == sorted([marketing_team, sales_team, partner], key=lambda team: team.name)
