"""Who does what with visits: the groups of roles the visits service's routes allow."""

from servicekit.access import INSPECTION_STAFF, UNIT_SCOPED, Role

# Record a visit: members of the team carrying it out (checked per visit).
RECORDERS = frozenset({Role.TEAM_LEADER, Role.INSPECTOR})
# Read visits: inspection staff within their reach; unit heads and staff their own unit's
# visits once sealed (`visits.scope`).
READERS = INSPECTION_STAFF | UNIT_SCOPED
