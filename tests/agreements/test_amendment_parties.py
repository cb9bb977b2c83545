"""An amendment keeps the series' two teams; a series' performance data is for those teams only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agreements.exchange import agreement_export
from agreements.models import Agreement, Signature
from agreements.selectors import agreement_load_sections
from agreements.services.admin_writes import agreement_admin_save
from agreements.services.agreements import (
    ERROR_AMENDMENT_PARTIES,
    agreement_copy,
    agreement_import,
    agreement_section_update,
)
from agreements.services.amendments import agreement_amend
from agreements.services.review import agreement_submit
from teams.models import Membership, Side, Team
from tests.agreements.drafting import edit_url, section_payload
from tests.agreements.signing import sign
from tests.agreements.signoff_pages import fresh, text_of
from tests.factories import AlertFactory, MembershipFactory, MonthlyActualFactory, UserFactory

pytestmark = pytest.mark.django_db

SERIES_PAGES = (
    "actuals",
    "actuals_month",
    "actuals_import",
    "kpi_actuals",
    "leads_import",
    "dashboard",
    "actuals_csv",
    "leads_csv",
)


@pytest.fixture
def other_sales(db: None) -> Team:
    return Team.objects.create(name="Enterprise Sales", side=Side.SALES)


@pytest.fixture
def other_signatory(other_sales: Team) -> Any:
    return MembershipFactory.create(
        team=other_sales,
        user=UserFactory.create(username="eve", first_name="Eve", last_name="Enterprise"),
        role=Membership.Role.SIGNATORY,
    ).user


@pytest.fixture
def amendment(signed: Agreement, marketing_member: Any) -> Agreement:
    return agreement_amend(agreement=signed, actor=marketing_member)


def _header_update(amendment: Agreement, actor: Any, **fields: Any) -> Agreement:
    return agreement_section_update(
        agreement=amendment,
        actor=actor,
        section="header",
        base_revision=amendment.revision,
        fields={
            "title": amendment.title,
            "marketing_team": amendment.marketing_team,
            "sales_team": amendment.sales_team,
            "start_date": amendment.start_date,
            "end_date": amendment.end_date,
            **fields,
        },
    )


def test_amendment_refuses_a_change_of_sales_team_the_reported_attack(
    amendment: Agreement, marketing_member: Any, other_sales: Team, other_signatory: Any
) -> None:
    """The attack as reported stops at the header: another sales team cannot be put on v2.

    A marketing member amended, swapped the sales team for one of their choosing, submitted,
    and that team's signatory signed. The change of team is now refused and nothing is saved,
    so the other team's signatory has nothing to sign.
    """
    revision = amendment.revision

    with pytest.raises(ValidationError) as refused:
        _header_update(amendment, marketing_member, sales_team=other_sales)

    assert refused.value.code == "amendment_parties"
    assert refused.value.messages == [ERROR_AMENDMENT_PARTIES]
    stored = fresh(amendment)
    assert stored.sales_team_id == amendment.sales_team_id
    assert stored.revision == revision
    submitted = agreement_submit(agreement=stored, actor=marketing_member)
    with pytest.raises(PermissionDenied):
        sign(submitted, other_signatory, other_sales)
    assert not Signature.objects.filter(agreement=amendment).exists()


def test_amendment_refuses_a_change_of_marketing_team(
    amendment: Agreement, marketing_member: Any
) -> None:
    """The marketing side is kept too; other header fields still change."""
    another = Team.objects.create(name="Brand Marketing", side=Side.MARKETING)
    MembershipFactory.create(team=another, user=marketing_member)

    with pytest.raises(ValidationError, match="keeps the two teams"):
        _header_update(amendment, marketing_member, marketing_team=another)

    _header_update(amendment, marketing_member, title="Q1 pipeline SLA, amended")
    assert fresh(amendment).title == "Q1 pipeline SLA, amended"


def test_a_first_version_may_still_change_its_teams(
    agreement: Agreement, marketing_member: Any, other_sales: Team
) -> None:
    """Only amendments are bound: a draft that amends nothing picks its parties freely."""
    _header_update(agreement, marketing_member, sales_team=other_sales)

    assert fresh(agreement).sales_team == other_sales


def test_copy_and_import_of_an_amendment_with_other_teams_start_a_new_series(
    amendment: Agreement, marketing_member: Any, other_sales: Team
) -> None:
    """Copy and import make independent first versions: they never amend, whatever the teams."""
    MembershipFactory.create(team=other_sales, user=marketing_member)
    copy = agreement_copy(source=amendment, actor=marketing_member, sales_team=other_sales)
    document = agreement_export(agreement_load_sections(amendment.pk))
    document["sales_team"] = other_sales.name
    imported = agreement_import(document=document, actor=marketing_member)

    for made in (copy, imported):
        assert made.amends_id is None
        assert made.version == 1
        assert made.series_id != amendment.series_id
        assert made.sales_team_id == other_sales.pk


def test_amendment_header_form_shows_the_teams_read_only_and_refuses_a_posted_team(
    client: Any, amendment: Agreement, marketing_member: Any, other_sales: Team
) -> None:
    """The header page of an amendment shows its teams disabled; a forged POST is refused."""
    client.force_login(marketing_member)

    page = client.get(edit_url(amendment, "header")).content.decode()
    for name in ("marketing_team", "sales_team"):
        assert re.search(rf'<select name="{name}"[^>]* disabled', page), name
    assert "keeps the two teams" in page

    forged = section_payload(amendment, "header") | {"sales_team": str(other_sales.pk)}
    response = client.post(edit_url(amendment, "header"), forged)
    assert response.status_code == 200
    assert ERROR_AMENDMENT_PARTIES in text_of(response)
    assert fresh(amendment).sales_team_id == amendment.sales_team_id

    kept = section_payload(amendment, "header")
    del kept["sales_team"], kept["marketing_team"]  # what a browser posts: no disabled field
    assert client.post(edit_url(amendment, "header"), kept).status_code == 302
    assert fresh(amendment).title == "FY27 hand-off SLA"
    assert fresh(amendment).sales_team_id == amendment.sales_team_id


def test_admin_save_refuses_a_change_of_team_on_an_amendment(
    amendment: Agreement, staff_user: Any, other_sales: Team
) -> None:
    """Staff editing an amendment in the admin cannot swap a party either."""
    amendment.sales_team = other_sales

    with pytest.raises(ValidationError, match="keeps the two teams"):
        agreement_admin_save(agreement=amendment, actor=staff_user, write=amendment.save)

    assert fresh(amendment).sales_team_id != other_sales.pk


@pytest.fixture
def forged_amendment(amendment: Agreement, other_sales: Team) -> Agreement:
    """A draft amendment naming another sales team, as data written before the rule held."""
    Agreement.objects.filter(pk=amendment.pk).update(sales_team=other_sales)
    return fresh(amendment)


def _page(name: str, agreement: Agreement) -> str:
    return reverse(f"performance:{name}", args=[agreement.pk])


def test_series_performance_pages_are_hidden_from_a_team_only_on_a_forged_amendment(
    client: Any, signed: Agreement, forged_amendment: Agreement, other_signatory: Any
) -> None:
    """The other team sees the draft it is named on, but not the series' actuals: 404."""
    MonthlyActualFactory.create(series=signed.series)
    client.force_login(other_signatory)

    assert client.get(forged_amendment.get_absolute_url()).status_code == 200
    for name in SERIES_PAGES:
        assert client.get(_page(name, forged_amendment)).status_code == 404, name
        assert client.get(_page(name, signed)).status_code == 404, name
    assert client.post(_page("actuals_month", forged_amendment), {}).status_code == 404


def test_series_performance_pages_stay_open_to_the_parties_of_the_series(
    client: Any, forged_amendment: Agreement, marketing_member: Any
) -> None:
    """The series' own teams keep every page, from the amendment too."""
    client.force_login(marketing_member)

    for name in SERIES_PAGES:
        assert client.get(_page(name, forged_amendment)).status_code == 200, name


def test_alerts_banner_is_not_shown_to_a_team_only_on_a_forged_amendment(
    client: Any,
    signed: Agreement,
    forged_amendment: Agreement,
    other_signatory: Any,
    marketing_member: Any,
) -> None:
    """The series' open alerts are performance data: not on the forged draft's page."""
    AlertFactory.create(agreement=signed)

    client.force_login(other_signatory)
    assert "alerts-banner" not in client.get(forged_amendment.get_absolute_url()).content.decode()
    client.force_login(marketing_member)
    assert "alerts-banner" in client.get(forged_amendment.get_absolute_url()).content.decode()
