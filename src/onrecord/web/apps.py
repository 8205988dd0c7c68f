from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "onrecord.web"
    label = "onrecord_web"
    verbose_name = "onrecord web app"
