"""Session states a test can start from."""

from __future__ import annotations

import time

from django.test import Client

from teams.reauthentication import REAUTHENTICATED_AT


def confirm_password(client: Client) -> Client:
    """As if the signed-in user had just confirmed their password (see teams.reauthentication)."""
    session = client.session
    session[REAUTHENTICATED_AT] = int(time.time())
    session.save()
    return client
