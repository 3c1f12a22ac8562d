"""CongVu event contracts: every event type, versioned, keyed by its aggregate id.

Each area's events live in their own module (`contracts.plans`, `contracts.visits`, ...);
`contracts.registry.EVENT_TYPES` finds every one of them by its CloudEvents type.
"""
