"""Every page names the site's own icon, served from static files (no 404 per page view)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse


@pytest.mark.django_db
def test_pages_link_the_favicon_and_it_exists(client: Any) -> None:
    page = client.get(reverse("login")).content.decode()

    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert link
    assert link.group(1).endswith("img/favicon.svg")
    found = finders.find("img/favicon.svg")
    assert found
    assert Path(str(found)).read_text(encoding="utf-8").lstrip().startswith("<svg")
