"""Inspection plans and the inspections they schedule."""
