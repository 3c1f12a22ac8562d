"""Checklist templates: criteria in categories, published as immutable versions."""
