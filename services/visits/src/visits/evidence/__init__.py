"""Evidence: the photos and documents a team attaches to a visit, stored by content hash."""
