"""The login form takes any input: never a server error, and no one signed in by wrong input."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from teams.forms import LoginForm
from tests.factories import DEFAULT_PASSWORD
from tests.properties.checks import (
    Visitor,
    check_answer,
    db_state,
    example_rolled_back,
    form_examples,
)
from tests.properties.strategies import form_posts, near


def test_a_username_past_its_length_is_refused_before_any_attempt(
    client: Client, marketing_member: User
) -> None:
    """A name longer than a username can be is refused by the form, so django-axes records no
    failed attempt: its 255-character column made such a name a server error on PostgreSQL."""
    login = {"username": "x" * 256, "password": DEFAULT_PASSWORD}
    response = client.post(reverse("login"), login)
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert not AccessAttempt.objects.exists()


def test_the_login_baseline_signs_in(client: Client, marketing_member: User) -> None:
    """The post the property changes is valid: sent as it is, it signs the member in."""
    login = {"username": marketing_member.username, "password": DEFAULT_PASSWORD}
    response = client.post(reverse("login"), login)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(marketing_member.pk)


@form_examples
@given(data=st.data())
def test_only_the_right_password_signs_in(
    data: st.DataObject, client: Client, marketing_member: User
) -> None:
    """Any username and password answer below 500; unless the answer is the redirect of a
    signed-in user, no one is signed in and no user changed (not even the last login)."""
    baseline = {"username": marketing_member.username, "password": DEFAULT_PASSWORD}
    fields = dict(LoginForm().fields)
    post = data.draw(near(baseline, fields) | form_posts(LoginForm))
    with example_rolled_back():
        before = db_state()
        response = Visitor(client).post(reverse("login"), post)
        signed_in = SESSION_KEY in client.session
        check_answer(response, before, saved=signed_in)
        assert signed_in == (response.status_code == 302)
        if signed_in:
            assert post == baseline
            client.logout()
