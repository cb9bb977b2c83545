"""Signing in: the login form's page, its errors and a successful sign-in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_offers_the_form_with_the_username_focused(client):
    response = client.get(reverse("login"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="login"' in page
    assert "Sign in" in page
    assert response.context["form"].fields["username"].widget.attrs["autofocus"] is True


def test_a_wrong_password_is_refused_with_a_message(client):
    UserFactory.create(username="mia")

    response = client.post(reverse("login"), {"username": "mia", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_the_right_password_signs_in_and_goes_to_the_agreements(client):
    user = UserFactory.create(username="mia")

    response = client.post(reverse("login"), {"username": "mia", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("agreements:list")
    assert client.session["_auth_user_id"] == str(user.pk)
