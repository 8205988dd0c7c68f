"""Exports that leave the vault: a BagIt bag anyone can check without onrecord.

``export_bag(vault, case, folder, operator, item_ids)`` writes the bag (``bag``) from
the chosen items, exhibits and custody entries (``contents``) and logs the export;
``verify_bag.py`` travels inside each bag as its stand-alone verifier.
"""

from __future__ import annotations

from onrecord.export.bag import BagReport, export_bag

__all__ = ["BagReport", "export_bag"]
