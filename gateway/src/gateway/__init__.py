"""CongVu API gateway."""
