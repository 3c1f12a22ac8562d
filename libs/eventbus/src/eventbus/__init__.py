"""CongVu's event bus: outbox and relay for producers, inbox-deduplicating consumers."""
