from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "heed.api"
    label = "api"
