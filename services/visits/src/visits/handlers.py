"""Events visits consumes: the unit registry, so a visit is at a unit of the team's province."""

from contracts import topics
from eventbus import directory
from eventbus.bus import Subscription

SUBSCRIPTIONS = (
    Subscription(name="visits.units", topics=[topics.PLANS], handlers=directory.HANDLERS),
)
