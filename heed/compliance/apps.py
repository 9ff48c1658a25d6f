from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "heed.compliance"
    label = "compliance"
