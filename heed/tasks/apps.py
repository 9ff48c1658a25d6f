from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "heed.tasks"
    label = "tasks"
