from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "heed.compliance"
    label = "compliance"

    def ready(self) -> None:
        from heed.compliance.tasks import refresh_after_import
        from heed.portfolio.signals import placement_written

        placement_written.connect(refresh_after_import, dispatch_uid="compliance.facts_refresh")
