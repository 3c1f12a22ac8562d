"""Who does what in planning: the groups of roles the plans service's routes allow."""

from servicekit.access import Role

# Form teams, write checklists, draft plans and schedule inspections.
PLANNERS = frozenset({Role.ADMIN, Role.INSPECTORATE})
# Approve and close plans.
APPROVERS = frozenset({Role.ADMIN})
# Keep the registry of units: the Ministry nationally, an admin within the province.
REGISTRARS = frozenset({Role.NATIONAL, Role.ADMIN})
