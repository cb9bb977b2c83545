"""The dashboard, portfolio and CSV export pages: content, permissions and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Deadline, Kpi
from agreements.periods import month_start
from performance.dashboard import portfolio as portfolio_module
from performance.dashboard.agreement import Dashboard
from performance.dashboard.figures import percent
from performance.lead_status import lead_status
from performance.models import Alert, KpiActual, LeadRecord
from performance.services.lead_tally import lead_tally_refresh
from tests.factories import AgreementFactory
from tests.performance.helpers import agreement_in_force, lead, monthly, sign, signed_agreement

# Queries of one dashboard page: session, user, the agreement with its teams (membership as
# a subquery), the series' revision (the figures' cache key: performance.series_changes); then,
# for figures not kept, the series' versions, their KPIs, rejection reasons, deadlines and service
# levels, the monthly actuals, the leads still pending (performance.lead_stats.pending_leads),
# the latest KPI values, the lead tally, and the banner's counts (its latest alerts only when
# there are open ones).
# +2 for the computed KPIs: the lead days of their periods and the leads of the attempt
# windows' cutoff days (performance.lead_stats); the months of their periods are the
# funnel's monthly actuals, and the leads still pending are the hand-off tables', read once.
DASHBOARD_QUERIES = 16
# The figures kept (the same minute, no write since): session, user, the agreement, the
# series' revision and the banner's counts.
DASHBOARD_KEPT_QUERIES = 5
# Session, user, the user's teams (by value, so the agreements are read through the teams'
# indexes: agreements.permissions.visible_agreements), the titles (for the page), that
# page's agreements, their series' revisions
# (the lights' cache keys: performance.series_changes); then, for lights not kept, their KPIs,
# service levels and open deadlines, the series' signed versions (the month's plan), the
# monthly actuals (this month's with the KPI periods': performance.measures.monthly_actuals),
# the latest KPI values, and the three lead reads measuring both the computed KPIs and the
# hand-off light (lead days, pending leads, cutoff days' leads).
PORTFOLIO_QUERIES = 15
PORTFOLIO_KEPT_QUERIES = 6


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def in_force(
    marketing_team: Any, sales_team: Any, marketing_member: Any, today: dt.date
) -> Agreement:
    """A signed standard agreement whose period runs around today."""
    return agreement_in_force(
        actor=marketing_member,
        marketing_team=marketing_team,
        sales_team=sales_team,
        today=today,
        title="Current SLA",
    )


def add_leads(agreement: Agreement, count: int, *, start: int = 0) -> None:
    """Leads over the last weeks: every third breached, every fifth still pending."""
    now = timezone.now()
    records = []
    for index in range(start, start + count):
        mql_at = now - dt.timedelta(hours=1 + index % 500)
        due_at = mql_at + dt.timedelta(hours=1)
        if index % 5 == 0:
            due_at = now + dt.timedelta(hours=2)
            touched = None
        elif index % 3 == 0:
            touched = due_at + dt.timedelta(minutes=30)
        else:
            touched = mql_at + dt.timedelta(minutes=20)
        records.append(
            lead(
                agreement,
                f"L{index:06d}",
                mql_at=mql_at,
                due_at=due_at,
                first_touch_at=touched,
                lead_type=("Demo request", "Contact us", "Event lead")[index % 3],
                outcome=("accepted", "no-budget", "", "duplicate")[index % 4],
                save=False,
            )
        )
    LeadRecord.objects.bulk_create(records, batch_size=2000)
    lead_tally_refresh(series_id=agreement.series_id)


def test_dashboard_needs_login(client: Client, in_force: Agreement) -> None:
    """Anonymous visitors are sent to the login page."""
    response = client.get(reverse("performance:dashboard", args=[in_force.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["dashboard", "actuals_csv", "leads_csv"])
def test_outsider_gets_404(client: Client, outsider: Any, in_force: Agreement, name: str) -> None:
    """A user of neither team cannot see the dashboard or the exports, nor learn they exist."""
    response = login(client, outsider).get(reverse(f"performance:{name}", args=[in_force.pk]))

    assert response.status_code == 404


def test_dashboard_shows_figures_charts_and_tables(
    client: Client, sales_member: Any, in_force: Agreement, today: dt.date
) -> None:
    """Compliance, funnel totals and KPIs appear, and each chart has a title and description."""
    now = timezone.now()
    lead(
        in_force,
        "A",
        mql_at=now - dt.timedelta(hours=5),
        due_at=now - dt.timedelta(hours=4),
        first_touch_at=now - dt.timedelta(hours=4, minutes=30),
    )
    lead(
        in_force,
        "B",
        mql_at=now - dt.timedelta(hours=5),
        due_at=now - dt.timedelta(hours=4),
        first_touch_at=now - dt.timedelta(hours=4, minutes=30),
    )
    lead(in_force, "C", mql_at=now - dt.timedelta(hours=5), due_at=now - dt.timedelta(hours=4),
         outcome="no-budget")  # fmt: skip
    monthly(in_force, month_start(today), leads=321, mqls=77, sqls=30, customers=7,
            revenue="70000")  # fmt: skip

    response = login(client, sales_member).get(reverse("performance:dashboard", args=[in_force.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    # 2 met, 1 breached: 66.7% met, in the table's total row.
    assert re.search(r'id="handoff-share-met">66\.7%<', html)
    assert "No budget" in html
    svgs = re.findall(r'<svg [^>]*role="img"[^>]*>.*?</svg>', html, re.S)
    assert len(svgs) == 6
    for svg in svgs:
        assert re.search(r"<title id=\"[^\"]+-title\">[^<]+</title>", svg)
        assert re.search(r"<desc id=\"[^\"]+-desc\">[^<]+</desc>", svg)
    handoff_svg = next(svg for svg in svgs if 'id="chart-handoff-months"' in svg)
    assert "2 met, 1 breached and 0 pending in total; 66.7% met" in handoff_svg
    assert '<th scope="row">MQLs</th>' in html
    assert ">77<" in html
    assert "<script>" not in html


def test_dashboard_query_count_is_constant_from_10_to_10000_leads(
    client: Client,
    sales_member: Any,
    in_force: Agreement,
    django_assert_num_queries: Any,
) -> None:
    """The page costs the same number of queries with 10 leads as with 10,000."""
    login(client, sales_member)
    url = reverse("performance:dashboard", args=[in_force.pk])
    add_leads(in_force, 10)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        small = client.get(url)
    add_leads(in_force, 9_990, start=10)
    assert LeadRecord.objects.count() == 10_000
    with django_assert_num_queries(DASHBOARD_QUERIES):
        large = client.get(url)
    with django_assert_num_queries(DASHBOARD_KEPT_QUERIES):
        kept = client.get(url)

    assert small.status_code == large.status_code == kept.status_code == 200
    assert kept.context["body"] == large.context["body"]
    # Of 10,000: every fifth pending (2,000), other multiples of 3 breached (2,667), 5,333 met.
    assert re.search(r"<td class=\"text-end\">5,333</td><td class=\"text-end\">2,667</td>"
                     r"<td class=\"text-end\">2,000</td>", large.content.decode())  # fmt: skip


def test_dashboard_kpi_and_handoff_tables_leave_the_same_pending_leads_out(
    client: Client, sales_member: Any, in_force: Agreement
) -> None:
    """The computed hand-off KPI and the hand-off tables share one read of the pending leads,
    and each counts them by the lead status rule: the KPI is the share met of its period's
    decided leads, the tables hold every pending lead as pending."""
    login(client, sales_member)
    add_leads(in_force, 60)
    response = client.get(reverse("performance:dashboard", args=[in_force.pk]))
    # The view's own context (the body's template has a "dashboard" of its own).
    contexts: list[Any] = list(response.context)
    dashboard: Dashboard = next(
        c["dashboard"] for c in contexts if isinstance(c.get("dashboard"), Dashboard)
    )
    reading = next(r for r in dashboard.kpis if r.measure == Kpi.Measure.HANDOFF_COMPLIANCE)
    assert reading.period_start is not None and reading.period_end is not None
    zone = ZoneInfo(in_force.timezone)
    leads = list(LeadRecord.objects.all())
    status = {
        row.lead_id: lead_status(row.first_touch_at, row.due_at, dashboard.as_of) for row in leads
    }
    in_period = [
        status[row.lead_id]
        for row in leads
        if reading.period_start <= timezone.localtime(row.mql_at, zone).date() <= reading.period_end
    ]
    met, breached = in_period.count("met"), in_period.count("breached")
    assert in_period.count("pending") > 0
    assert reading.value == percent(met, met + breached)
    assert dashboard.handoff_total.pending == list(status.values()).count("pending") == 12


@pytest.mark.parametrize("name", ["performance:dashboard", "performance:actuals"])
def test_series_pages_load_the_agreement_lean(
    client: Client, sales_member: Any, in_force: Agreement, name: str
) -> None:
    """The pages of a series' figures read the agreement with its two teams only: no owner,
    series row or review state joined, no ordering of its one row (agreement_for_series)."""
    login(client, sales_member)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, args=[in_force.pk]))
    assert response.status_code == 200
    loads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "agreements_agreement"."id"')]
    sql = loads[0]
    assert f'"agreements_agreement"."id" = {in_force.pk}' in sql
    assert sql.count("JOIN") == 2 and '"agreements_team"' in sql
    assert '"auth_user"' not in sql and '"agreements_agreementseries"' not in sql
    assert "ORDER BY" not in sql


def test_alert_banner_on_dashboard_and_detail_page(
    client: Client, sales_member: Any, in_force: Agreement
) -> None:
    """Open alerts show as a banner with counts per kind; resolved ones do not."""
    Alert.objects.create(
        series_id=in_force.series_id,
        agreement=in_force,
        kind=Alert.Kind.LEAD_BREACH,
        occurrence="lead:X1",
        message="Lead X1 (Demo request) is untouched past its 1-hour limit.",
    )
    Alert.objects.create(
        series_id=in_force.series_id,
        agreement=in_force,
        kind=Alert.Kind.KPI_AT_RISK,
        occurrence="kpi:MQLs delivered:2026-11-01:at_risk",
        message="KPI “MQLs delivered” is at risk.",
        resolved_at=timezone.now(),
    )
    login(client, sales_member)

    for name in ("performance:dashboard", "agreements:detail"):
        html = client.get(reverse(name, args=[in_force.pk])).content.decode()
        assert 'id="alerts-banner"' in html
        assert "1 open alert" in html
        assert "Hand-off breach: 1" in html
        assert "Lead X1 (Demo request) is untouched" in html
        assert "is at risk" not in html


def test_no_banner_without_open_alerts(
    client: Client, sales_member: Any, in_force: Agreement
) -> None:
    """Without open alerts there is no banner."""
    html = (
        login(client, sales_member)
        .get(reverse("agreements:detail", args=[in_force.pk]))
        .content.decode()
    )

    assert 'id="alerts-banner"' not in html


def test_actuals_csv_lists_months_with_plan(
    client: Client, sales_member: Any, in_force: Agreement
) -> None:
    """One row per reported month, the plan of the version in force alongside."""
    first = in_force.start_date.replace(day=1)
    monthly(in_force, first, leads=450, mqls=90, sqls=36, customers=9, revenue="90000.50")

    response = login(client, sales_member).get(
        reverse("performance:actuals_csv", args=[in_force.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="current-sla-actuals.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    plan = rows[1]
    assert rows[0][:4] == ["month", "version", "leads", "planned_leads"]
    assert plan[0] == f"{first:%Y-%m}"
    assert plan[1:4] == ["1", "450", str(in_force_plan(in_force)["leads"])]
    assert plan[10] == "90000.50"
    assert len(rows) == 2


def in_force_plan(agreement: Agreement) -> dict[str, int]:
    from agreements.funnel import plan_for

    plan = plan_for(agreement)
    assert plan is not None
    return {"leads": plan.per_month.leads, "mqls": plan.per_month.mqls}


def test_leads_csv_lists_each_lead_with_its_status(
    client: Client, sales_member: Any, in_force: Agreement
) -> None:
    """lead_id, lead_type, mql_at, first_touch_at, limit, response and status per lead."""
    now = timezone.now().replace(microsecond=0)
    lead(
        in_force,
        "=HYPERLINK",
        mql_at=now - dt.timedelta(hours=3),
        due_at=now - dt.timedelta(hours=2),
        first_touch_at=now - dt.timedelta(hours=1),
        response_hours="2.00",
        limit_hours="1.00",
    )
    lead(in_force, "OPEN", mql_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=1))
    # fmt: skip

    response = login(client, sales_member).get(reverse("performance:leads_csv", args=[in_force.pk]))

    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0] == [
        "lead_id",
        "lead_type",
        "mql_at",
        "first_touch_at",
        "limit_hours",
        "response_hours",
        "status",
    ]
    assert rows[1] == [
        "'=HYPERLINK",
        "Demo request",
        (now - dt.timedelta(hours=3)).isoformat(),
        (now - dt.timedelta(hours=1)).isoformat(),
        "1.00",
        "2.00",
        "breached",
    ]
    assert rows[2][0] == "OPEN"
    assert rows[2][3] == ""
    assert rows[2][6] == "pending"


def portfolio_draft(
    title: str, *, marketing_team: Any, sales_team: Any, actor: Any, today: dt.date
) -> Agreement:
    """A standard draft running from 40 days ago to 40 days ahead."""
    return AgreementFactory.create(
        owner=actor,
        title=title,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=today - dt.timedelta(days=40),
        end_date=today + dt.timedelta(days=40),
    )


def add_figures(agreement: Agreement, today: dt.date) -> None:
    """A KPI value for last period and twenty recent leads."""
    KpiActual.objects.create(
        series_id=agreement.series_id,
        kpi_name="MQLs delivered",
        period_start=month_start(today) - dt.timedelta(days=40),
        value=Decimal("150"),
    )
    add_leads(agreement, 20)


def make_portfolio(
    count: int, *, marketing_team: Any, sales_team: Any, actor: Any, today: dt.date
) -> list[Agreement]:
    agreements = []
    for index in range(count):
        agreement = sign(
            portfolio_draft(
                f"SLA {index}",
                marketing_team=marketing_team,
                sales_team=sales_team,
                actor=actor,
                today=today,
            )
        )
        add_figures(agreement, today)
        agreements.append(agreement)
    return agreements


def test_portfolio_query_count_is_constant(
    client: Client,
    marketing_team: Any,
    sales_team: Any,
    marketing_member: Any,
    today: dt.date,
    django_assert_num_queries: Any,
) -> None:
    """One agreement or five: the portfolio costs the same number of queries."""
    login(client, marketing_member)
    url = reverse("performance:portfolio")
    make_portfolio(
        1, marketing_team=marketing_team, sales_team=sales_team, actor=marketing_member, today=today
    )
    with django_assert_num_queries(PORTFOLIO_QUERIES):
        client.get(url)
    make_portfolio(
        4, marketing_team=marketing_team, sales_team=sales_team, actor=marketing_member, today=today
    )
    with django_assert_num_queries(PORTFOLIO_QUERIES):
        response = client.get(url)
    # Within the minute and with no write since, every light is kept.
    with django_assert_num_queries(PORTFOLIO_KEPT_QUERIES):
        kept = client.get(url)

    assert response.content.decode().count('data-agreement="') == 5
    assert kept.context["portfolio"].rows_markup == response.context["portfolio"].rows_markup


def test_portfolio_pages_keep_the_sort_and_cost_the_same_queries(
    client: Client,
    marketing_team: Any,
    sales_team: Any,
    marketing_member: Any,
    today: dt.date,
    django_assert_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages of two: by title, each page lights only its own agreements, at a fixed cost."""
    monkeypatch.setattr(portfolio_module, "PORTFOLIO_PAGE_SIZE", 2)
    login(client, marketing_member)
    url = reverse("performance:portfolio")
    make_portfolio(
        5, marketing_team=marketing_team, sales_team=sales_team, actor=marketing_member, today=today
    )

    def titles(response: Any) -> list[str]:
        return re.findall(
            r'<a href="/agreements/\d+/dashboard/">([^<]+)</a>', response.content.decode()
        )

    with django_assert_num_queries(PORTFOLIO_QUERIES):
        first = client.get(url)
    assert titles(first) == ["SLA 0", "SLA 1"]
    html = first.content.decode()
    assert "5 agreements in force" in html
    assert "Page 1 of 3" in html
    assert 'rel="next" href="?page=2"' in html
    with django_assert_num_queries(PORTFOLIO_QUERIES):
        last = client.get(url, {"page": "3"})
    assert titles(last) == ["SLA 4"]
    # Past the end, or not a number: the nearest page, never an error.
    assert titles(client.get(url, {"page": "99"})) == ["SLA 4"]
    assert titles(client.get(url, {"page": "x"})) == ["SLA 0", "SLA 1"]
    # Reversed, and by a light: the pages follow the sort and their links keep it.
    assert titles(client.get(url, {"sort": "-title"})) == ["SLA 4", "SLA 3"]
    by_kpis = client.get(url, {"sort": "-kpis", "page": "2"})
    assert len(titles(by_kpis)) == 2
    assert 'href="?sort=-kpis&amp;page=3"' in by_kpis.content.decode()
    every = [
        title
        for page in ("1", "2", "3")
        for title in titles(client.get(url, {"sort": "kpis", "page": page}))
    ]
    assert sorted(every) == [f"SLA {index}" for index in range(5)]


def test_portfolio_lists_only_agreements_in_force_the_user_may_see(
    client: Client,
    in_force: Agreement,
    outsider: Any,
    sales_member: Any,
    marketing_team: Any,
    sales_team: Any,
    marketing_member: Any,
    today: dt.date,
) -> None:
    """Expired, superseded and draft agreements are left out; outsiders see none."""
    signed_agreement(
        actor=marketing_member,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start=today - dt.timedelta(days=400),
        end=today - dt.timedelta(days=35),
        title="Expired SLA",
    )
    superseded = signed_agreement(
        actor=marketing_member,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=10),
        title="Superseded SLA",
    )
    # Superseded with no successor, a state the services never leave: superseded_at alone
    # must keep it off the portfolio.
    Agreement.objects.filter(pk=superseded.pk).update(superseded_at=timezone.now())

    html = login(client, sales_member).get(reverse("performance:portfolio")).content.decode()
    outsider_html = login(Client(), outsider).get(reverse("performance:portfolio")).content.decode()

    assert "Current SLA" in html
    assert "Expired SLA" not in html
    assert "Superseded SLA" not in html
    assert "Current SLA" not in outsider_html


def cell_standings(html: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-agreement="\d+">(.*?)</tr>', html, re.S)
    result = {}
    for row in rows:
        title = re.search(r'dashboard/">([^<]+)</a>', row)
        assert title is not None
        result[title.group(1)] = re.findall(r'data-standing="([a-z_]+)"', row)
    return result


def test_portfolio_traffic_lights_and_sorting(
    client: Client,
    marketing_team: Any,
    sales_team: Any,
    marketing_member: Any,
    today: dt.date,
) -> None:
    """Each commitment has a labelled light; ?sort= orders rows server-side."""
    healthy, failing = (
        portfolio_draft(
            title,
            marketing_team=marketing_team,
            sales_team=sales_team,
            actor=marketing_member,
            today=today,
        )
        for title in ("Healthy", "Failing")
    )
    # Deadlines are set on the drafts, before signing, so the signatures cover them.
    Deadline.objects.filter(agreement=healthy).update(done=True)
    Deadline.objects.filter(agreement=failing).update(due=today - dt.timedelta(days=2))
    # Their KPIs are entered by hand here: the test types their values.
    Kpi.objects.filter(agreement__in=[healthy, failing]).update(measure=Kpi.Measure.MANUAL)
    for agreement in (healthy, failing):
        add_figures(sign(agreement), today)
    # Healthy: plan met this month, all leads met, no open deadlines.
    monthly(healthy, month_start(today), leads=9999, mqls=9999, sqls=1, customers=1, revenue="1")
    LeadRecord.objects.filter(series_id=healthy.series_id).update(
        first_touch_at=timezone.now() - dt.timedelta(hours=10),
        due_at=timezone.now() - dt.timedelta(hours=1),
    )
    # Failing: every lead breached, a deadline overdue, a KPI missed last period.
    LeadRecord.objects.filter(series_id=failing.series_id).update(
        first_touch_at=None, due_at=timezone.now() - dt.timedelta(hours=1)
    )
    for agreement in (healthy, failing):  # as the import does after changing leads
        lead_tally_refresh(series_id=agreement.series_id)
    KpiActual.objects.filter(series_id=failing.series_id).update(value=Decimal("1"))
    login(client, marketing_member)

    html = client.get(reverse("performance:portfolio")).content.decode()
    lights = cell_standings(html)

    assert lights["Healthy"] == ["met", "met", "met", "met"]
    assert lights["Failing"] == ["no_data", "missed", "missed", "missed"]
    assert "Missed</span>" in html and "Met</span>" in html
    assert list(cell_standings(client.get("/agreements/portfolio/?sort=-kpis").content.decode()))[
        0
    ] == ("Failing")
    assert list(
        cell_standings(client.get("/agreements/portfolio/?sort=handoff").content.decode())
    ) == ["Healthy", "Failing"]
    assert list(
        cell_standings(client.get("/agreements/portfolio/?sort=-handoff").content.decode())
    ) == ["Failing", "Healthy"]
    sorted_html = client.get("/agreements/portfolio/?sort=-handoff").content.decode()
    assert 'aria-sort="descending"' in sorted_html
