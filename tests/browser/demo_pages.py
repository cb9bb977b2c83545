"""Every page the demo reaches, as (name, who opens it, path): the list the page-wide checks use.

A new page is one more row of DEMO_PAGES. Paths name the demo agreements by placeholder:
{draft} (FY2027 H1, a draft), {review} (Q4 2026, in review, marketing signed), {signed} (2026
pipeline, version 2 signed, with actuals and leads), {superseded} (its version 1) and {batch}
(the demo's lead import).
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Browser, BrowserContext, Page

from agreements.models import Agreement
from agreements.sections import SECTIONS
from performance.demo.people import DEMO_PASSWORD
from performance.demo.seed import demo_seed
from performance.models import ImportBatch


@dataclass(frozen=True)
class DemoPage:
    name: str
    user: str  # a demo username, "" for a page seen signed out
    path: str
    # A page reached by uploading: the file field's label, the CSV, the button to press.
    upload_label: str = ""
    upload_csv: str = ""
    upload_button: str = ""

    def url(self, base: str, agreements: dict[str, int]) -> str:
        return base + self.path.format(**agreements)

    def open(self, page: Page, base: str, agreements: dict[str, int]) -> None:
        """Go to the page (and upload its file); fail on an error status."""
        response = page.goto(self.url(base, agreements))
        assert response is not None and response.ok, f"{self.name}: {response}"
        if self.upload_label:
            page.get_by_label(self.upload_label).set_input_files(
                {"name": "upload.csv", "mimeType": "text/csv", "buffer": self.upload_csv.encode()}
            )
            with page.expect_navigation():
                page.get_by_role("button", name=self.upload_button).click()


DEMO_PAGES: list[DemoPage] = [
    DemoPage("login", "", "/accounts/login/"),
    DemoPage("waiting on me (marketing lead)", "maria", "/"),
    DemoPage("waiting on me (signatory)", "vera", "/"),
    DemoPage("agreement list", "maria", "/agreements/"),
    DemoPage("signed list", "maria", "/agreements/signed/"),
    DemoPage("create", "maria", "/agreements/new/"),
    DemoPage("import", "maria", "/agreements/import/"),
    DemoPage("portfolio", "maria", "/agreements/portfolio/"),
    DemoPage("draft detail", "maria", "/agreements/{draft}/"),
    *(
        DemoPage(f"edit {section.key}", "maria", f"/agreements/{{draft}}/edit/{section.key}/")
        for section in SECTIONS
    ),
    DemoPage("draft revisions", "maria", "/agreements/{draft}/revisions/"),
    DemoPage("draft history", "maria", "/agreements/{draft}/history/"),
    DemoPage("submit with terms", "maria", "/agreements/{draft}/submit/"),
    DemoPage("review terms", "maria", "/agreements/{review}/review-terms/"),
    DemoPage("in-review detail", "vera", "/agreements/{review}/"),
    DemoPage("sign", "vera", "/agreements/{review}/sign/"),
    DemoPage("request changes", "vera", "/agreements/{review}/request-changes/"),
    DemoPage("withdraw", "maria", "/agreements/{review}/withdraw/"),
    DemoPage("signed detail", "maria", "/agreements/{signed}/"),
    DemoPage("superseded detail", "maria", "/agreements/{superseded}/"),
    DemoPage("evidence", "maria", "/agreements/{signed}/evidence/"),
    DemoPage("verify", "maria", "/agreements/{signed}/verify/"),
    DemoPage("compare", "maria", "/agreements/{signed}/compare/"),
    DemoPage("revisions", "maria", "/agreements/{signed}/revisions/"),
    DemoPage("history", "maria", "/agreements/{signed}/history/"),
    DemoPage("dashboard", "maria", "/agreements/{signed}/dashboard/"),
    DemoPage("actuals", "mike", "/agreements/{signed}/actuals/"),
    DemoPage("actuals month", "mike", "/agreements/{signed}/actuals/month/"),
    DemoPage(
        "actuals month (existing)", "mike", "/agreements/{signed}/actuals/month/?month=2026-01"
    ),
    DemoPage("delete a month", "mike", "/agreements/{signed}/actuals/month/delete/?month=2026-01"),
    DemoPage("undo an import", "steve", "/agreements/{signed}/actuals/imports/undo/?batch={batch}"),
    DemoPage("KPI actuals", "steve", "/agreements/{signed}/kpis/actuals/"),
    DemoPage("actuals import", "mike", "/agreements/{signed}/actuals/import/"),
    DemoPage("leads import", "steve", "/agreements/{signed}/leads/import/"),
    DemoPage(
        "actuals import preview with errors",
        "mike",
        "/agreements/{signed}/actuals/import/",
        upload_label="Monthly actuals (.csv)",
        upload_csv="month,leads,mqls,sqls,customers,revenue\n2026-01,900,200,60,12,90000\n"
        "2026-13,many,5,2,1,100\n",
        upload_button="Preview",
    ),
    DemoPage(
        "leads import with errors",
        "steve",
        "/agreements/{signed}/leads/import/",
        upload_label="CRM export of leads (.csv)",
        upload_csv="lead_id,lead_type,mql_at,first_touch_at,attempts,outcome\n"
        "L1,Unknown type,yesterday,,x,no-such-reason\n",
        upload_button="Import leads",
    ),
    DemoPage(
        "leads column mapping",
        "steve",
        "/agreements/{signed}/leads/import/",
        upload_label="CRM export of leads (.csv)",
        upload_csv="Lead ID,Type,MQL Date,First Contact,Tries,Result\n"
        "X1,Inbound demo request,2026-03-02T10:00:00+00:00,,1,\n",
        upload_button="Import leads",
    ),
]


def seed_demo_agreements() -> dict[str, int]:
    """Seed the demo and return the placeholders' agreement ids."""
    demo_seed()
    by_title = Agreement.objects.order_by("version")
    draft = by_title.get(title__startswith="FY2027 H1")
    review = by_title.get(title__startswith="Q4 2026", status=Agreement.Status.IN_REVIEW)
    pipeline = list(by_title.filter(title="2026 pipeline SLA"))
    return {
        "batch": ImportBatch.objects.order_by("pk").values_list("pk", flat=True).first() or 0,
        "draft": draft.pk,
        "review": review.pk,
        "superseded": pipeline[0].pk,
        "signed": pipeline[-1].pk,
    }


class DemoSessions:
    """One signed-in browser context per demo user, opened on first use."""

    def __init__(self, browser: Browser, base: str, **context_options: object) -> None:
        self.browser = browser
        self.base = base
        self.context_options = context_options
        self.contexts: dict[str, BrowserContext] = {}
        self.pages: dict[str, Page] = {}

    def page_for(self, user: str) -> Page:
        if user not in self.pages:
            context = self.browser.new_context(**self.context_options)  # type: ignore[arg-type]
            context.set_default_timeout(15_000)
            page = context.new_page()
            if user:
                page.goto(f"{self.base}/accounts/login/")
                page.get_by_label("Username").fill(user)
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(lambda url: "/accounts/login/" not in url)
            self.contexts[user] = context
            self.pages[user] = page
        return self.pages[user]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()
