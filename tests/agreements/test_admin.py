"""The Django admin: every page loads, and agreement writes follow the services' rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.admin.agreement_forms import CALENDAR_SUMMARY
from agreements.exchange import agreement_digest
from agreements.funnel import FUNNEL_INPUTS
from agreements.models import Agreement, AgreementEvent, Comment, EmailDelivery, Holiday, Kpi
from agreements.sections import CONTENT_FIELDS
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import agreement_create
from agreements.services.review import agreement_withdraw
from performance.models import (
    Alert,
    ImportBatch,
    KpiActual,
    LeadColumnMapping,
    LeadRecord,
    MonthlyActual,
    PendingUpload,
)
from performance.services.lead_tally import lead_tally_refresh
from tests.factories import advance_to, sign_as
from tests.sessions import confirm_password


def _url(model: type[Model] | Model, view: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client_(client: Any, staff_user: Any) -> Any:
    client.force_login(staff_user)
    confirm_password(client)
    return client


@pytest.fixture
def full_world(agreement: Agreement, marketing_signatory: Any, sales_member: Any) -> Agreement:
    """One row of every model, so every change and delete page has an object to show.

    The agreement is a draft again after a review that one team signed: its signature is void.
    """
    Holiday.objects.create(agreement=agreement, date=dt.date(2026, 1, 6))
    in_review = advance_to(agreement, Agreement.Status.IN_REVIEW)
    sign_as(in_review, marketing_signatory, in_review.marketing_team)
    agreement = agreement_withdraw(agreement=in_review, actor=sales_member)
    Comment.objects.create(agreement=agreement, author=sales_member, body="Looks good.")
    series = agreement.series
    now = timezone.now()
    MonthlyActual.objects.create(series=series, month=dt.date(2026, 1, 1), leads=480, mqls=90)
    KpiActual.objects.create(
        series=series, kpi_name="MQLs delivered", period_start=dt.date(2026, 1, 1), value=90
    )
    LeadRecord.objects.create(
        series=series,
        agreement=agreement,
        lead_id="L-1",
        lead_type="Demo request",
        mql_at=now,
        limit_hours=Decimal("1"),
        due_at=now + dt.timedelta(hours=1),
    )
    lead_tally_refresh(series_id=series.pk)
    LeadColumnMapping.objects.create(series=series, mapping={"Lead ID": "lead_id"})
    ImportBatch.objects.create(
        series=series, kind=ImportBatch.Kind.LEADS, file_name="crm.csv", created=1
    )
    PendingUpload.objects.create(
        owner=sales_member,
        agreement=agreement,
        kind=PendingUpload.Kind.LEADS,
        content=b"Lead ID,Kind\n",
        file_name="crm.csv",
        expires_at=now + dt.timedelta(hours=1),
    )
    Alert.objects.create(
        series=series,
        agreement=agreement,
        kind=Alert.Kind.KPI_AT_RISK,
        occurrence="kpi:MQLs delivered:2026-01",
        message="MQLs delivered is at risk.",
    )
    EmailDelivery.objects.create(
        occurrence="submitted:event=1",
        recipient="mia@example.com",
        kind="submitted",
        agreement=agreement,
        subject="Please review and sign",
        body="Open the agreement.",
    )
    return agreement


def _app_models() -> list[type[Model]]:
    return [
        model
        for label in ("teams", "agreements", "performance")
        for model in apps.get_app_config(label).get_models()
    ]


def _post_data(response: Any) -> dict[str, Any]:
    """The change form's current values, as the browser would submit them unchanged."""
    data: dict[str, Any] = {}

    def add_form(form: Any) -> None:
        for bound in form:
            value = bound.value()
            if isinstance(bound.field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
                continue
            if value is None:
                value = ""
            elif isinstance(value, (list, tuple)):
                data[bound.html_name] = list(value)
                continue
            data[bound.html_name] = str(value)
            if bound.field.show_hidden_initial:
                # Fields with a callable default carry their initial value in a hidden input.
                data[bound.html_initial_name] = str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = str(bound.value())
        for form in formset.forms:
            add_form(form)
    data["_save"] = "Save"
    return data


# Every page


def test_every_model_is_registered():
    """Each model of the app has an admin."""
    unregistered = [model.__name__ for model in _app_models() if model not in admin.site._registry]
    assert unregistered == []


@pytest.mark.parametrize("model", _app_models(), ids=lambda model: model.__name__)
def test_every_admin_page_loads(admin_client_, staff_user, full_world, model):
    """Changelist, search, add, change, history and delete pages answer 200 where the admin
    offers them, and 403 where it withholds them (records that only the services write)."""
    model_admin = admin.site._registry[model]
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {model.__name__} to show"
    request = type("Request", (), {"user": staff_user})()

    assert admin_client_.get(_url(model, "changelist")).status_code == 200
    assert admin_client_.get(_url(model, "changelist"), {"q": "a"}).status_code == 200
    add_status = 200 if model_admin.has_add_permission(request) else 403
    assert admin_client_.get(_url(model, "add")).status_code == add_status
    assert admin_client_.get(_url(model, "change", obj.pk)).status_code == 200
    assert admin_client_.get(_url(model, "history", obj.pk)).status_code == 200
    delete_status = 200 if model_admin.has_delete_permission(request, obj) else 403
    assert admin_client_.get(_url(model, "delete", obj.pk)).status_code == delete_status


def test_admin_index_lists_the_app(admin_client_, db):
    """The admin home page loads and links to the agreements."""
    response = admin_client_.get(reverse("admin:index"))
    assert response.status_code == 200
    assert _url(Agreement, "changelist") in response.content.decode()


@pytest.mark.parametrize("model", [Agreement, AgreementEvent, Kpi], ids=lambda m: m.__name__)
def test_changelist_query_count_does_not_grow(
    admin_client_, marketing_member, marketing_team, sales_team, model
):
    """A changelist costs the same queries with 1 or 6 agreements (list_select_related)."""

    def make(count: int) -> None:
        for index in range(count):
            agreement_create(
                actor=marketing_member,
                title=f"SLA {Agreement.objects.count() + index}",
                marketing_team=marketing_team,
                sales_team=sales_team,
                start_date=dt.date(2026, 1, 1),
                end_date=dt.date(2026, 3, 31),
                from_template=True,
            )

    url = _url(model, "changelist")
    make(1)
    admin_client_.get(url)
    with CaptureQueriesContext(connection) as small:
        assert admin_client_.get(url).status_code == 200
    make(5)
    with CaptureQueriesContext(connection) as large:
        assert admin_client_.get(url).status_code == 200
    assert len(large) == len(small)


# Adding an agreement


def test_adding_an_agreement_goes_through_the_service(
    admin_client_, staff_user, marketing_team, sales_team
):
    """A draft added in the admin is created by agreement_create: template rows, event, revision."""
    response = admin_client_.post(
        _url(Agreement, "add"),
        {
            "title": "Admin-made SLA",
            "marketing_team": marketing_team.pk,
            "sales_team": sales_team.pk,
            "start_date": "2026-04-01",
            "end_date": "2026-06-30",
            "from_template": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    created = Agreement.objects.get(title="Admin-made SLA")
    assert created.owner == staff_user
    assert created.status == Agreement.Status.DRAFT
    assert created.kpis.count() == 5
    assert list(created.events.values_list("kind", flat=True)) == ["created"]
    assert created.revisions.count() == 1


def test_adding_an_empty_agreement(admin_client_, marketing_team, sales_team):
    """Without the template box the new draft starts empty."""
    admin_client_.post(
        _url(Agreement, "add"),
        {
            "title": "Empty admin SLA",
            "marketing_team": marketing_team.pk,
            "sales_team": sales_team.pk,
            "start_date": "2026-04-01",
            "end_date": "2026-06-30",
            "_save": "Save",
        },
    )
    created = Agreement.objects.get(title="Empty admin SLA")
    assert created.kpis.count() == 0
    assert created.revenue_goal is None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"end_date": "2026-03-01"}, id="end before start"),
        pytest.param({"title": ""}, id="no title"),
        pytest.param({"swap_teams": True}, id="teams on the wrong sides"),
    ],
)
def test_invalid_add_creates_nothing(admin_client_, marketing_team, sales_team, change):
    """An invalid add form re-renders with errors and creates nothing."""
    data = {
        "title": "Bad",
        "marketing_team": marketing_team.pk,
        "sales_team": sales_team.pk,
        "start_date": "2026-04-01",
        "end_date": "2026-06-30",
        "_save": "Save",
    }
    if change.pop("swap_teams", False):
        data["marketing_team"], data["sales_team"] = sales_team.pk, marketing_team.pk
    data.update(change)

    response = admin_client_.post(_url(Agreement, "add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Agreement.objects.count() == 0
    assert AgreementEvent.objects.count() == 0


# Changing a draft


def test_editing_a_draft_writes_one_event_and_one_revision(admin_client_, staff_user, agreement):
    """Fields and inline rows saved in the admin bump the revision once, with one event."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    data = _post_data(page)
    data["title"] = "Q1 pipeline SLA (admin)"
    data["revenue_goal"] = "750000.00"
    data["kpis-0-target"] = "125.00"
    events_before = AgreementEvent.objects.count()
    revision_before = agreement.revision

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), data)

    assert response.status_code == 302, response.context["errors"]
    agreement.refresh_from_db()
    assert agreement.title == "Q1 pipeline SLA (admin)"
    assert agreement.revenue_goal == Decimal("750000.00")
    assert agreement.kpis.order_by("position").first().target == Decimal("125.00")
    assert agreement.revision == revision_before + 1
    assert AgreementEvent.objects.count() == events_before + 1
    event = agreement.events.order_by("pk").last()
    assert event.kind == AgreementEvent.Kind.SECTION_EDITED
    assert event.actor == staff_user
    assert event.details["section"] == "admin"
    assert event.details["revision"] == agreement.revision
    assert {"title", "revenue_goal", "kpis"} <= set(event.details["changed"])
    revision = agreement.revisions.get(number=agreement.revision)
    assert agreement.revisions.count() == 2
    assert revision.section == "admin"
    assert revision.digest == agreement_digest(agreement_load_sections(agreement.pk))
    assert revision.snapshot["title"] == "Q1 pipeline SLA (admin)"


def test_change_form_offers_every_content_field(admin_client_, agreement):
    """Every field of every section, the funnel inputs among them, can be changed here.

    The calendar's summary (working days, earliest start, latest end) follows its hours.
    """
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))

    fields = set(page.context["adminform"].form.fields)
    assert set(CONTENT_FIELDS) - set(CALENDAR_SUMMARY) <= fields
    assert not set(CALENDAR_SUMMARY) & fields
    assert set(FUNNEL_INPUTS) <= fields


def test_adding_and_deleting_inline_rows(admin_client_, agreement):
    """New rows go after the existing ones; deleted rows are gone; one revision is written."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    data = _post_data(page)
    total = int(data["kpis-TOTAL_FORMS"])
    data["kpis-TOTAL_FORMS"] = str(total + 1)
    data.update(
        {
            f"kpis-{total}-name": "Closed-won deals",
            f"kpis-{total}-owner": "sales",
            f"kpis-{total}-target": "10",
            f"kpis-{total}-unit": "deals",
            f"kpis-{total}-direction": "at_least",
            f"kpis-{total}-cadence": "monthly",
            f"kpis-{total}-measure": "manual",
            f"kpis-{total}-position": "0",
            "kpis-1-DELETE": "on",
        }
    )
    deleted_name = agreement.kpis.order_by("position")[1].name

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), data)

    assert response.status_code == 302
    names = list(agreement.kpis.order_by("position", "pk").values_list("name", flat=True))
    assert deleted_name not in names
    assert names[-1] == "Closed-won deals"
    assert agreement.revisions.count() == 2


def test_saving_without_changes_writes_nothing(admin_client_, agreement):
    """An unchanged save records no revision and no event."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    events_before = AgreementEvent.objects.count()

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), _post_data(page))

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.revision == 0
    assert AgreementEvent.objects.count() == events_before


def test_stale_admin_form_is_refused(admin_client_, marketing_member, agreement):
    """A save over a newer revision saved meanwhile is refused, and nothing is written."""
    from agreements.services.agreements import agreement_section_update

    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    agreement_section_update(
        agreement=agreement,
        actor=marketing_member,
        section="review",
        base_revision=agreement.revision,
        fields={"meeting_cadence": "quarterly"},
    )
    data = _post_data(page)
    data["title"] = "Overwrite"
    events_before = AgreementEvent.objects.count()

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    agreement.refresh_from_db()
    assert agreement.title == "Q1 pipeline SLA"
    assert AgreementEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("working_hours", '{"0": [["09:00", "17:00"]]}'),
        ("working_hours", "{}"),
        ("working_hours", '"weekdays"'),
        ("working_hours", '{"1": [["09:00", "12:00"], ["11:00", "17:00"]]}'),
        ("lead_to_mql_pct", "0"),
        ("marketing_share_pct", "101"),
        ("working_hours", '{"1": [["09:00", "08:00"]]}'),
        ("timezone", "Mars/Olympus"),
    ],
)
def test_invalid_admin_edit_is_refused(admin_client_, agreement, field, value):
    """The admin form states the same rules as the pages; an invalid edit writes nothing."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    data = _post_data(page)
    data[field] = value

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    agreement.refresh_from_db()
    assert agreement.revision == 0


def test_duplicate_kpi_name_in_inlines_is_refused(admin_client_, agreement):
    """Inline rows keep the database's uniqueness rules as form errors."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    data = _post_data(page)
    data["kpis-1-name"] = data["kpis-0-name"]

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), data)

    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.revision == 0


def test_team_choices_are_limited_to_their_side(admin_client_, agreement, outsider):
    """The marketing team field offers marketing teams only, the sales field sales teams."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    form = page.context["adminform"].form
    assert {team.side for team in form.fields["marketing_team"].queryset} == {"marketing"}
    assert {team.side for team in form.fields["sales_team"].queryset} == {"sales"}


# Agreements that are no longer drafts


@pytest.mark.parametrize("status", ["in_review", "signed", "cancelled"])
def test_non_draft_agreement_is_read_only(admin_client_, agreement, status):
    """In review, signed or cancelled: the change page is view only, its inlines too."""
    advance_to(agreement, status)

    response = admin_client_.get(_url(Agreement, "change", agreement.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert 'name="title"' not in html
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.has_delete_permission
    assert [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("status", ["in_review", "signed", "cancelled"])
def test_posting_to_a_non_draft_changes_nothing(admin_client_, agreement, status):
    """A forged POST to a non-draft's change page is refused and changes nothing."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    data = _post_data(page)
    data["title"] = "Tampered"
    data["kpis-0-target"] = "1.00"
    advance_to(agreement, status)
    digest_before = agreement_digest(agreement_load_sections(agreement.pk))
    events_before = AgreementEvent.objects.count()

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), data)

    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.title == "Q1 pipeline SLA"
    assert agreement_digest(agreement_load_sections(agreement.pk)) == digest_before
    assert AgreementEvent.objects.count() == events_before


@pytest.mark.parametrize("status", ["in_review", "signed", "cancelled"])
def test_non_draft_cannot_be_deleted(admin_client_, agreement, status):
    """The delete page of a non-draft is refused."""
    advance_to(agreement, status)

    assert admin_client_.get(_url(Agreement, "delete", agreement.pk)).status_code == 403
    response = admin_client_.post(_url(Agreement, "delete", agreement.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_draft_with_an_audit_trail_is_protected_from_deletion(admin_client_, full_world):
    """A draft's audit events and signatures are protected: the page says so, nothing is deleted."""
    response = admin_client_.get(_url(Agreement, "delete", full_world.pk))
    assert response.status_code == 200
    assert response.context["protected"]

    admin_client_.post(_url(Agreement, "delete", full_world.pk), {"post": "yes"})

    assert Agreement.objects.filter(pk=full_world.pk).exists()


def test_agreement_changelist_offers_no_bulk_delete(admin_client_, agreement):
    """Bulk deletion, which would skip the status check, is not offered."""
    response = admin_client_.get(_url(Agreement, "changelist"))
    assert "delete_selected" not in response.content.decode()


# The audit trail


def test_audit_events_cannot_be_added_changed_or_deleted(admin_client_, staff_user, agreement):
    """Events are view only: no add, change or delete, in pages or actions."""
    event = agreement.events.get()
    model_admin = admin.site._registry[AgreementEvent]
    request = type("Request", (), {"user": staff_user})()

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert admin_client_.get(_url(AgreementEvent, "add")).status_code == 403
    assert admin_client_.get(_url(AgreementEvent, "delete", event.pk)).status_code == 403
    page = admin_client_.get(_url(AgreementEvent, "change", event.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (
        admin_client_.post(_url(AgreementEvent, "change", event.pk), {"kind": "signed"}).status_code
        == 403
    )
    changelist = admin_client_.get(_url(AgreementEvent, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    event.refresh_from_db()
    assert event.kind == AgreementEvent.Kind.CREATED


@pytest.mark.parametrize("model_name", ["revision", "signature"])
def test_revisions_and_signatures_are_view_only(admin_client_, full_world, model_name):
    """Revisions and signatures are written by the services only."""
    model = apps.get_model("agreements", model_name)
    obj = model._default_manager.first()
    assert admin_client_.get(_url(model, "add")).status_code == 403
    assert admin_client_.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client_.get(_url(model, "delete", obj.pk)).status_code == 403


def test_working_hours_nested_past_the_recursion_limit_are_a_form_error(admin_client_, agreement):
    """JSON nested 100,000 deep is invalid input for the working hours, not a server error."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    data = _post_data(page)
    data["working_hours"] = "[" * 100_000 + "]" * 100_000
    revision_before = agreement.revision

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), data)

    assert response.status_code == 200
    assert "Enter working hours per ISO weekday" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.revision == revision_before


def test_admin_saves_working_hours_and_their_summary(admin_client_, agreement):
    """A lunch break and a short Friday saved in the admin; working days and times follow."""
    page = admin_client_.get(_url(Agreement, "change", agreement.pk))
    data = _post_data(page)
    data["working_hours"] = (
        '{"1": [["09:00", "12:00"], ["13:00", "17:00"]], "5": [["08:00", "13:00"]]}'
    )

    response = admin_client_.post(_url(Agreement, "change", agreement.pk), data)

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.working_hours == {
        "1": [["09:00", "12:00"], ["13:00", "17:00"]],
        "5": [["08:00", "13:00"]],
    }
    assert agreement.workdays == [1, 5]
    assert (agreement.day_start, agreement.day_end) == (dt.time(8, 0), dt.time(17, 0))
