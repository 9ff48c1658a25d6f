from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "heed.users"
    label = "users"
