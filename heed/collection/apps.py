from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "heed.collection"
    label = "collection"
