"""Every demo page in Chromium: no sideways scrolling at 390 px, no serious axe-core violation.

The pages are tests/browser/demo_pages.py's DEMO_PAGES; each test visits them all on one seeded
demo (seeding is the slow part) and fails once, naming every page that failed.
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

from tests.browser.demo_pages import DEMO_PAGES, DemoSessions, seed_demo_agreements

PHONE_WIDTH = 390
# Each table box that scrolls, scrolled to its end: does its first column stay at its left edge?
FIRST_COLUMN_ADRIFT = """() => {
  const adrift = [];
  for (const box of document.querySelectorAll(".table-responsive")) {
    if (box.scrollWidth <= box.clientWidth) continue;
    box.scrollLeft = box.scrollWidth;
    const left = box.getBoundingClientRect().left;
    for (const row of box.querySelectorAll("tr")) {
      const cell = row.firstElementChild;
      if (cell && Math.abs(cell.getBoundingClientRect().left - left) > 1) {
        adrift.push((box.querySelector("table") || box).id || "a table");
        break;
      }
    }
    box.scrollLeft = 0;
  }
  return adrift;
}"""
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_demo_page_scrolls_sideways_at_390_px(live_server: Any, browser: Browser) -> None:
    """At 390 px no page is wider than the screen; wide tables scroll inside, first column fixed."""
    agreements = seed_demo_agreements()
    sessions = DemoSessions(
        browser, live_server.url, viewport={"width": PHONE_WIDTH, "height": 844}
    )
    too_wide: list[str] = []
    try:
        for demo_page in DEMO_PAGES:
            page = sessions.page_for(demo_page.user)
            demo_page.open(page, live_server.url, agreements)
            width = page.evaluate("document.documentElement.scrollWidth")
            print(f"{demo_page.name}: {width}px")  # noqa: T201 - the widths, read in CI logs
            if width > PHONE_WIDTH:
                too_wide.append(f"{demo_page.name} ({demo_page.path}): {width}px")
            for table in page.evaluate(FIRST_COLUMN_ADRIFT):
                too_wide.append(f"{demo_page.name}: first column of {table} scrolls away")
    finally:
        sessions.close()
    assert not too_wide, "Pages wider than 390 px:\n" + "\n".join(too_wide)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_serious_violation_on_any_demo_page(
    live_server: Any, browser: Browser
) -> None:
    """axe-core reports no serious or critical violation on any page the demo reaches."""
    agreements = seed_demo_agreements()
    sessions = DemoSessions(browser, live_server.url)
    axe = Axe()
    failures: list[str] = []
    summary: list[str] = []
    try:
        for demo_page in DEMO_PAGES:
            page = sessions.page_for(demo_page.user)
            demo_page.open(page, live_server.url, agreements)
            violations = axe.run(page).response["violations"]
            blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
            summary.append(
                f"{demo_page.name}: {len(violations)} violations, {len(blocking)} serious or "
                "critical"
            )
            for violation in blocking:
                targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
                failures.append(
                    f"{demo_page.name} ({demo_page.path}): {violation['id']} "
                    f"({violation['impact']}) {violation['help']} at {targets}"
                )
    finally:
        sessions.close()
    print("axe-core results by page:\n" + "\n".join(summary))  # noqa: T201 - the summary
    assert not failures, "axe-core violations:\n" + "\n".join(failures)
