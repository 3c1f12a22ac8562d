"""Inspection teams: founded by a decision, a leader and members, valid for a period."""
