"""The production settings, as `make serve` reads them, for the servers the ops tests start.

Two changes only: the test users' fast password hash is accepted (the production hash costs
about a second per check, which fifty sign-offs on a shared machine cannot afford), and the
collected static files live in the test run's temporary folder.
"""

import os
from pathlib import Path

from slaportal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT = Path(os.environ["OPS_STATIC_ROOT"])
