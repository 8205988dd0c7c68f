"""The views, one module per flow; ``common`` has what they share."""
