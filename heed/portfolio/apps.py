from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "heed.portfolio"
    label = "portfolio"
