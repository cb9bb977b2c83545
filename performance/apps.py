from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_series_triggers(using: str = "default", **kwargs: Any) -> None:
    """After every migrate: the triggers recording the series' changes, where their table is
    (SQLite drops a table's triggers when a migration rebuilds the table)."""
    from performance.series_changes import install_triggers, installed

    connection = connections[using]
    if installed(connection):
        install_triggers(connection)


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = _("Performance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_install_series_triggers, sender=self)
        # Imported here: the models these modules use are ready only now.
        from agreements.page_extensions import (
            WorkspaceTab,
            register_agreement_panel,
            register_home_panel,
            register_workspace_tab,
        )
        from performance.agreement_panels import (
            actuals_unavailable,
            alerts_banner,
            dashboard_unavailable,
            home_alerts,
        )

        register_agreement_panel(alerts_banner)
        register_workspace_tab(
            WorkspaceTab("actuals", _("Actuals"), "performance:actuals", 20, actuals_unavailable)
        )
        register_workspace_tab(
            WorkspaceTab(
                "dashboard", _("Dashboard"), "performance:dashboard", 30, dashboard_unavailable
            )
        )
        register_home_panel(home_alerts)
