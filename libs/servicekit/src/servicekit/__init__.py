"""Pieces every CongVu service is built from."""
