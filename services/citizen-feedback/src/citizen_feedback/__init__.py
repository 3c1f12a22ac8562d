"""CongVu citizen-feedback service."""
