"""Offline sync: what a field device recorded without a connection, sent in one request."""
