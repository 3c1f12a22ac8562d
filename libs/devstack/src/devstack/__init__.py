"""Run CongVu on one machine."""
