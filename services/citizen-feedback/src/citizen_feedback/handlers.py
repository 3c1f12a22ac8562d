"""Events citizen-feedback consumes: the unit registry, so ratings name real units."""

from eventbus import directory
from eventbus.bus import Subscription

SUBSCRIPTIONS = (Subscription(name="citizen-feedback.units", handlers=directory.HANDLERS),)
