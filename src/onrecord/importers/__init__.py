"""Importers: one module per kind of export, in one ordered list, and format detection.

Each importer reads a ``Source`` and yields ``ImportedItem`` s; it never writes.
``onrecord.cases.imports`` stores the original first, then writes what importers yield.
"""
