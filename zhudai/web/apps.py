from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "zhudai.web"
    label = "web"
