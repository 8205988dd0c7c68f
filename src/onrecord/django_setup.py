"""Start Django once per process, from ``onrecord.django_settings``."""

from __future__ import annotations

import django
from django.conf import settings

from onrecord import django_settings


def setup_django() -> None:
    """Configure and start Django if it is not running yet (idempotent)."""
    if settings.configured:
        return
    values = {k: getattr(django_settings, k) for k in dir(django_settings) if k.isupper()}
    settings.configure(**values)
    django.setup()
