"""Django app of the five steps: actions and their deadlines."""

from django.apps import AppConfig


class StepsConfig(AppConfig):
    name = "onrecord.steps"
    label = "steps"
    verbose_name = "Steps"
