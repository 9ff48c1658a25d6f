from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "heed.audit"
    label = "audit"
