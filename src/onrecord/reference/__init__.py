"""Legal and platform reference data (facts with sources and dates, never advice) and lookups."""
