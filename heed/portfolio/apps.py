from django.apps import AppConfig
from django.conf import settings


class PortfolioConfig(AppConfig):
    name = "heed.portfolio"
    label = "portfolio"

    def ready(self) -> None:
        if not settings.DEBUG:
            # A deployment must refuse to start without valid field-encryption keys, rather
            # than fail on the first debtor it reads.
            from heed.portfolio.crypto import keyring

            keyring()
