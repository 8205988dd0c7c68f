"""The one exception tree of onrecord.

Every error a person can meet says what happened and what to do next; the CLI prints
``str(error)`` and exits non-zero without a traceback.

::

    OnrecordError
     ├── ConfigError               a setting has a value that cannot be used
     ├── VaultError                the vault folder, its database or its blobs
     │    ├── VaultNotFoundError   no vault at ONRECORD_HOME: run ``onrecord init``
     │    ├── VaultLockedError     wrong passphrase or recovery key: nothing changed
     │    ├── StorageFullError     the disk filled while writing: nothing half-stored
     │    ├── DatabaseAlteredError the database file fails authentication or its checks
     │    └── CaseNotFoundError    no case with that number or title
     ├── IntegrityError            stored bytes do not match what was recorded
     │    └── TamperedError        an encrypted chunk failed authentication
     │                             (altered, truncated, reordered or swapped)
     ├── ProofError                a Merkle inclusion or consistency proof is invalid
     ├── TimestampError            the time-stamping authority could not be reached,
     │                             refused, or answered with a token for something else
     └── InputError                a file given to a command cannot be used
                                   (directory, unreadable, vanished); others still go on
"""

from __future__ import annotations


class OnrecordError(Exception):
    """Base of every error onrecord raises on purpose."""


class ConfigError(OnrecordError):
    """A setting's value cannot be used."""


class VaultError(OnrecordError):
    """The vault cannot be opened, read or written."""


class VaultNotFoundError(VaultError):
    """There is no vault at the configured home."""


class VaultLockedError(VaultError):
    """The passphrase or recovery key does not unlock the vault."""


class StorageFullError(VaultError):
    """The disk filled while writing; the partial write was removed."""


class DatabaseAlteredError(VaultError):
    """The database file was changed outside onrecord (fails authentication)."""


class CaseNotFoundError(VaultError):
    """No case matches the reference given."""


class IntegrityError(OnrecordError):
    """Stored bytes do not match what was recorded when they were acquired."""


class TamperedError(IntegrityError):
    """An encrypted chunk failed authentication: altered, truncated, reordered or swapped."""


class ProofError(OnrecordError):
    """A Merkle inclusion or consistency proof does not verify."""


class TimestampError(OnrecordError):
    """No trusted time: the TSA was unreachable, refused, or its token does not match."""


class InputError(OnrecordError):
    """A file given to a command cannot be used."""


__all__ = [
    "CaseNotFoundError",
    "ConfigError",
    "DatabaseAlteredError",
    "InputError",
    "IntegrityError",
    "OnrecordError",
    "ProofError",
    "StorageFullError",
    "TamperedError",
    "TimestampError",
    "VaultError",
    "VaultLockedError",
    "VaultNotFoundError",
]
