"""Topic names: one topic per producing stream."""

PLANS = "congvu.plans.v1"
VISITS = "congvu.visits.v1"
FEEDBACK = "congvu.feedback.v1"
DOSSIERS = "congvu.dossiers.v1"
AUDIT = "congvu.audit.v1"
# Every event topic, each created at start: the dossier feed's before its first event exists.
TOPICS: tuple[str, ...] = (PLANS, VISITS, FEEDBACK, DOSSIERS, AUDIT)


def dead_letter_topic(topic: str) -> str:
    """Return the dead-letter topic that collects poison events read from `topic`."""
    return f"{topic}.dlq"
