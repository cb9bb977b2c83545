"""Content schemas /1 and /2: what was signed in /1 still verifies under its /1 digest."""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from typing import Any

from agreements.exchange import (
    SCHEMA_1,
    SCHEMA_2,
    agreement_digest,
    agreement_export,
    content_of,
    content_upgrade,
)
from agreements.models import Agreement, Kpi
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import (
    agreement_copy,
    agreement_import,
    agreement_section_update,
)
from agreements.services.amendments import agreement_amend
from agreements.verification import verify_agreement
from tests.agreements.test_digest import FIXED_DIGEST, FIXED_DOCUMENT
from tests.factories import advance_to


def _old_canonical_digest(document: dict[str, Any]) -> str:
    """The /1 digest as release 871c65e took it: sorted, compact JSON of the /1 content."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _schema_1(document: dict[str, Any], marketing_member: Any) -> Agreement:
    """The document as the old code stored it: imported, its rows unchanged, schema 1."""
    agreement = agreement_import(document=document, actor=marketing_member)
    Agreement.objects.filter(pk=agreement.pk).update(content_schema=1)
    return Agreement.objects.get(pk=agreement.pk)


def _hand_made_v1_content() -> dict[str, Any]:
    """FIXED_DOCUMENT as the old content_of wrote it: numbers normalised, plan worked out.

    Plan: 1,234,567.89 × 33.33% = 411,481.4777… ÷ 7,500.50 = 54.86… → 55 customers;
    ÷ 22.25% = 247.19… → 248 SQLs; ÷ 35% = 708.57… → 709 MQLs; ÷ 12.5% = 5,672 leads;
    per month (÷ 6): 10 customers, 42 SQLs, 119 MQLs, 946 leads; 5,672 ÷ 55 = 103.13.
    """
    content = copy.deepcopy(FIXED_DOCUMENT)
    content["funnel"].update(
        {
            "revenue_goal": "1234567.89",
            "marketing_share_pct": "33.33",
            "average_deal_size": "7500.50",
            "lead_to_mql_pct": "12.50",
            "mql_to_sql_pct": "35.00",
            "sql_to_won_pct": "22.25",
            "plan": {
                "customers": 55,
                "sqls": 248,
                "mqls": 709,
                "leads": 5672,
                "leads_per_customer": "103.13",
                "per_month": {"customers": 10, "sqls": 42, "mqls": 119, "leads": 946},
            },
        }
    )
    content["kpis"][0]["target"] = "120.50"
    content["service_levels"]["calendar"]["workdays"] = [1, 2, 3, 4, 5]
    content["service_levels"]["calendar"]["holidays"] = ["2026-01-01", "2026-05-01"]
    content["service_levels"]["lead_types"][0]["first_response_hours"] = "1.50"
    return content


def test_schema_1_content_is_exactly_the_old_content(
    marketing_member: Any, sales_team: Any
) -> None:
    """A schema-1 agreement's content has the old keys (no measure) and its old digest."""
    agreement = _schema_1(FIXED_DOCUMENT, marketing_member)
    content = content_of(agreement_load_sections(agreement.pk))
    assert content == _hand_made_v1_content()
    assert content["schema"] == SCHEMA_1
    assert "measure" not in content["kpis"][0]
    assert agreement_digest(agreement_load_sections(agreement.pk)) == FIXED_DIGEST
    assert _old_canonical_digest(_hand_made_v1_content()) == FIXED_DIGEST


def test_a_version_signed_in_schema_1_still_verifies(
    marketing_member: Any, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """Signed before KPIs had a measure (schema 1): intact, its digest the hand-made /1 one."""
    agreement = _schema_1(FIXED_DOCUMENT, marketing_member)
    signed = advance_to(agreement, Agreement.Status.SIGNED)
    result = verify_agreement(signed)
    assert result.is_intact, result.failed_checks
    assert result.current_digest == FIXED_DIGEST == _old_canonical_digest(_hand_made_v1_content())
    assert {check.signature.digest for check in result.signatures} == {FIXED_DIGEST}
    export = agreement_export(agreement_load_sections(signed.pk))
    assert export["schema"] == SCHEMA_1 and export["digest"] == FIXED_DIGEST


def test_new_agreements_are_schema_2_with_each_kpis_measure(
    marketing_member: Any, sales_team: Any
) -> None:
    """An import of /1 makes a schema-2 draft whose KPIs are entered by hand."""
    agreement = agreement_import(document=FIXED_DOCUMENT, actor=marketing_member)
    assert agreement.content_schema == 2
    content = content_of(agreement_load_sections(agreement.pk))
    assert content["schema"] == SCHEMA_2
    assert content["kpis"][0]["measure"] == "manual"


def test_a_schema_2_document_carries_the_measure(marketing_member: Any, sales_team: Any) -> None:
    """/2 imports the measure; an unknown measure is an error at its path."""
    document = copy.deepcopy(FIXED_DOCUMENT)
    document["schema"] = SCHEMA_2
    document["kpis"][0]["measure"] = "mqls"
    agreement = agreement_import(document=document, actor=marketing_member)
    assert Kpi.objects.get(agreement=agreement).measure == Kpi.Measure.MQLS
    document["kpis"][0]["measure"] = "mood"
    try:
        agreement_import(document=document, actor=marketing_member)
    except Exception as error:  # noqa: BLE001 - ContentErrors carries the paths
        assert "kpis[0].measure" in str(error)
    else:
        raise AssertionError("an unknown measure was accepted")


def test_a_weekly_funnel_measure_is_refused(marketing_member: Any, sales_team: Any) -> None:
    """MQLs come from the monthly actuals: a weekly cadence is refused at the cadence."""
    document = copy.deepcopy(FIXED_DOCUMENT)
    document["schema"] = SCHEMA_2
    document["kpis"][0].update(measure="mqls", cadence="weekly")
    try:
        agreement_import(document=document, actor=marketing_member)
    except Exception as error:  # noqa: BLE001
        assert "kpis[0].cadence" in str(error)
    else:
        raise AssertionError("a weekly MQL count was accepted")


def test_a_schema_1_draft_moves_to_schema_2_when_edited(
    marketing_member: Any, sales_team: Any
) -> None:
    """Drafts are not signed: the next edit upgrades the content, measures manual."""
    agreement = _schema_1(FIXED_DOCUMENT, marketing_member)
    edited = agreement_section_update(
        agreement=agreement,
        actor=marketing_member,
        section="review",
        base_revision=agreement.revision,
        fields={"meeting_cadence": "monthly"},
    )
    assert edited.content_schema == 2
    content = content_of(agreement_load_sections(edited.pk))
    assert content["schema"] == SCHEMA_2
    assert content["kpis"][0]["measure"] == "manual"


def test_a_stale_form_of_a_schema_1_draft_is_not_a_conflict_for_the_upgrade(
    marketing_member: Any, sales_team: Any
) -> None:
    """Another section's edit upgraded the draft; a KPI form opened before still saves."""
    agreement = _schema_1(FIXED_DOCUMENT, marketing_member)
    opened_at = agreement.revision
    agreement_section_update(
        agreement=agreement,
        actor=marketing_member,
        section="review",
        base_revision=opened_at,
        fields={"meeting_cadence": "monthly"},
    )
    kpi = {
        "name": "MQLs delivered",
        "measure": "mqls",
        "owner": "marketing",
        "target": Decimal("100"),
        "unit": "MQLs",
        "direction": "at_least",
        "cadence": "monthly",
    }
    saved = agreement_section_update(
        agreement=agreement,
        actor=marketing_member,
        section="kpis",
        base_revision=opened_at,
        fields={},
        rows={"kpis": [kpi]},
    )
    assert Kpi.objects.get(agreement=saved).measure == "mqls"


def test_amendments_and_copies_are_schema_2(
    marketing_member: Any, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """The next version, or a copy, of a schema-1 agreement is schema 2, KPIs manual."""
    signed = advance_to(_schema_1(FIXED_DOCUMENT, marketing_member), Agreement.Status.SIGNED)
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    copied = agreement_copy(source=signed, actor=marketing_member)
    for made in (amendment, copied):
        assert made.content_schema == 2
        assert Kpi.objects.get(agreement=made).measure == "manual"
    # The signed version is untouched and still intact.
    assert verify_agreement(signed).is_intact


def test_content_upgrade_reads_1_as_2() -> None:
    """/1 content upgraded is /2 with every KPI entered by hand; /2 passes as it is."""
    upgraded = content_upgrade(_hand_made_v1_content())
    assert upgraded["schema"] == SCHEMA_2
    assert upgraded["kpis"][0]["measure"] == "manual"
    assert content_upgrade(upgraded) is upgraded


def test_the_kpi_form_has_a_measure_and_the_page_shows_it(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """The KPI section's form offers the measure; the agreement page says computed or by hand."""
    from django.urls import reverse

    Kpi.objects.filter(agreement=agreement, name="MQLs delivered").update(measure="manual")
    client.force_login(marketing_member)
    form = client.get(reverse("agreements:section_edit", args=[agreement.pk, "kpis"]))
    assert 'name="kpis-0-measure"' in form.content.decode()
    detail = client.get(agreement.get_absolute_url()).content.decode()
    assert "Computed: Leads followed up within the SLA (%)" in detail
    assert "Entered by hand" in detail
