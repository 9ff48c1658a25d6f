from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "heed.payments"
    label = "payments"
