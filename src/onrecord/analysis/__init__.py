"""Triage: find the dangerous items first — offline models, rules, severity and patterns."""
