"""Django app of the organisation server: staff, case shares and the job queue's schema."""

from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "onrecord.server"
    label = "server"
    verbose_name = "Organisation server"
