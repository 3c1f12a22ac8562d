"""Events citizen-feedback consumes: the unit registry, so ratings name real units."""

from contracts import topics
from eventbus import directory
from eventbus.bus import Subscription

SUBSCRIPTIONS = (
    Subscription(name="citizen-feedback.units", topics=[topics.PLANS], handlers=directory.HANDLERS),
)
