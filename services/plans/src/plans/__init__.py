"""CongVu plans service."""
