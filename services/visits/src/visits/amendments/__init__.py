"""Amendments: corrections of a sealed record, kept beside the original."""
