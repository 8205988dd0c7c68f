"""Make a document: build its data from the case, then a PDF via Typst or plain text.

The data reaches Typst only as data: one JSON string in ``sys.inputs.data``, which the
template reads with ``json(bytes(sys.inputs.data))`` and places as text. Nothing a
harasser wrote is ever spliced into markup, so ``#``, ``$``, ``*``, ``[``, ``<``, ``@`` and
HTML print as themselves. Templates use no ``@preview`` packages (they would download at
compile time, which fails offline); they import only ``common.typ`` beside them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import typst

from onrecord.documents.facts import Request
from onrecord.documents.kinds import find_kind
from onrecord.errors import OnrecordError

Format = Literal["pdf", "text"]


class DocumentError(OnrecordError):
    """A template failed to compile (a defect in onrecord, never in the data)."""


def templates_dir() -> Path:
    """The folder holding the Typst templates."""
    return Path(str(resources.files("onrecord.documents").joinpath("templates")))


def compile_pdf(template: str, data: Mapping[str, Any]) -> bytes:
    """Compile ``templates/<template>`` with ``data`` passed as JSON in ``sys.inputs.data``."""
    folder = templates_dir()
    payload = json.dumps(data, ensure_ascii=False)
    try:
        result = typst.compile(
            folder / template,
            root=folder,
            format="pdf",
            sys_inputs={"data": payload},
        )
    except typst.TypstError as exc:
        raise DocumentError(f"Could not make the PDF from {template}: {exc.message}") from exc
    if not isinstance(result, bytes):
        raise DocumentError(f"Typst returned no PDF for {template}.")
    return result


def build_data(request: Request, key: str) -> dict[str, Any]:
    """The data of one document kind for ``request``."""
    return find_kind(key).build(request)


def render_document(request: Request, key: str, fmt: Format) -> bytes:
    """One document of kind ``key`` as PDF bytes or UTF-8 plain text."""
    kind = find_kind(key)
    data = kind.build(request)
    if fmt == "pdf":
        return compile_pdf(kind.template, data)
    return kind.text(data).encode("utf-8")
