"""Violations found on a visit: category, severity, unit or person, and repeats."""
