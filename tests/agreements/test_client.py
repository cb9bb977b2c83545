"""The sender's address and browser as audit events and signatures record them."""

from django.test import RequestFactory

from agreements.client import client_ip, client_user_agent


def test_remote_address_without_proxies(settings):
    """With no trusted proxy the connection's own address counts, whatever headers say."""
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert client_ip(request) == "203.0.113.9"


def test_forwarded_address_behind_one_trusted_proxy(settings):
    """Behind one proxy, the address that proxy saw is used, not one the client made up."""
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert client_ip(request) == "198.51.100.7"


def test_user_agent_is_capped():
    """A very long user agent is cut to the column's length."""
    request = RequestFactory().get("/", HTTP_USER_AGENT="x" * 900)
    assert len(client_user_agent(request)) == 500
