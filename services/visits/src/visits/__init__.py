"""CongVu visits service."""
