"""Django app of the vault: blobs, custody-log entries and signed tree heads."""

from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "onrecord.vault"
    label = "vault"
    verbose_name = "Vault"
