from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zhudai.api"
    label = "api"
