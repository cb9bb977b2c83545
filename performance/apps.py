from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = _("Performance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: the models these modules use are ready only now.
        from agreements.page_extensions import register_agreement_panel
        from performance.agreement_panels import alerts_banner

        register_agreement_panel(alerts_banner)
