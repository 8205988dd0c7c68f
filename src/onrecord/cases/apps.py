"""Django app of cases."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "onrecord.cases"
    label = "cases"
    verbose_name = "Cases"
