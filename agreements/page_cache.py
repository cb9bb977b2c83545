"""The pages' cache: what every viewer of an agreement sees alike, under keys naming its content.

Signed content never changes, so its rendering is kept under its content digest; a draft's
under its revision (and its last save). A key never names a user, and nothing is read from the
cache before the page has checked that the user may see the agreement. The lists' filter forms,
empty, are kept under a digest of the choices they offer, which is all they hold of a user's
data. Any backend (local memory, the database, Redis from ``CACHE_URL``) will do; when it fails,
the page is computed as if nothing were cached.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import django
from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from agreements.models import Agreement

if TYPE_CHECKING:
    import datetime as dt

    from django import forms

logger = logging.getLogger(__name__)

# Bounds on how long an entry lives, though a changed content never reads an old one: a day
# for renderings (their key holds the date), an hour for a verdict of "intact" (a row rewritten
# outside the app shows as tampered on the agreement page within the hour; the Verify page and
# verify_agreements never read the cache).
SECTIONS_SECONDS = 24 * 60 * 60
VERDICT_SECONDS = 60 * 60
# A filter form's key names its choices and its code, so a day bounds only an unused entry.
FILTER_FORM_SECONDS = 24 * 60 * 60

_MISSING = object()


def cache_get(key: str) -> Any | None:
    """The cached value, or None when absent or when the cache cannot be reached."""
    try:
        value = cache.get(key, _MISSING)
    except Exception:  # noqa: BLE001 - any backend's failure: the page computes instead.
        logger.warning("cache unavailable, reading %s", key, exc_info=True)
        return None
    return None if value is _MISSING else value


def cache_set(key: str, value: Any, timeout: int) -> None:
    """Keep a value; a cache that cannot be reached just keeps nothing."""
    try:
        cache.set(key, value, timeout)
    except Exception:  # noqa: BLE001 - as in cache_get.
        logger.warning("cache unavailable, writing %s", key, exc_info=True)


def cache_get_many(keys: list[str]) -> dict[str, Any]:
    """The values cached under ``keys``; none when the cache cannot be reached."""
    try:
        return cache.get_many(keys)
    except Exception:  # noqa: BLE001 - as in cache_get.
        logger.warning("cache unavailable, reading %d keys", len(keys), exc_info=True)
        return {}


def cache_set_many(values: dict[str, Any], timeout: int) -> None:
    """Keep several values; a cache that cannot be reached just keeps nothing."""
    try:
        cache.set_many(values, timeout)
    except Exception:  # noqa: BLE001 - as in cache_get.
        logger.warning("cache unavailable, writing %d keys", len(values), exc_info=True)


def signed_digest(agreement: Agreement) -> str | None:
    """The digest a signed agreement's valid signatures agree on, from its prefetched signatures.

    None when the agreement is not signed, or when its signatures do not name one digest
    (something the Verify page reports): such a page is rendered without the cache.
    """
    if agreement.status != Agreement.Status.SIGNED:
        return None
    digests = {signature.digest for signature in agreement.signatures.all() if signature.is_valid}
    return digests.pop() if len(digests) == 1 else None


def content_stamp(agreement: Agreement) -> str | None:
    """What names the agreement's content: its signed digest, else its revision and last save.

    Every edit bumps the revision (services.agreements, services.admin_writes); the time of
    the last save also tells apart a row deleted and re-created under the same primary key.
    """
    if agreement.status == Agreement.Status.SIGNED:
        digest = signed_digest(agreement)
        return f"d{digest}" if digest else None
    return f"r{agreement.revision}.{agreement.updated_at.timestamp():.6f}"


def sections_key(
    agreement: Agreement,
    *,
    stamp: str,
    language: str,
    time_zone: str,
    today: dt.date,
    editable: bool,
    templates: str,
) -> str:
    """The key of an agreement's rendered sections.

    ``editable`` is whether the page offers editing (the "Fill it in" links of empty
    sections): a rendering shared by everyone who may edit, never one user's. ``templates``
    is the fingerprint of the templates, so a deployment that changes them reads none of the
    renderings of the last.
    """
    return ":".join(
        (
            "sections",
            str(agreement.pk),
            stamp,
            language,
            time_zone,
            today.isoformat(),
            "edit" if editable else "read",
            templates,
        )
    )


def _fingerprint(names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]
        digest.update(b"\0")
    return digest.hexdigest()[:16]


_deployed_fingerprint = functools.cache(_fingerprint)


def templates_fingerprint(names: tuple[str, ...]) -> str:
    """A short digest of the templates' sources, for keys of what they render.

    A deployment that changes a template reads none of the last one's renderings. Computed
    once per process, or on every call while DEBUG reloads edited templates.
    """
    return _fingerprint(names) if settings.DEBUG else _deployed_fingerprint(names)


def kept_markup(
    kind: str, *, templates: tuple[str, ...], content: str, make: Callable[[], str]
) -> SafeString:
    """Markup that is a function of ``content`` and the active language alone, kept under both.

    ``content`` names everything the markup shows (the repr of the frozen dataclasses it is
    drawn from, say): the same figures in the same language read the kept markup, other
    figures make another. ``make`` renders it through ``templates``, whose sources are in the
    key, and whose engine escaped every text. For a part of a page that every viewer of the
    same figures sees alike: a chart, a table of numbers.
    """
    language = get_language() or settings.LANGUAGE_CODE
    named = f"{templates_fingerprint(templates)}:{language}:{content}"
    key = f"{kind}:{hashlib.sha256(named.encode()).hexdigest()}"
    markup = cache_get(key)
    if not isinstance(markup, str):
        markup = str(make())
        cache_set(key, markup, SECTIONS_SECONDS)
    return mark_safe(markup)  # noqa: S308 - rendered by the template engine, which escaped


@functools.cache
def code_fingerprint(*packages: str) -> str:
    """A short digest of the packages' Python sources and Django's version, once per process.

    For keys of what the code computes and the cache keeps pickled: a deployment that changes
    the code reads none of the last one's entries, which its classes might not unpickle.
    """
    digest = hashlib.sha256(django.get_version().encode())
    for package in packages:
        root = Path(sys.modules[package].__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _form_code(form_class: type) -> str:
    # What renders a form besides its choices: its module, Django's widgets, crispy's layout
    # and its Bootstrap templates. A deployment that changes any of them reads no old entry.
    digest = hashlib.sha256(inspect.getsource(sys.modules[form_class.__module__]).encode())
    for package in ("django-crispy-forms", "crispy-bootstrap5"):
        digest.update(importlib.metadata.version(package).encode())
    digest.update(django.get_version().encode())
    return digest.hexdigest()[:16]


_deployed_form_code = functools.cache(_form_code)


def shared_form_key(form: forms.Form, *, language: str) -> str:
    """The key of an unbound form's shared rendering: its class, language, choices and code.

    The choices (a user's teams, say) are named by their digest, never by the user: two users
    offered the same teams share the rendering, which holds nothing else of theirs.
    """
    choices = hashlib.sha256()
    for name, field in form.fields.items():
        for value, label in getattr(field, "choices", ()):
            choices.update(f"{name}\0{value}\0{label}\0".encode())
    form_class = type(form)
    code = _form_code(form_class) if settings.DEBUG else _deployed_form_code(form_class)
    return ":".join(
        (
            "shared-form",
            f"{form_class.__module__}.{form_class.__qualname__}",
            language,
            choices.hexdigest()[:32],
            code,
        )
    )


def shared_form_html(form: forms.Form) -> SafeString:
    """A form's crispy rendering, from the cache when it is unbound: a list's filters, say.

    Unbound (no filters sent, the common case) the form shows only its choices, so its
    rendering is shared; a bound form shows what was typed and its errors, and is rendered
    afresh. The form's choices must be loaded already: the key reads them. A POST form's
    rendering would hold its viewer's CSRF token, which must never be shared: only a GET form,
    or one rendered without its ``<form>`` tag and token (the template writes both around it).
    """
    helper = getattr(form, "helper", None)
    posted = helper is not None and str(helper.form_method).lower() != "get"
    if helper is None or (posted and (helper.form_tag or not helper.disable_csrf)):
        raise ValueError(
            f"{type(form).__name__} renders a CSRF token or a form tag; it is not shared."
        )
    if form.is_bound or form.initial:
        return render_crispy_form(form)
    key = shared_form_key(form, language=get_language() or settings.LANGUAGE_CODE)
    html = cache_get(key)
    if not isinstance(html, str):
        html = str(render_crispy_form(form))
        cache_set(key, html, FILTER_FORM_SECONDS)
    # The rendering of a form, by crispy's escaping templates, cached as plain text.
    return mark_safe(html)  # noqa: S308
