"""CongVu reporting service."""
