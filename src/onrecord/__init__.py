"""onrecord: put online harassment on record and act on it.

The package reads like its data flow: ``vault`` (evidence, encryption, custody log)
first, then what feeds it and what is built on it; ``cli`` is one way in.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
