"""Web capture: a real browser records a page so that it holds up later."""

from __future__ import annotations

from onrecord.capture.store import CaptureOutcome, capture_urls

__all__ = ["CaptureOutcome", "capture_urls"]
