"""Settings for the page benchmark's server: production settings plus the floor view.

Only `benchmarks/pages.py` serves under these (DJANGO_SETTINGS_MODULE=benchmarks.settings);
production never routes to the floor view.
"""

from slaportal.settings import *  # noqa: F403
from slaportal.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "benchmarks.urls"
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates", BASE_DIR / "benchmarks" / "templates"]
