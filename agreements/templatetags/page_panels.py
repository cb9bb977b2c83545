"""Render a panel another app adds to the agreement page; the panel's values are loaded."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from agreements.page_extensions import PagePanel

register = template.Library()


@register.simple_tag(takes_context=True)
def page_panel(context: template.Context, panel: PagePanel) -> SafeString:
    """The panel's template with its values over the page's, as ``{% include %}`` renders."""
    assert context.template is not None, "rendered only inside a template"
    partial = context.template.engine.get_template(panel.template_name)
    with context.push(**panel.context):
        return partial.render(context)
