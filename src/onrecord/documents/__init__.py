"""Documents built from a case, as PDF (Typst) and plain text for web forms.

``KINDS`` lists them in order; ``render_document(Request(...), key, "pdf" | "text")``
makes one. A harasser's words travel to Typst as data, never as markup.
"""

from __future__ import annotations

from onrecord.documents.facts import Request
from onrecord.documents.kinds import KINDS, DocumentKind, find_kind
from onrecord.documents.render import DocumentError, render_document

__all__ = ["KINDS", "DocumentError", "DocumentKind", "Request", "find_kind", "render_document"]
